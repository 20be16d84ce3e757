#!/usr/bin/env python
"""Benchmark of the offline mirror: build time, cached run time, sizes.

Prints numbers beside the goal; asserts nothing. With --cold the run uses an
empty cache directory and empty Go build and module caches under --scratch, so
every artifact is built from nothing (tens of minutes on two cores), and each
Go build's time is printed too; at the end the scratch copy's servers are
stopped and --scratch is removed (--keep leaves both). Without --cold, the run
measures the mirror as this machine has it (normally fully cached).

    .venv/bin/python benchmarks/mirror.py            # cached run + sizes
    .venv/bin/python benchmarks/mirror.py --cold --scratch /var/tmp/kubelab-bench
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULTS = yaml.safe_load((REPO / "roles/mirror/defaults/main.yml").read_text())
# The goal for a cold build with two Kubernetes versions: 20 minutes.
COLD_GOAL = 20 * 60


def run_mirror(extravars: dict, env: dict) -> float:
    started = time.monotonic()
    cmd = ["ansible-playbook", "playbooks/mirror.yml", "-e", json.dumps(extravars)]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit("mirror run failed:\n" + proc.stdout[-3000:] + proc.stderr[-2000:])
    return seconds


def stop_servers(root: Path) -> None:
    """Stop the files servers and registries a run under root started (their pid files are in root)."""
    for pidfile in sorted(root.glob("*.pid")):
        subprocess.run(["start-stop-daemon", "--stop", "--retry", "TERM/10/KILL/5", "--remove-pidfile",
                        "--pidfile", str(pidfile)], capture_output=True, check=False)


def du(path: Path) -> int:
    """Bytes of the regular files under path, each inode counted once."""
    seen, total = set(), 0
    for item in path.rglob("*"):
        if item.is_file() and not item.is_symlink():
            st = item.stat()
            if st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_size
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="build everything from empty caches")
    parser.add_argument("--scratch", default="/var/tmp/kubelab-bench", help="directory for the cold caches")
    parser.add_argument("--keep", action="store_true",
                        help="after --cold, leave the scratch mirror served and its caches (about 18 GiB) in place")
    args = parser.parse_args()

    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))
    extravars: dict = {}
    cache = Path(DEFAULTS["mirror_cache_dir"])
    root = Path(DEFAULTS["mirror_root"])
    if args.cold:
        scratch = Path(args.scratch)
        stop_servers(scratch / "root")
        subprocess.run(["rm", "-rf", str(scratch)], check=True)
        cache, root = scratch / "cache", scratch / "root"
        env.update(GOCACHE=str(scratch / "gocache"), GOMODCACHE=str(scratch / "gomodcache"))
        extravars = {"mirror_cache_dir": str(cache), "mirror_root": str(root),
                     "mirror_files_port": 18480, "mirror_registry_port": 15000}

    first = run_mirror(extravars, env)
    second = run_mirror(extravars, env)
    releases = [DEFAULTS["mirror_kubernetes_version"]] + [r["kubernetes"] for r in DEFAULTS["mirror_previous_releases"]]
    print("kubernetes versions     %s" % ", ".join(releases))
    if args.cold:
        print("%-23s %8.1f s   goal <= %d s (%.1f min; %d Kubernetes versions, idle machine)" % (
            "cold run", first, COLD_GOAL, first / 60, len(releases)))
        times = json.loads((cache / "build-times.json").read_text())
        builds = sorted(((sec, name, version) for name, by_version in times.items()
                         for version, sec in by_version.items()), reverse=True)
        for sec, name, version in builds:
            print("  go build %-30s %5d s" % ("%s %s" % (name, version), sec))
        print("  %-39s %5d s" % ("go builds in all", sum(sec for sec, _n, _v in builds)))
    else:
        print("%-23s %8.1f s" % ("first run", first))
    print("%-23s %8.1f s" % ("cached run", second))
    print("%-23s %8.1f MiB" % ("files repository", du(root / "files") / 2**20))
    print("%-23s %8.1f MiB" % ("registry storage", du(root / "registry") / 2**20))
    print("%-23s %8.1f MiB" % ("build cache", du(cache) / 2**20))
    images = sorted(p for p in (cache / "oci").glob("*/*") if (p / "index.json").exists() and p.parent.name != "base")
    for image in images:
        manifest_digest = json.loads((image / "index.json").read_text())["manifests"][0]["digest"].split(":")[1]
        manifest = json.loads((image / "blobs/sha256" / manifest_digest).read_text())
        size = sum(layer["size"] for layer in manifest["layers"])
        print("image %-30s %8.1f MiB" % ("%s:%s" % (image.parent.name, image.name), size / 2**20))
    if args.cold and not args.keep:
        # Left behind, the scratch copy holds ports and fills the disk: a lab
        # started later sees its kubelets report disk pressure.
        stop_servers(root)
        subprocess.run(["rm", "-rf", args.scratch], check=True)
        print("scratch mirror stopped and %s removed (--keep leaves them)" % args.scratch)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Benchmark of the kubeadm cluster on the lab: machine start, cold converge,
idempotent re-run, and how many tasks each host runs.

Prints numbers; asserts nothing. Uses the molecule/default scenario (1 control
plane + 2 workers) on the provider in KUBELAB_PROVIDER (docker here), and
destroys the machines at the end unless --keep is given. The offline mirror
must be served (playbooks/mirror.yml).

    KUBELAB_PROVIDER=docker .venv/bin/python benchmarks/cluster.py
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RECAP = re.compile(r"^\W*(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)(?:\s+skipped=(\d+))?")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def molecule(step: str) -> tuple[float, str]:
    started = time.monotonic()
    proc = subprocess.run([str(Path(sys.executable).parent / "molecule"), step], cwd=REPO, capture_output=True,
                          text=True, check=False)
    elapsed = time.monotonic() - started
    out = ANSI.sub("", proc.stdout + proc.stderr)
    if proc.returncode != 0:
        sys.exit("molecule %s failed (rc=%d):\n%s" % (step, proc.returncode, out[-4000:]))
    return elapsed, out


def recap(out: str) -> dict:
    """Per-host counts of the last PLAY RECAP (molecule may wrap a host's line in two)."""
    hosts = {}
    lines = out.splitlines() + [""]
    for number, line in enumerate(lines[:-1]):
        match = RECAP.match(line)
        if match:
            host, ok, changed, _unreachable, _failed, skipped = match.groups()
            if skipped is None:
                wrapped = re.search(r"skipped=(\d+)", lines[number + 1])
                skipped = wrapped.group(1) if wrapped else "0"
            hosts[host] = {"ok": int(ok), "changed": int(changed), "skipped": int(skipped)}
    return hosts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the machines running")
    args = parser.parse_args()
    os.environ.setdefault("KUBELAB_PROVIDER", "docker")

    molecule("destroy")
    up = molecule("create")[0]
    cold, cold_out = molecule("converge")
    again, again_out = molecule("converge")
    print("provider                     %s" % os.environ["KUBELAB_PROVIDER"])
    print("machines up (1 + 2)          %6.1f s" % up)
    print("cold converge (1 + 2)        %6.1f s" % cold)
    print("idempotent re-run            %6.1f s" % again)
    for name, out in (("cold", cold_out), ("re-run", again_out)):
        for host, counts in sorted(recap(out).items()):
            print("%-7s %-12s tasks %3d  changed %3d  skipped %3d" % (
                name, host, counts["ok"] + counts["skipped"], counts["changed"], counts["skipped"]))
    if not args.keep:
        molecule("destroy")


if __name__ == "__main__":
    main()

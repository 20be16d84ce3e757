#!/usr/bin/env python
"""Benchmark of how the converge grows with the number of workers.

Prints numbers beside the goal; asserts nothing. For each size (1 control
plane + 1, 3 and 5 workers by default) it makes the lab's machines with the
Vagrantfile (KUBELAB_WORKERS, the docker provider unless KUBELAB_PROVIDER says
otherwise, the offline mirror on this host), times `vagrant up --no-provision
--no-parallel` (machines booted one after the other: the docker provider's
parallel start can race with itself on six machines) and `vagrant provision` (site.yml from booted machines to
the verified cluster: network check and workloads included), reads the memory
each machine uses, and destroys them again. The mirror must be served on the
lab network (playbooks/mirror.yml -i inventories/lab); no other lab may run.

    .venv/bin/python benchmarks/growth.py --workers 1 3 5

The strategy is the environment's: after `eval "$(scripts/mitogen-env)"` the
provisioning runs with mitogen's.
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
ANSI = re.compile(r"\x1b\[[0-9;]*m")
GOAL = 0.50  # growth of the converge from the smallest size to the largest


def vagrant(*args: str, env: dict) -> tuple[float, str]:
    started = time.monotonic()
    proc = subprocess.run(["vagrant", *args], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    out = ANSI.sub("", proc.stdout + proc.stderr)
    if proc.returncode != 0:
        sys.exit("vagrant %s failed (rc=%d):\n%s" % (" ".join(args), proc.returncode, out[-4000:]))
    return elapsed, out


def machine_memory() -> dict[str, float]:
    """Resident MiB of each lab machine now, by machine name: the container's own cgroup (systemd, containerd,
    kubelet) and its pods' cgroup root (/kubelab/<name>, as the lab's docker provider sets it), cgroup v1."""
    names = subprocess.run(["docker", "ps", "--format", "{{.ID}} {{.Names}}"], capture_output=True, text=True,
                           check=False).stdout.split("\n")
    usage = {}
    for line in names:
        match = re.match(r"^(\S+) \S*?(k8s-[a-z0-9-]+?)(_\d+)?$", line.strip())
        if not match:
            continue
        full = subprocess.run(["docker", "inspect", "-f", "{{.Id}}", match.group(1)], capture_output=True, text=True,
                              check=False).stdout.strip()
        rss = 0
        for group in ("docker/" + full, "kubelab/" + match.group(2)):
            stat = Path("/sys/fs/cgroup/memory") / group / "memory.stat"
            if stat.exists():
                fields = dict(entry.split() for entry in stat.read_text().splitlines())
                rss += int(fields.get("total_rss", 0))
        usage[match.group(2)] = rss / 2 ** 20
    return usage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3, 5], help="the sizes to build, in workers")
    args = parser.parse_args()
    env = dict(os.environ, KUBELAB_MIRROR="host")
    env.setdefault("KUBELAB_PROVIDER", "docker")
    # Vagrant asks the default provider about machines that do not exist yet
    env["VAGRANT_DEFAULT_PROVIDER"] = env["KUBELAB_PROVIDER"]
    converge: dict[int, float] = {}
    print("provider %s, strategy %s" % (env["KUBELAB_PROVIDER"], env.get("ANSIBLE_STRATEGY") or "linear"))
    for workers in args.workers:
        sized = dict(env, KUBELAB_WORKERS=str(workers))
        vagrant("destroy", "--force", env=sized)
        booted, _out = vagrant("up", "--provider", env["KUBELAB_PROVIDER"], "--no-provision", "--no-parallel", env=sized)
        converge[workers], out = vagrant("provision", env=sized)
        memory = machine_memory()
        recaps = re.findall(r"^(k8s-\S+)\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0", out, re.M)
        resident = ", ".join("%s %.0f" % item for item in sorted(memory.items())) or "?"
        print("1 + %d workers: machines booted %6.1f s, site.yml to verified %6.1f s, %d hosts in the recap,"
              " resident memory %s MiB" % (workers, booted, converge[workers], len(recaps), resident))
        vagrant("destroy", "--force", env=sized)
    if len(converge) > 1:
        small, large = min(converge), max(converge)
        growth = converge[large] / converge[small] - 1
        print("growth of the converge from 1 + %d to 1 + %d: %+.0f %%   goal <= %+.0f %%" % (
            small, large, 100 * growth, 100 * GOAL))


if __name__ == "__main__":
    main()

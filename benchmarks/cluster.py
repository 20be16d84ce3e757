#!/usr/bin/env python
"""Benchmark of the kubeadm cluster on the lab: machine start, cold converge,
idempotent re-runs of site.yml, how many tasks each host runs, and where a
re-run spends its time.

Prints numbers beside their goals; asserts nothing. Uses the molecule/default
scenario (1 control plane + 2 workers, converge = site.yml with the network
check and the workloads) on the provider in KUBELAB_PROVIDER (docker here),
and destroys the machines at the end unless --keep is given. The offline
mirror must be served (playbooks/mirror.yml -i inventories/lab). The re-runs
are timed with each strategy given (Ansible's linear strategy, the default,
and mitogen's, scripts/mitogen-env), one after the other on the same machines;
the cold converge runs with the first. The last re-run of each strategy runs
with ansible.posix's profile_roles and profile_tasks callbacks; the roles and
tasks that took longest are printed.

    KUBELAB_PROVIDER=docker .venv/bin/python benchmarks/cluster.py --reruns 3
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RECAP = re.compile(r"^\W*(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)(?:\s+skipped=(\d+))?")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# profile_tasks / profile_roles summary lines: "<role : task or role> ---- 1.23s"
TIMED = re.compile(r"^\W*(.+?)\s+-{3,}\s+(\d+\.\d+)s\s*$")
GOALS = {"cold": 120.0, "rerun": 45.0}
PROFILE = {"ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_roles,ansible.posix.profile_tasks",
           "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "15", "PROFILE_TASKS_SORT_ORDER": "descending"}


def strategy_env(strategy: str) -> dict[str, str]:
    """The environment that selects a strategy: none for linear, scripts/mitogen-env's exports for mitogen."""
    if strategy == "linear":
        return {}
    proc = subprocess.run([str(REPO / "scripts" / "mitogen-env")], capture_output=True, text=True, check=False,
                          env=dict(os.environ, KUBELAB_VENV=str(Path(sys.executable).parent.parent)))
    if proc.returncode != 0:
        sys.exit(proc.stderr.strip())
    return dict(line.removeprefix("export ").split("=", 1) for line in proc.stdout.splitlines())


def molecule(step: str, env: dict | None = None) -> tuple[float, str]:
    started = time.monotonic()
    proc = subprocess.run([str(Path(sys.executable).parent / "molecule"), step], cwd=REPO, capture_output=True,
                          text=True, check=False, env=dict(os.environ, COLUMNS="400", **(env or {})))
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


def timed(out: str) -> list[tuple[str, float]]:
    """The (name, seconds) lines the profile callbacks print at the end, in their order."""
    return [(m.group(1).strip(), float(m.group(2))) for m in map(TIMED.match, out.splitlines()) if m]


def counts(name: str, out: str) -> None:
    for host, numbers in sorted(recap(out).items()):
        print("%-14s %-12s tasks %3d  changed %3d  skipped %3d" % (
            name, host, numbers["ok"] + numbers["skipped"], numbers["changed"], numbers["skipped"]))


def profile(strategy: str, out: str) -> None:
    # profile_roles prints its lines first (one per role), then profile_tasks its slowest tasks
    names = timed(out)
    roles = [(n, s) for n, s in names if " : " not in n]
    tasks = [(n, s) for n, s in names if " : " in n or n.startswith("Gathering Facts")]
    print("profiled %s re-run, seconds by role:" % strategy)
    for name, spent in sorted(roles, key=lambda item: -item[1]):
        print("  %7.2f  %s" % (spent, name))
    print("profiled %s re-run, slowest tasks:" % strategy)
    for name, spent in tasks[:15]:
        print("  %7.2f  %s" % (spent, name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the machines running")
    parser.add_argument("--reruns", type=int, default=3, help="idempotent re-runs to time (the median is printed)")
    parser.add_argument("--strategies", nargs="+", choices=["linear", "mitogen"], default=["linear", "mitogen"],
                        help="strategies to time the re-runs with (the cold converge uses the first)")
    parser.add_argument("--reuse", action="store_true",
                        help="time the re-runs on the machines of an earlier converge (no destroy, create, cold converge)")
    args = parser.parse_args()
    if args.reruns < 1:
        parser.error("--reruns must be 1 or more, not %d" % args.reruns)
    os.environ.setdefault("KUBELAB_PROVIDER", "docker")

    print("provider                     %s" % os.environ["KUBELAB_PROVIDER"])
    envs = {strategy: strategy_env(strategy) for strategy in args.strategies}
    first = args.strategies[0]
    if not args.reuse:
        molecule("destroy")
        up = molecule("create")[0]
        cold, cold_out = molecule("converge", envs[first])
        print("machines up (1 + 2)          %6.1f s" % up)
        print("cold converge (1 + 2)        %6.1f s   goal <= %.0f s (from booted machines to verified; %s)" % (
            cold, GOALS["cold"], first))
        counts("cold", cold_out)
    for strategy in args.strategies:
        seconds = []
        again_out = ""
        for number in range(args.reruns):
            last = number == args.reruns - 1
            again, again_out = molecule("converge", dict(envs[strategy], **(PROFILE if last else {})))
            seconds.append(again)
            print("%-7s re-run %d           %6.1f s%s" % (strategy, number + 1, again, "   (profiled)" if last else ""))
        print("%-7s re-run, median      %6.1f s   goal <= %.0f s, changed=0" % (
            strategy, statistics.median(seconds), GOALS["rerun"]))
        counts("%s re-run" % strategy, again_out)
        profile(strategy, again_out)
    if not args.keep:
        molecule("destroy")


if __name__ == "__main__":
    main()

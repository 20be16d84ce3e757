#!/usr/bin/env python
"""Benchmark of the network check: how its time grows with the number of probes.

Prints numbers; asserts nothing. Runs kubelab.cluster.network_check through
Ansible against a running cluster (the lab of molecule/default, after
`molecule converge`) with 1, 5, 15 and 30 pod probes per schedulable node
(2 workers: 2, 10, 30 and 60 probe pods, plus one node probe per node), each a
few times, and prints the exec calls made into the probes (one per probe and
round: they grow with the probes, not with the pairs), the time to get the
probes ready, the check itself (all pairs probed and judged), the clean-up and
the module's total.

Each run starts on a settled cluster, as the check does in site.yml (once per
run): the clean-up returns when the probes' objects are gone, and the kubelets
then stop the probes' containers and tear down their network namespaces (30 s
or more for 60 probes on two cores). Before each run the benchmark waits until
the namespace is gone and no probe pod is left on any lab machine (read with
crictl in the docker-provider machines of this checkout), and prints that wait
apart; --no-settle starts each run right after the one before.

    .venv/bin/python benchmarks/network_check.py --image 192.168.56.1:5000/e2e-test-images/agnhost:2.59
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_check(kubeconfig: str, image: str, per_node: int) -> dict:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_STDOUT_CALLBACK="json")
    args = json.dumps({"kubeconfig": kubeconfig, "image": image, "probes_per_node": per_node, "ready_timeout": 300})
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible"), "localhost", "-m",
                           "kubelab.cluster.network_check", "-a", args], cwd=REPO, env=env, capture_output=True,
                          text=True, check=False)
    try:
        result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError):
        sys.exit("the check did not run:\n%s%s" % (proc.stdout[-3000:], proc.stderr[-3000:]))
    if result.get("failed"):
        sys.exit("the check failed: %s" % result.get("msg"))
    return result


def lab_machines() -> list[str]:
    """The docker-provider machines of this checkout's lab (none when docker is not there)."""
    try:
        out = subprocess.run(["docker", "ps", "-q", "--filter", "label=io.kubelab.lab=%s" % REPO],
                             capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        return []
    return out.split()


def settle(kubeconfig: str, namespace: str, machines: list[str], timeout: float = 180) -> float:
    """Wait until the namespace is gone and no machine has a pod sandbox of it left; return the seconds waited."""
    started = time.monotonic()
    kubectl = ["kubectl", "--kubeconfig", kubeconfig, "get", "namespace", namespace, "--ignore-not-found", "-o", "name"]
    while time.monotonic() - started < timeout:
        left = subprocess.run(kubectl, capture_output=True, text=True, check=True).stdout.strip()
        for machine in machines:
            if left:
                break
            left = subprocess.run(["docker", "exec", machine, "crictl", "pods", "-q", "--namespace", namespace],
                                  capture_output=True, text=True, check=True).stdout.strip()
        if not left:
            return time.monotonic() - started
        time.sleep(1)
    sys.exit("namespace %s or its pods still present after %ds" % (namespace, timeout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", default=os.path.expanduser("~/.kube/kubelab.conf"))
    parser.add_argument("--image", default="192.168.56.1:5000/e2e-test-images/agnhost:2.59")
    parser.add_argument("--per-node", type=int, nargs="+", default=[1, 5, 15, 30])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-settle", dest="settle", action="store_false",
                        help="start each run right after the one before, while the nodes still remove its probes")
    opts = parser.parse_args()
    machines = lab_machines() if opts.settle else []
    if opts.settle and not machines:
        print("no docker-provider lab machines of %s: waiting for the namespace only" % REPO)
    print("%6s %6s %6s %7s %7s | %8s %8s %8s %8s | %8s  (seconds, median of %d)"
          % ("probes", "nodes", "pairs", "rounds", "execs", "ready", "check", "cleanup", "total", "settled",
             opts.repeat))
    for per_node in opts.per_node:
        runs = []
        waits = []
        for _run in range(opts.repeat):
            if opts.settle:
                waits.append(settle(opts.kubeconfig, "kubelab-netcheck", machines))
            runs.append(run_check(opts.kubeconfig, opts.image, per_node))
        last = runs[-1]
        pods = sum(1 for p in last["probes"] if p["kind"] == "pod")
        nodes = len(last["probes"]) - pods

        def med(key: str) -> float:
            return statistics.median(r["seconds"][key] for r in runs)

        print("%6d %6d %6d %7s %7s | %8.2f %8.2f %8.2f %8.2f | %8s"
              % (pods, nodes, len(last["pairs"]), "/".join(str(r["rounds"]) for r in runs),
                 "/".join(str(r["exec_calls"]) for r in runs), med("ready"), med("check"), med("cleanup"),
                 med("total"), "/".join("%.0f" % w for w in waits) if waits else "-"))


if __name__ == "__main__":
    main()

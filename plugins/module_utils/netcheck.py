# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network-model checks, independent of how probes are reached.

A probe is a process with a network identity, serving ``/clientip`` over
HTTP: a pod (its own network namespace) or a node (the host network, on a
port of its own). Each probe runs PROBE_SCRIPT once per round: it prints its
own IPv4 addresses, then pings and fetches ``/clientip`` from all of its
targets concurrently. The replies are turned into a pair matrix and judged
against the requirements of the Kubernetes network model:

pod_to_pod    every pod probe reaches every other pod probe (ICMP and HTTP)
node_to_pod   every node probe reaches every pod probe (ICMP and HTTP)
node_to_node  every node probe reaches every other node probe (ICMP and HTTP)
no_nat        the source a target (pod or node) observed is the sender's pod
              IP, or one of the sending node's own addresses
self_ip       a pod's own interface address is its reported IP, and is what
              its peers observed

A requirement for which nothing could be checked (no pairs, or no pair that
answered) fails: a check that compares nothing cannot find a fault, so its
passing would say nothing about the network.
"""

from __future__ import annotations

import ipaddress
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

REQUIREMENTS = ("pod_to_pod", "node_to_pod", "node_to_node", "no_nat", "self_ip")

DESCRIPTIONS = {
    "pod_to_pod": "every pod reaches every other pod (ICMP and HTTP)",
    "node_to_pod": "every node reaches every pod (ICMP and HTTP)",
    "node_to_node": "every node reaches every other node (ICMP and HTTP)",
    "no_nat": "the source a pod or node observes is the sender's own address",
    "self_ip": "a pod's own interface address is the IP others see",
}

# POSIX sh for busybox. Arguments: port, per-target timeout in seconds, how
# many targets to check at once, then the targets: an address (served on that
# port) or address:port. (Debian's static
# busybox wget crashes on -T, hence timeout.) One line per target, written by
# one echo (atomic on a pipe), so concurrent jobs never interleave inside a line.
PROBE_SCRIPT = r"""
port=$1; wait_s=$2; fanout=$3; shift 3
echo "SELF $(ip -4 -o addr show scope global | awk '{print $4}' | tr '\n' ' ')"
check() {
  case $1 in *:*) host=${1%:*}; at=${1##*:} ;; *) host=$1; at=$port ;; esac
  if ping -c 1 -W "$wait_s" "$host" >/dev/null 2>&1; then icmp=1; else icmp=0; fi
  if seen=$(timeout "$wait_s" wget -q -O - "http://$host:$at/clientip" 2>/dev/null); then http=1; else http=0; seen=-; fi
  echo "PEER $1 $icmp $http ${seen:--}"
}
n=0
for target in "$@"; do
  check "$target" &
  n=$((n + 1))
  if [ "$n" -ge "$fanout" ]; then wait; n=0; fi
done
wait
echo END
"""


class ProbeError(Exception):
    """A probe could not be run or answered with something unreadable."""


@dataclass
class Probe:
    """One sender (and, for pods, one target) of the checks."""

    name: str
    kind: str  # "pod" or "node"
    node: str
    ip: str  # status.podIP for pods, the node's InternalIP for nodes
    addresses: list[str] = field(default_factory=list)  # what the probe itself reports
    pod: str = ""  # the pod to run the probe in, when it is not `name`
    port: int = 0  # the port it serves on, when it is not the pods' port

    def label(self) -> str:
        return "%s %s (%s)" % (self.kind, self.ip, self.node)

    def target(self) -> str:
        """How senders name it to PROBE_SCRIPT: its address, with its port when it has one of its own."""
        return "%s:%d" % (self.ip, self.port) if self.port else self.ip


@dataclass
class Pair:
    source: Probe
    target: Probe
    icmp: bool = False
    http: bool = False
    observed: str = ""
    attempts: int = 0
    error: str = ""

    @property
    def reached(self) -> bool:
        return self.icmp and self.http

    def nat(self) -> bool:
        """True when the target observed an address that is not the sender's own."""
        if not self.http:
            return False
        if self.source.kind == "pod":
            return self.observed != self.source.ip
        return self.observed not in self.source.addresses

    def as_dict(self) -> dict:
        return {
            "source": self.source.name, "source_kind": self.source.kind, "source_node": self.source.node,
            "source_ip": self.source.ip, "target": self.target.name, "target_node": self.target.node,
            "target_ip": self.target.ip, "icmp": self.icmp, "http": self.http, "observed": self.observed,
            "nat": self.nat(), "attempts": self.attempts, "error": self.error,
        }


@dataclass
class Reply:
    addresses: list[str]
    peers: dict[str, tuple[bool, bool, str]]


def strip_port(address: str) -> str:
    """'10.0.0.1:4242' -> '10.0.0.1'; '[fd00::1]:80' -> 'fd00::1'; '-' -> ''."""
    address = address.strip()
    if address in ("", "-"):
        return ""
    host = address.rsplit(":", 1)[0] if address.count(":") == 1 or address.startswith("[") else address
    return host.strip("[]")


def parse_reply(text: str, targets: Sequence[str]) -> Reply:
    """Read what PROBE_SCRIPT printed. Every target must have its line."""
    addresses: list[str] | None = None
    peers: dict[str, tuple[bool, bool, str]] = {}
    ended = False
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "SELF":
            addresses = [w.split("/")[0] for w in words[1:]]
        elif words[0] == "PEER" and len(words) == 5:
            peers[words[1]] = (words[2] == "1", words[3] == "1", strip_port(words[4]))
        elif words[0] == "END":
            ended = True
    missing = (["own addresses"] if addresses is None else []) + [t for t in targets if t not in peers]
    missing += [] if ended else ["end marker"]
    if missing or addresses is None:
        raise ProbeError("incomplete probe reply (missing %s): %s"
                         % (", ".join(missing), text.strip()[-300:] or "<empty>"))
    for address in addresses:
        ipaddress.ip_address(address)
    return Reply(addresses=addresses, peers=peers)


# A runner takes a probe and its target addresses and returns the text
# PROBE_SCRIPT printed there (raising ProbeError when it cannot run it).
Runner = Callable[[Probe, Sequence[str]], str]


@dataclass
class Outcome:
    pods: list[Probe]
    nodes: list[Probe]
    pairs: list[Pair]
    results: dict[str, dict]
    rounds: int
    seconds: float
    # exec calls made: one per sender in the first round, one per sender with a failed pair in each retry
    calls: int = 0

    @property
    def failed(self) -> list[str]:
        return [name for name in REQUIREMENTS if name in self.results and not self.results[name]["passed"]]


def run_round(runner: Runner, work: dict[str, tuple[Probe, list[Pair]]], parallel: int) -> None:
    """Run one probe call per sender over its pairs, all senders concurrently."""

    def one(item: tuple[Probe, list[Pair]]) -> None:
        probe, pairs = item
        targets = [p.target.target() for p in pairs]
        for pair in pairs:
            pair.attempts += 1
        try:
            reply = parse_reply(runner(probe, targets), targets)
        except ProbeError as exc:
            for pair in pairs:
                pair.icmp = pair.http = False
                pair.observed = ""
                pair.error = str(exc)
            return
        probe.addresses = reply.addresses
        for pair in pairs:
            pair.icmp, pair.http, pair.observed = reply.peers[pair.target.target()]
            pair.error = ""

    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(work)))) as pool:
        list(pool.map(one, work.values()))


def build_pairs(pods: Sequence[Probe], nodes: Sequence[Probe]) -> list[Pair]:
    """Every pod to every other pod, every node to every pod and to every other node."""
    pairs = [Pair(s, t) for s in pods for t in pods if s is not t]
    pairs += [Pair(s, t) for s in nodes for t in pods]
    pairs += [Pair(s, t) for s in nodes for t in nodes if s is not t]
    return pairs


def check(runner: Runner, pods: Sequence[Probe], nodes: Sequence[Probe], retries: int = 1,
          parallel: int = 16, requirements: Iterable[str] = REQUIREMENTS) -> Outcome:
    """Run the probes, retry the unreachable pairs only, and judge the result."""
    started = time.monotonic()
    pairs = build_pairs(pods, nodes)
    senders = list(pods) + list(nodes)
    rounds = calls = 0
    pending = pairs
    while True:
        work: dict[str, tuple[Probe, list[Pair]]] = {}
        for pair in pending:
            work.setdefault(pair.source.name, (pair.source, []))[1].append(pair)
        # a sender without pending pairs still reports its own addresses on the first round
        if rounds == 0:
            for probe in senders:
                work.setdefault(probe.name, (probe, []))
        run_round(runner, work, parallel)
        rounds += 1
        calls += len(work)
        pending = [p for p in pairs if not p.reached]
        if not pending or rounds > retries:
            break
    results = judge(list(pods), pairs, list(requirements), nodes=list(nodes))
    return Outcome(pods=list(pods), nodes=list(nodes), pairs=pairs, results=results, rounds=rounds,
                   seconds=round(time.monotonic() - started, 3), calls=calls)


def _failure(pair: Pair, why: str) -> dict:
    return {"source": pair.source.name, "source_ip": pair.source.ip, "source_node": pair.source.node,
            "target": pair.target.name, "target_ip": pair.target.ip, "target_node": pair.target.node,
            "why": why}


def _unreached_why(pair: Pair) -> str:
    if pair.error:
        return pair.error
    lost = [name for name, ok in (("ICMP", pair.icmp), ("HTTP", pair.http)) if not ok]
    return "no %s reply" % " and no ".join(lost)


def _probes(pods: Sequence[Probe], nodes: Sequence[Probe] | None) -> str:
    """'1 pod probe on 1 node and 0 node probes', for the reason a requirement had nothing to check."""
    on = len({pod.node for pod in pods})
    text = "%d pod probe%s on %d node%s" % (len(pods), "" if len(pods) == 1 else "s", on, "" if on == 1 else "s")
    if nodes is not None:
        text += " and %d node probe%s" % (len(nodes), "" if len(nodes) == 1 else "s")
    return text


def _unchecked(name: str, pods: list[Probe], nodes: list[Probe] | None, pairs: list[Pair]) -> str:
    """Why ``name`` had no pairs to judge; the requirement fails with this."""
    if name == "pod_to_pod":
        why = "%s; pod_to_pod needs at least two pod probes" % _probes(pods, None)
    elif name == "node_to_pod":
        why = "%s; node_to_pod needs at least one node probe and one pod probe" % _probes(pods, nodes)
    elif name == "node_to_node":
        why = "%s; node_to_node needs at least two node probes (two nodes)" % _probes(pods, nodes)
    elif name == "no_nat" and pairs:
        why = "none of the %d pairs answered HTTP, so no source address was observed" % len(pairs)
    elif name == "no_nat":
        why = "%s; no_nat needs two pod probes, or a node probe and a pod probe" % _probes(pods, nodes)
    else:
        why = "there are no pod probes; self_ip needs at least one"
    return ("no %s were checked: %s. A requirement that checks nothing cannot fail, so it does not pass either"
            % ("pods" if name == "self_ip" else "pairs", why))


def judge(pods: list[Probe], pairs: list[Pair], requirements: list[str],
          nodes: list[Probe] | None = None) -> dict[str, dict]:
    """One named result per requirement: passed, how many were checked, the failures.

    A requirement with nothing checked fails, with the reason in ``unchecked``.
    """
    results: dict[str, dict] = {}
    if "pod_to_pod" in requirements:
        mine = [p for p in pairs if p.source.kind == "pod"]
        results["pod_to_pod"] = _result("pod_to_pod", len(mine),
                                        [_failure(p, _unreached_why(p)) for p in mine if not p.reached])
        # pods on one node talk through its bridge, pods on two through the overlay: both are counted
        same = sum(1 for p in mine if p.source.node == p.target.node)
        results["pod_to_pod"].update(same_node=same, cross_node=len(mine) - same)
    for name, source, target in (("node_to_pod", "node", "pod"), ("node_to_node", "node", "node")):
        if name in requirements:
            mine = [p for p in pairs if p.source.kind == source and p.target.kind == target]
            results[name] = _result(name, len(mine), [_failure(p, _unreached_why(p)) for p in mine if not p.reached])
    if "no_nat" in requirements:
        seen = [p for p in pairs if p.http]
        failures = []
        for pair in seen:
            if pair.nat():
                expected = pair.source.ip if pair.source.kind == "pod" else "one of %s" % ", ".join(pair.source.addresses)
                failures.append(_failure(pair, "observed source %s, expected %s" % (pair.observed or "-", expected)))
        results["no_nat"] = _result("no_nat", len(seen), failures)
    if "self_ip" in requirements:
        failures = []
        for pod in pods:
            why = []
            if pod.addresses != [pod.ip]:
                why.append("own addresses %s, reported IP %s" % (", ".join(pod.addresses) or "unknown", pod.ip))
            observed = sorted({p.observed for p in pairs if p.source is pod and p.http and p.observed != pod.ip})
            if observed:
                why.append("peers observed %s" % ", ".join(observed))
            if why:
                failures.append({"source": pod.name, "source_ip": pod.ip, "source_node": pod.node,
                                 "target": "", "target_ip": "", "target_node": "", "why": "; ".join(why)})
        results["self_ip"] = _result("self_ip", len(pods), failures)
    for name, result in results.items():
        if not result["checked"]:
            result.update(passed=False, unchecked=_unchecked(name, pods, nodes, pairs))
    return results


def _result(name: str, checked: int, failures: list[dict]) -> dict:
    return {"passed": not failures, "checked": checked, "failures": failures, "description": DESCRIPTIONS[name],
            "unchecked": ""}


def cell(pair: Pair | None) -> str:
    if pair is None:
        return "."
    if not pair.reached:
        if pair.icmp or pair.http:
            return "icmp" if pair.icmp else "http"
        return "X"
    return "NAT" if pair.nat() else "ok"


def matrix_lines(outcome: Outcome) -> list[str]:
    """A readable matrix: one row per sender, one column per target (pods numbered, nodes N1, N2, ...)."""
    by_pair = {(p.source.name, p.target.name): p for p in outcome.pairs}
    number = {pod.name: str(i + 1) for i, pod in enumerate(outcome.pods)}
    number.update({node.name: "N%d" % (i + 1) for i, node in enumerate(outcome.nodes)})
    probes = outcome.pods + outcome.nodes
    rows = [("%s %s" % (number[probe.name], probe.label()), probe) for probe in probes]
    width = max([len(r[0]) for r in rows] + [6])
    col = max([len(n) for n in number.values()] + [4])
    lines = ["%s | %s" % ("from \\ to".ljust(width), " ".join(number[p.name].rjust(col) for p in probes))]
    lines.append("-" * len(lines[0]))
    for title, probe in rows:
        cells = ["-" if target is probe else cell(by_pair.get((probe.name, target.name))) for target in probes]
        lines.append("%s | %s" % (title.ljust(width), " ".join(c.rjust(col) for c in cells)))
    lines.append("ok = ICMP and HTTP answered, source seen unchanged; NAT = answered from another source;"
                 " icmp/http = only that one answered; X = unreachable; - = itself; . = not probed (pods do not probe nodes)")
    for name, result in outcome.results.items():
        lines.append("%-12s %s  %d checked, %d failed  (%s)" % (
            name, "PASS" if result["passed"] else "FAIL", result["checked"], len(result["failures"]),
            result["description"]))
        if result.get("unchecked"):
            lines.append("%-12s %s" % ("", result["unchecked"]))
    return lines


def failure_message(outcome: Outcome, limit: int = 12) -> str:
    """Names the failing pairs, grouped by the requirement they break."""
    parts = []
    for name in outcome.failed:
        if outcome.results[name].get("unchecked"):
            parts.append("%s (%s): %s" % (name, DESCRIPTIONS[name], outcome.results[name]["unchecked"]))
            continue
        failures = outcome.results[name]["failures"]
        named = []
        for f in failures[:limit]:
            if f["target"]:
                named.append("%s (%s on %s) -> %s (%s on %s): %s" % (
                    f["source"], f["source_ip"], f["source_node"], f["target"], f["target_ip"], f["target_node"],
                    f["why"]))
            else:
                named.append("%s (%s on %s): %s" % (f["source"], f["source_ip"], f["source_node"], f["why"]))
        more = " and %d more" % (len(failures) - limit) if len(failures) > limit else ""
        parts.append("%s failed for %d of %d (%s): %s%s" % (
            name, len(failures), outcome.results[name]["checked"], DESCRIPTIONS[name], "; ".join(named), more))
    return "network model check failed: " + " | ".join(parts)

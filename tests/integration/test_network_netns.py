"""The network-model checks on a real network without Kubernetes.

Two "nodes" and four "pods" are network namespaces on this machine: each node
has a bridge for its pods and a veth link to the other node, with routes for
the other node's pod subnet, as flannel's host-gw backend would set them. Pods
serve /clientip with the mirror's agnhost, probes run the module's probe
script with Debian's busybox, exactly as they do inside the probe image.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from ansible_collections.kubelab.cluster.plugins.module_utils import netcheck
from ansible_collections.kubelab.cluster.plugins.module_utils.netcheck import Probe, ProbeError

PORT = 8080
NODE_PORT = 19080
APPLETS = ("sh", "ping", "wget", "timeout", "ip", "awk", "tr")
# node -> (underlay address, pod subnet prefix); pods -> (node, address)
NODES = {"n1": ("10.99.0.1", "10.98.1"), "n2": ("10.99.0.2", "10.98.2")}
PODS = {"p1a": ("n1", "10.98.1.2"), "p1b": ("n1", "10.98.1.3"), "p2a": ("n2", "10.98.2.2"), "p2b": ("n2", "10.98.2.3")}


def sh(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


class Lab:
    def __init__(self, tmp: Path, agnhost: Path) -> None:
        self.tag = uuid.uuid4().hex[:5]
        self.bin = tmp / "busybox-bin"
        self.bin.mkdir()
        for applet in APPLETS:
            (self.bin / applet).symlink_to("/bin/busybox")
        self.agnhost = agnhost
        self.servers: list[subprocess.Popen] = []
        self.namespaces: list[str] = []

    def ns(self, name: str) -> str:
        return "kl%s-%s" % (self.tag, name)

    def dev(self, name: str) -> str:
        return "k%s%s" % (self.tag, name)  # at most 15 characters

    def in_ns(self, name: str, *argv: str) -> str:
        return sh("ip", "netns", "exec", self.ns(name), *argv)

    def add_ns(self, name: str) -> None:
        sh("ip", "netns", "add", self.ns(name))
        self.namespaces.append(self.ns(name))
        self.in_ns(name, "ip", "link", "set", "lo", "up")

    def veth(self, a_ns: str, a_dev: str, b_ns: str, b_dev: str) -> None:
        sh("ip", "link", "add", self.dev(a_dev), "type", "veth", "peer", "name", self.dev(b_dev))
        sh("ip", "link", "set", self.dev(a_dev), "netns", self.ns(a_ns))
        sh("ip", "link", "set", self.dev(b_dev), "netns", self.ns(b_ns))

    def build(self) -> None:
        for node in NODES:
            self.add_ns(node)
            self.in_ns(node, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        self.veth("n1", "u1", "n2", "u2")
        for node, (under, prefix) in NODES.items():
            up = self.dev("u" + node[1])
            self.in_ns(node, "ip", "addr", "add", under + "/24", "dev", up)
            self.in_ns(node, "ip", "link", "set", up, "up")
            self.in_ns(node, "ip", "link", "add", "br0", "type", "bridge")
            self.in_ns(node, "ip", "addr", "add", prefix + ".1/24", "dev", "br0")
            self.in_ns(node, "ip", "link", "set", "br0", "up")
        for node, other in (("n1", "n2"), ("n2", "n1")):
            self.in_ns(node, "ip", "route", "add", NODES[other][1] + ".0/24", "via", NODES[other][0])
        for pod, (node, address) in PODS.items():
            self.add_ns(pod)
            self.veth(node, "v" + pod, pod, "e" + pod)
            host_side = self.dev("v" + pod)
            self.in_ns(node, "ip", "link", "set", host_side, "master", "br0")
            self.in_ns(node, "ip", "link", "set", host_side, "up")
            self.in_ns(pod, "ip", "link", "set", self.dev("e" + pod), "name", "eth0")
            self.in_ns(pod, "ip", "addr", "add", address + "/24", "dev", "eth0")
            self.in_ns(pod, "ip", "link", "set", "eth0", "up")
            self.in_ns(pod, "ip", "route", "add", "default", "via", NODES[node][1] + ".1")
            self.servers.append(subprocess.Popen(
                ["ip", "netns", "exec", self.ns(pod), str(self.agnhost), "netexec", "--http-port=%d" % PORT,
                 "--udp-port=-1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for node in NODES:  # the node side serves on the node's own addresses, as the host-network probes do
            self.servers.append(subprocess.Popen(
                ["ip", "netns", "exec", self.ns(node), str(self.agnhost), "netexec", "--http-port=%d" % NODE_PORT,
                 "--udp-port=-1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for pod in PODS:
            self.wait_serving(pod, PORT)
        for node in NODES:
            self.wait_serving(node, NODE_PORT)

    def wait_serving(self, name: str, port: int) -> None:
        deadline = time.monotonic() + 20
        while True:
            done = subprocess.run(["ip", "netns", "exec", self.ns(name), "/bin/busybox", "wget", "-q", "-O", "-",
                                   "http://127.0.0.1:%d/clientip" % port], capture_output=True, check=False)
            if done.returncode == 0:
                return
            assert time.monotonic() < deadline, "agnhost in %s does not serve" % name
            time.sleep(0.2)

    def destroy(self) -> None:
        for server in self.servers:
            server.kill()
            server.wait()
        for name in self.namespaces:
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)

    def runner(self, probe: Probe, targets) -> str:
        """Run the module's probe script in the probe's namespace with busybox, as the exec call does in a pod."""
        done = subprocess.run(
            ["ip", "netns", "exec", self.ns(probe.name), "env", "-i", "PATH=%s" % self.bin, "sh", "-c",
             netcheck.PROBE_SCRIPT, "probe", str(PORT), "1", "2", *targets],
            capture_output=True, text=True, timeout=30, check=False)
        if done.returncode != 0:
            raise ProbeError("probe in %s exited %d: %s" % (probe.name, done.returncode, done.stderr))
        return done.stdout

    def probes(self) -> tuple[list[Probe], list[Probe]]:
        pods = [Probe(name, "pod", node, address) for name, (node, address) in PODS.items()]
        nodes = [Probe(name, "node", name, under, port=NODE_PORT) for name, (under, _prefix) in NODES.items()]
        return pods, nodes


@pytest.fixture(scope="module")
def agnhost(mirror) -> Path:
    found = sorted(Path(mirror["files"]).glob("agnhost/*/linux/amd64/agnhost"))
    assert found, "the mirror has no agnhost binary"
    return found[-1]


@pytest.fixture()
def lab(tmp_path, agnhost):
    assert os.geteuid() == 0, "network namespaces need root"
    lab = Lab(tmp_path, agnhost)
    try:
        lab.build()
        yield lab
    finally:
        lab.destroy()


def pairs_of(outcome, requirement):
    return {(f["source"], f["target"]) for f in outcome.results[requirement]["failures"]}


def test_healthy_topology_passes(lab):
    pods, nodes = lab.probes()
    outcome = netcheck.check(lab.runner, pods, nodes)
    assert outcome.failed == [], netcheck.failure_message(outcome)
    assert outcome.rounds == 1
    assert len(outcome.pairs) == 4 * 3 + 2 * 4 + 2 * 1
    assert all(p.icmp and p.http and not p.nat() for p in outcome.pairs)
    # the node side is seen from its own addresses: the bridge for its pods, the underlay for the others
    observed = {(p.source.name, p.target.name): p.observed for p in outcome.pairs if p.source.kind == "node"}
    assert observed[("n1", "p1a")] == "10.98.1.1" and observed[("n1", "p2a")] == "10.99.0.1"
    # and one node sees another from that node's own underlay address
    assert observed[("n1", "n2")] == "10.99.0.1" and observed[("n2", "n1")] == "10.99.0.2"
    assert (outcome.results["pod_to_pod"]["same_node"], outcome.results["pod_to_pod"]["cross_node"]) == (4, 8)
    assert [pod.addresses for pod in pods] == [[pod.ip] for pod in pods]
    rows = netcheck.matrix_lines(outcome)[2:8]
    assert [row.split("|")[1].split() for row in rows] == [
        ["-", "ok", "ok", "ok", ".", "."], ["ok", "-", "ok", "ok", ".", "."], ["ok", "ok", "-", "ok", ".", "."],
        ["ok", "ok", "ok", "-", ".", "."], ["ok"] * 4 + ["-", "ok"], ["ok"] * 4 + ["ok", "-"]]


def test_a_node_seen_by_another_from_a_rewritten_address_is_caught_as_nat(lab):
    # n2 rewrites the source of n1's connections to its probe port to an address n1 does not have
    lab.in_ns("n2", "iptables", "-t", "nat", "-A", "INPUT", "-s", "10.99.0.1", "-p", "tcp", "--dport", str(NODE_PORT),
              "-j", "SNAT", "--to-source", "10.99.0.77")
    pods, nodes = lab.probes()
    outcome = netcheck.check(lab.runner, pods, nodes)
    assert outcome.failed == ["no_nat"]
    assert outcome.results["node_to_node"]["passed"]
    assert [(f["source"], f["target"], f["why"]) for f in outcome.results["no_nat"]["failures"]] == [
        ("n1", "n2", "observed source 10.99.0.77, expected one of %s" % ", ".join(nodes[0].addresses))]


def test_masquerade_on_one_node_is_caught_as_nat_and_named(lab):
    lab.in_ns("n1", "iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "10.98.1.0/24", "-o", lab.dev("u1"),
              "-j", "MASQUERADE")
    pods, nodes = lab.probes()
    outcome = netcheck.check(lab.runner, pods, nodes)
    assert outcome.failed == ["no_nat", "self_ip"]
    assert pairs_of(outcome, "no_nat") == {("p1a", "p2a"), ("p1a", "p2b"), ("p1b", "p2a"), ("p1b", "p2b")}
    assert {f["why"] for f in outcome.results["no_nat"]["failures"] if f["source"] == "p1a"} == {
        "observed source 10.99.0.1, expected 10.98.1.2"}
    assert {f["source"] for f in outcome.results["self_ip"]["failures"]} == {"p1a", "p1b"}
    message = netcheck.failure_message(outcome)
    assert "no_nat failed for 4 of 22" in message
    assert "p1b (10.98.1.3 on n1) -> p2b (10.98.2.3 on n2): observed source 10.99.0.1" in message


def test_downed_link_is_caught_as_unreachable_and_named(lab):
    lab.in_ns("n1", "ip", "link", "set", lab.dev("vp1b"), "down")
    pods, nodes = lab.probes()
    outcome = netcheck.check(lab.runner, pods, nodes, retries=1)
    assert outcome.failed[:2] == ["pod_to_pod", "node_to_pod"]
    assert pairs_of(outcome, "pod_to_pod") == {("p1b", t) for t in ("p1a", "p2a", "p2b")} | {
        (s, "p1b") for s in ("p1a", "p2a", "p2b")}
    assert pairs_of(outcome, "node_to_pod") == {("n1", "p1b"), ("n2", "p1b")}
    assert outcome.rounds == 2
    assert all(p.attempts == 2 for p in outcome.pairs if "p1b" in (p.source.name, p.target.name))
    assert all(p.attempts == 1 for p in outcome.pairs if "p1b" not in (p.source.name, p.target.name))
    assert "n2 (10.99.0.2 on n2) -> p1b (10.98.1.3 on n1): no ICMP and no HTTP reply" in netcheck.failure_message(outcome)


def test_interface_address_other_than_the_reported_ip_is_caught_by_self_ip(lab):
    # p2b keeps its reported 10.98.2.3 (others still reach it) but sends from a primary 10.98.2.9
    lab.in_ns("p2b", "ip", "addr", "flush", "dev", "eth0")
    lab.in_ns("p2b", "ip", "addr", "add", "10.98.2.9/24", "dev", "eth0")
    lab.in_ns("p2b", "ip", "addr", "add", "10.98.2.3/24", "dev", "eth0")
    lab.in_ns("p2b", "ip", "route", "add", "default", "via", "10.98.2.1")
    pods, nodes = lab.probes()
    outcome = netcheck.check(lab.runner, pods, nodes)
    assert [f["source"] for f in outcome.results["self_ip"]["failures"]] == ["p2b"]
    assert outcome.results["self_ip"]["failures"][0]["why"] == (
        "own addresses 10.98.2.9, 10.98.2.3, reported IP 10.98.2.3; peers observed 10.98.2.9")
    assert outcome.results["pod_to_pod"]["passed"] and outcome.results["node_to_pod"]["passed"]
    assert {s for s, _t in pairs_of(outcome, "no_nat")} == {"p2b"}

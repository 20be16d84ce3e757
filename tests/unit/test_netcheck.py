"""The network-model logic: reply parsing, pair matrix, NAT and self-IP judgement, formatting."""

from __future__ import annotations

import pytest
from ansible_collections.kubelab.cluster.plugins.module_utils import netcheck
from ansible_collections.kubelab.cluster.plugins.module_utils.netcheck import Probe, ProbeError
from ansible_collections.kubelab.cluster.plugins.modules import network_check


def pods_and_nodes():
    pods = [Probe("pa", "pod", "n1", "10.244.1.2"), Probe("pb", "pod", "n1", "10.244.1.3"),
            Probe("pc", "pod", "n2", "10.244.2.2")]
    nodes = [Probe("n1", "node", "n1", "192.168.56.11", port=19080),
             Probe("n2", "node", "n2", "192.168.56.12", port=19080)]
    return pods, nodes


NODE_ADDRS = {"n1": ["192.168.56.11", "10.244.1.0", "10.244.1.1"], "n2": ["192.168.56.12", "10.244.2.0", "10.244.2.1"]}


class FakeNetwork:
    """Answers as PROBE_SCRIPT would on a network described by a few rules."""

    def __init__(self, pods, nodes, masquerade_from=None, down=(), own=None, node_snat=False):
        self.by_ip = {p.target(): p for p in list(pods) + list(nodes)}
        self.node_snat = node_snat  # nodes' traffic to other nodes leaves from a rewritten address
        self.masquerade_from = masquerade_from  # node whose pods' traffic to other nodes is rewritten
        self.down = set(down)  # pod names whose link is down
        self.own = own or {}
        self.calls = []

    def source_seen(self, sender, target):
        if sender.kind == "node" and target.kind == "node":
            return "198.51.100.1" if self.node_snat else sender.ip
        if sender.kind == "node":
            return NODE_ADDRS[sender.node][1] if target.node != sender.node else NODE_ADDRS[sender.node][2]
        if sender.node == self.masquerade_from and target.node != sender.node:
            return NODE_ADDRS[sender.node][1]
        return self.own.get(sender.name, [sender.ip])[0]

    def __call__(self, probe, targets):
        self.calls.append((probe.name, list(targets)))
        addrs = NODE_ADDRS[probe.node] if probe.kind == "node" else self.own.get(probe.name, [probe.ip])
        lines = ["SELF %s" % " ".join(a + "/24" for a in addrs)]
        for ip in targets:
            target = self.by_ip[ip]
            if probe.name in self.down or target.name in self.down:
                lines.append("PEER %s 0 0 -" % ip)
            else:
                lines.append("PEER %s 1 1 %s:40000" % (ip, self.source_seen(probe, target)))
        return "\n".join(lines + ["END", ""])


def test_parse_reply_reads_addresses_and_peers():
    reply = netcheck.parse_reply("SELF 10.244.1.2/24 \nPEER 10.244.2.2 1 1 10.244.1.2:51234\n"
                                 "PEER 10.244.1.3 0 1 [fd00::1]:80\nEND\n", ["10.244.2.2", "10.244.1.3"])
    assert reply.addresses == ["10.244.1.2"]
    assert reply.peers["10.244.2.2"] == (True, True, "10.244.1.2")
    assert reply.peers["10.244.1.3"] == (False, True, "fd00::1")


@pytest.mark.parametrize("text, missing", [
    ("SELF 10.0.0.1/24\nPEER 10.0.0.2 1 1 10.0.0.1:1\n", "end marker"),
    ("SELF 10.0.0.1/24\nEND\n", "10.0.0.2"),
    ("PEER 10.0.0.2 1 1 10.0.0.1:1\nEND\n", "own addresses"),
    ("", "own addresses, 10.0.0.2, end marker"),
])
def test_parse_reply_refuses_incomplete_replies(text, missing):
    with pytest.raises(ProbeError, match=missing):
        netcheck.parse_reply(text, ["10.0.0.2"])


def test_parse_reply_refuses_an_address_that_is_not_one():
    with pytest.raises(ValueError):
        netcheck.parse_reply("SELF notanip/24\nEND\n", [])


@pytest.mark.parametrize("raw, host", [("10.0.0.1:4242", "10.0.0.1"), ("[fd00::1]:80", "fd00::1"), ("-", ""),
                                       ("10.0.0.1", "10.0.0.1")])
def test_strip_port(raw, host):
    assert netcheck.strip_port(raw) == host


def test_pairs_cover_every_pod_pair_every_node_to_pod_and_every_node_to_node():
    pods, nodes = pods_and_nodes()
    pairs = netcheck.build_pairs(pods, nodes)
    assert len(pairs) == 3 * 2 + 2 * 3 + 2 * 1
    assert all(p.source is not p.target for p in pairs)
    assert [(p.source.name, p.target.name) for p in pairs if p.target.kind == "node"] == [("n1", "n2"), ("n2", "n1")]
    assert not [p for p in pairs if p.source.kind == "pod" and p.target.kind == "node"]


def test_nodes_are_probed_on_their_own_port():
    pods, nodes = pods_and_nodes()
    net = FakeNetwork(pods, nodes)
    netcheck.check(net, pods, nodes)
    assert dict(net.calls)["n1"] == ["10.244.1.2", "10.244.1.3", "10.244.2.2", "192.168.56.12:19080"]


def test_a_node_seen_by_another_from_a_rewritten_address_is_nat():
    pods, nodes = pods_and_nodes()
    outcome = netcheck.check(FakeNetwork(pods, nodes, node_snat=True), pods, nodes)
    assert outcome.failed == ["no_nat"]
    assert outcome.results["node_to_node"] == dict(outcome.results["node_to_node"], passed=True, checked=2)
    assert {(f["source"], f["target"], f["why"]) for f in outcome.results["no_nat"]["failures"]} == {
        ("n1", "n2", "observed source 198.51.100.1, expected one of 192.168.56.11, 10.244.1.0, 10.244.1.1"),
        ("n2", "n1", "observed source 198.51.100.1, expected one of 192.168.56.12, 10.244.2.0, 10.244.2.1"),
    }


def test_pod_pairs_are_counted_on_one_node_and_across_nodes():
    pods, nodes = pods_and_nodes()
    result = netcheck.check(FakeNetwork(pods, nodes), pods, nodes).results["pod_to_pod"]
    assert (result["same_node"], result["cross_node"]) == (2, 4)


def test_healthy_network_passes_with_one_call_per_probe():
    pods, nodes = pods_and_nodes()
    net = FakeNetwork(pods, nodes)
    outcome = netcheck.check(net, pods, nodes)
    assert outcome.failed == []
    assert outcome.rounds == 1
    assert sorted(call[0] for call in net.calls) == ["n1", "n2", "pa", "pb", "pc"]
    assert outcome.calls == 5
    assert {name: r["checked"] for name, r in outcome.results.items()} == {
        "pod_to_pod": 6, "node_to_pod": 6, "node_to_node": 2, "no_nat": 14, "self_ip": 3}
    assert nodes[0].addresses == NODE_ADDRS["n1"]


def test_masquerade_on_one_node_names_exactly_its_cross_node_pairs():
    pods, nodes = pods_and_nodes()
    outcome = netcheck.check(FakeNetwork(pods, nodes, masquerade_from="n1"), pods, nodes)
    assert outcome.failed == ["no_nat", "self_ip"]
    failing = {(f["source"], f["target"]) for f in outcome.results["no_nat"]["failures"]}
    assert failing == {("pa", "pc"), ("pb", "pc")}
    assert "observed source 10.244.1.0, expected 10.244.1.2" in outcome.results["no_nat"]["failures"][0]["why"]
    message = netcheck.failure_message(outcome)
    assert "no_nat failed for 2 of 14" in message
    assert "pa (10.244.1.2 on n1) -> pc (10.244.2.2 on n2)" in message


def test_a_node_seen_from_its_own_addresses_is_not_nat():
    pods, nodes = pods_and_nodes()
    outcome = netcheck.check(FakeNetwork(pods, nodes), pods, nodes, requirements=["no_nat"])
    node_pairs = [p for p in outcome.pairs if p.source.kind == "node" and p.target.kind == "pod"]
    assert {p.observed for p in node_pairs} == {"10.244.1.0", "10.244.1.1", "10.244.2.0", "10.244.2.1"}
    assert outcome.failed == []
    assert list(outcome.results) == ["no_nat"]


def test_downed_link_is_unreachable_and_retried_alone():
    pods, nodes = pods_and_nodes()
    net = FakeNetwork(pods, nodes, down=["pb"])
    outcome = netcheck.check(net, pods, nodes, retries=1)
    assert outcome.rounds == 2
    # five senders, then the five that had a failed pair (every one of them, as pb is a target of all)
    assert outcome.calls == len(net.calls) == 10
    assert outcome.failed == ["pod_to_pod", "node_to_pod"]
    p2p = {(f["source"], f["target"]) for f in outcome.results["pod_to_pod"]["failures"]}
    assert p2p == {("pa", "pb"), ("pb", "pa"), ("pb", "pc"), ("pc", "pb")}
    n2p = {(f["source"], f["target"]) for f in outcome.results["node_to_pod"]["failures"]}
    assert n2p == {("n1", "pb"), ("n2", "pb")}
    # the retry round only asked for the failed pairs
    second = net.calls[5:]
    assert sorted(second) == [("n1", ["10.244.1.3"]), ("n2", ["10.244.1.3"]), ("pa", ["10.244.1.3"]),
                              ("pb", ["10.244.1.2", "10.244.2.2"]), ("pc", ["10.244.1.3"])]
    assert all(p.attempts == 2 for p in outcome.pairs if not p.reached)
    assert "no ICMP and no HTTP reply" in netcheck.failure_message(outcome)


def test_transient_failure_passes_on_retry():
    pods, nodes = pods_and_nodes()
    net = FakeNetwork(pods, nodes, down=["pc"])

    def flaky(probe, targets):
        if len(net.calls) >= 5:
            net.down.clear()
        return net(probe, targets)

    outcome = netcheck.check(flaky, pods, nodes, retries=1)
    assert outcome.failed == []
    assert outcome.rounds == 2


def test_self_ip_catches_an_interface_address_that_is_not_the_reported_one():
    pods, nodes = pods_and_nodes()
    net = FakeNetwork(pods, nodes, own={"pc": ["10.244.2.9", "10.244.2.2"]})
    outcome = netcheck.check(net, pods, nodes)
    assert [f["source"] for f in outcome.results["self_ip"]["failures"]] == ["pc"]
    why = outcome.results["self_ip"]["failures"][0]["why"]
    assert why == "own addresses 10.244.2.9, 10.244.2.2, reported IP 10.244.2.2; peers observed 10.244.2.9"


def test_a_probe_that_cannot_run_fails_its_pairs_with_the_reason():
    pods, nodes = pods_and_nodes()
    net = FakeNetwork(pods, nodes)

    def broken(probe, targets):
        if probe.name == "n2":
            raise ProbeError("exec in n2 failed: 0 Handshake status 500")
        return net(probe, targets)

    outcome = netcheck.check(broken, pods, nodes, retries=0)
    assert outcome.failed == ["node_to_pod", "node_to_node"]
    assert {f["why"] for f in outcome.results["node_to_pod"]["failures"]} == {"exec in n2 failed: 0 Handshake status 500"}


def test_matrix_shows_every_sender_and_the_verdicts():
    pods, nodes = pods_and_nodes()
    outcome = netcheck.check(FakeNetwork(pods, nodes, masquerade_from="n1", down=["pb"]), pods, nodes, retries=0)
    lines = netcheck.matrix_lines(outcome)
    rows = {line.split("|")[0].strip(): line.split("|")[1].split() for line in lines[2:7]}
    assert rows == {
        "1 pod 10.244.1.2 (n1)": ["-", "X", "NAT", ".", "."],
        "2 pod 10.244.1.3 (n1)": ["X", "-", "X", ".", "."],
        "3 pod 10.244.2.2 (n2)": ["ok", "X", "-", ".", "."],
        "N1 node 192.168.56.11 (n1)": ["ok", "X", "ok", "-", "ok"],
        "N2 node 192.168.56.12 (n2)": ["ok", "X", "ok", "ok", "-"],
    }
    assert lines[0].split("|")[1].split() == ["1", "2", "3", "N1", "N2"]
    assert any(line.startswith("no_nat       FAIL  8 checked, 1 failed") for line in lines)


def test_failure_message_names_at_most_the_limit():
    pods = [Probe("p%d" % i, "pod", "n%d" % (i % 2), "10.0.%d.%d" % (i % 2, i + 2)) for i in range(8)]
    net = FakeNetwork(pods, [], down=["p0"])
    # no node probes here, so node_to_pod has nothing to check and is not judged
    outcome = netcheck.check(net, pods, [], retries=0,
                             requirements=[r for r in netcheck.REQUIREMENTS if not r.startswith("node_to_")])
    message = netcheck.failure_message(outcome, limit=3)
    assert "pod_to_pod failed for 14 of 56" in message
    assert message.endswith("and 11 more")


UNCHECKED = "A requirement that checks nothing cannot fail, so it does not pass either"


@pytest.mark.parametrize("requirement", netcheck.REQUIREMENTS)
def test_a_requirement_with_nothing_checked_fails_saying_why(requirement):
    pods, nodes = [Probe("pa", "pod", "n1", "10.244.1.2")], []
    outcome = netcheck.check(FakeNetwork(pods, nodes), pods, nodes, requirements=[requirement])
    result = outcome.results[requirement]
    if requirement == "self_ip":  # one pod is enough for self_ip, so it is checked and passes
        assert (result["passed"], result["checked"], result["unchecked"]) == (True, 1, "")
        return
    assert outcome.failed == [requirement]
    assert (result["passed"], result["checked"], result["failures"]) == (False, 0, [])
    assert result["unchecked"] == {
        "pod_to_pod": "no pairs were checked: 1 pod probe on 1 node; pod_to_pod needs at least two pod probes. "
                      + UNCHECKED,
        "node_to_pod": "no pairs were checked: 1 pod probe on 1 node and 0 node probes; node_to_pod needs at least "
                       "one node probe and one pod probe. " + UNCHECKED,
        "node_to_node": "no pairs were checked: 1 pod probe on 1 node and 0 node probes; node_to_node needs at least "
                        "two node probes (two nodes). " + UNCHECKED,
        "no_nat": "no pairs were checked: 1 pod probe on 1 node and 0 node probes; no_nat needs two pod probes, or a "
                  "node probe and a pod probe. " + UNCHECKED,
    }[requirement]
    assert netcheck.failure_message(outcome) == "network model check failed: %s (%s): %s" % (
        requirement, netcheck.DESCRIPTIONS[requirement], result["unchecked"])
    assert "%-12s FAIL  0 checked, 0 failed" % requirement in netcheck.matrix_lines(outcome)[-2]
    assert netcheck.matrix_lines(outcome)[-1].strip() == result["unchecked"]


def test_no_probes_at_all_fails_every_requirement():
    outcome = netcheck.check(FakeNetwork([], []), [], [])
    assert outcome.failed == list(netcheck.REQUIREMENTS)
    assert outcome.results["self_ip"]["unchecked"] == (
        "no pods were checked: there are no pod probes; self_ip needs at least one. " + UNCHECKED)


def test_no_nat_fails_when_no_pair_answered_http():
    pods, nodes = pods_and_nodes()
    outcome = netcheck.check(FakeNetwork(pods, nodes, down=["pa", "pb", "pc", "n1"]), pods, nodes, retries=0,
                             requirements=["no_nat"])
    assert outcome.failed == ["no_nat"]
    assert outcome.results["no_nat"]["unchecked"] == (
        "no pairs were checked: none of the 14 pairs answered HTTP, so no source address was observed. " + UNCHECKED)


def test_node_to_pod_fails_without_node_probes_while_the_pods_pass():
    pods, _nodes = pods_and_nodes()
    outcome = netcheck.check(FakeNetwork(pods, []), pods, [])
    assert outcome.failed == ["node_to_pod", "node_to_node"]
    assert outcome.results["node_to_pod"]["unchecked"].startswith(
        "no pairs were checked: 3 pod probes on 2 nodes and 0 node probes;")
    assert [outcome.results[name]["unchecked"] for name in ("pod_to_pod", "no_nat", "self_ip")] == ["", "", ""]


@pytest.mark.parametrize("name, value", [("port", 0), ("port", 70000), ("probes_per_node", 0), ("retries", -1),
                                         ("probe_timeout", 0), ("parallel", 0)])
def test_parameters_out_of_range_are_named(name, value):
    params = {k: v.get("default") for k, v in network_check.ARGUMENT_SPEC.items()}
    params[name] = value
    assert network_check.bad_params(params) == ["%s=%s (expected %d to %d)" % ((name, value) + network_check.LIMITS[name])]


def test_defaults_are_valid():
    params = {k: v.get("default") for k, v in network_check.ARGUMENT_SPEC.items()}
    assert network_check.bad_params(params) == []


def test_the_module_refuses_an_empty_requirements_list(run_module, monkeypatch):
    def no_cluster(*_args):
        raise AssertionError("an invalid call must not reach the cluster")

    monkeypatch.setattr(network_check, "load_configuration", no_cluster)
    result = run_module(network_check.main, {"requirements": []})
    assert result["failed"] is True
    assert result["msg"] == ("invalid parameters: requirements=[] (expected at least one of pod_to_pod, node_to_pod, "
                             "node_to_node, no_nat, self_ip)")


class OneNodeCluster:
    """Enough of ProbeCluster for a cluster with one schedulable node: one pod probe, one node probe."""

    cleaned = False

    def __init__(self, _configuration, spec, probe_timeout, fanout):
        type(self).cleaned = False
        self.pods = [Probe("pa", "pod", "n1", "10.244.1.2")]
        self.nodes = [Probe("n1", "node", "n1", "192.168.56.11")]
        self.runner = FakeNetwork(self.pods, self.nodes)

    def server_version(self):
        return "v1.35.4"

    def ensure_namespace(self):
        pass

    def deploy(self):
        pass

    def wait_ready(self, _timeout):
        return self.pods, self.nodes

    def cleanup(self):
        type(self).cleaned = True
        return []


def test_the_module_fails_pod_to_pod_on_a_single_pod_probe_and_cleans_up(run_module, monkeypatch):
    monkeypatch.setattr(network_check, "load_configuration", lambda *_args: object())
    monkeypatch.setattr(network_check, "ProbeCluster", OneNodeCluster)
    result = run_module(network_check.main, {})
    assert result["failed"] is True
    assert result["failed_requirements"] == ["pod_to_pod", "node_to_node"]
    assert result["msg"].startswith("network model check failed: pod_to_pod (every pod reaches every other pod "
                                    "(ICMP and HTTP)): no pairs were checked: 1 pod probe on 1 node;")
    assert result["msg"].endswith("(probes_per_node and include_control_plane decide how many pod probes there are)")
    assert {name: check["passed"] for name, check in result["checks"].items()} == {
        "pod_to_pod": False, "node_to_pod": True, "node_to_node": False, "no_nat": True, "self_ip": True}
    assert OneNodeCluster.cleaned


class NotAnAddressCluster(OneNodeCluster):
    """Its probes print something that is not an address where their own addresses belong."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.runner = lambda _probe, targets: "SELF notanip/24\n%sEND\n" % "".join(
            "PEER %s 1 1 10.244.1.2:1\n" % target for target in targets)


def test_a_probe_reply_with_an_address_that_is_not_one_fails_with_a_message_and_cleans_up(run_module, monkeypatch):
    monkeypatch.setattr(network_check, "load_configuration", lambda *_args: object())
    monkeypatch.setattr(network_check, "ProbeCluster", NotAnAddressCluster)
    result = run_module(network_check.main, {"image": "example.invalid/probe:1"})
    assert result["failed"] is True
    assert result["msg"] == (
        "cannot read the probes' replies: 'notanip' does not appear to be an IPv4 or IPv6 address. The probe image "
        "example.invalid/probe:1 must print its own addresses with busybox's ip, as "
        "registry.k8s.io/e2e-test-images/agnhost does; use that image or a copy of it")
    assert (result["changed"], result["server_version"], result["left_behind"]) == (False, "v1.35.4", [])
    assert NotAnAddressCluster.cleaned


NS = "/api/v1/namespaces/kubelab-netcheck"


def test_a_refused_probe_listing_fails_with_a_message_and_is_reported_as_left_behind(run_module, kube_api):
    """The API refuses to list pods: the probes of an earlier run may be there, so neither deploy nor clean-up go on."""
    kube_api.objects.update({
        "/version/": {
            "major": "1", "minor": "35", "gitVersion": "v1.35.4", "gitCommit": "abc", "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.25", "compiler": "gc", "platform": "linux/amd64"},
        NS: {
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kubelab-netcheck"}, "status": {"phase": "Active"}},
        "/apis/apps/v1/namespaces/kubelab-netcheck/daemonsets": {
            "apiVersion": "apps/v1", "kind": "DaemonSetList", "metadata": {}, "items": []},
    })
    kube_api.refuse(NS + "/pods", 403, "Forbidden", "pods is forbidden")
    result = run_module(network_check.main, {"kubeconfig": kube_api.kubeconfig})
    assert result["failed"] is True
    assert result["msg"].startswith("cannot tell whether the probes in namespace kubelab-netcheck are gone: "
                                    "403 Forbidden: ")
    assert "pods is forbidden" in result["msg"]
    assert result["msg"].endswith("; the kubeconfig's user needs to list pods and DaemonSets there")
    assert result["left_behind"] == [result["msg"]]
    assert (result["changed"], result["server_version"]) == (False, "v1.35.4")
    assert kube_api.writes() == []

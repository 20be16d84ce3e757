"""The probes' state as the API reports it, and the DaemonSets that place them."""

from __future__ import annotations

import pytest
from ansible_collections.kubelab.cluster.plugins.module_utils import probes
from ansible_collections.kubelab.cluster.plugins.module_utils.netcheck import Probe

SPEC = probes.ProbeSpec(namespace="kubelab-netcheck", image="agnhost:2.59", port=8080, node_port=19080, probes_per_node=2,
                        include_control_plane=False, pull_policy="IfNotPresent")


def daemon_set(desired=2, ready=2, generation=1):
    return {"metadata": {"name": "ds"}, "status": {"observedGeneration": generation,
                                                   "desiredNumberScheduled": desired, "numberReady": ready}}


def pod(name, role, node, ip, host_ip="192.168.56.11", ready=True, deleting=False, containers=None, conditions=None):
    metadata = {"name": name, "labels": {"kubelab.cluster/probe": role}}
    if deleting:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"metadata": metadata, "spec": {"nodeName": node},
            "status": {"podIP": ip, "hostIP": host_ip, "phase": "Running" if ready else "Pending",
                       "conditions": conditions or [{"type": "Ready", "status": "True" if ready else "False"}],
                       "containerStatuses": containers or []}}


def test_ready_probes_become_pod_and_node_probes_sorted_by_node():
    state = probes.probe_state([daemon_set(), daemon_set()], [
        pod("pb", "pod", "n2", "10.244.2.2"), pod("pa", "pod", "n1", "10.244.1.2"),
        pod("nodeprobe-x", "node", "n1", "192.168.56.11")], expected_sets=2, node_port=19080)
    assert state.ready and state.waiting == []
    assert state.pods == [Probe("pa", "pod", "n1", "10.244.1.2"), Probe("pb", "pod", "n2", "10.244.2.2")]
    assert state.nodes == [Probe("n1", "node", "n1", "192.168.56.11", pod="nodeprobe-x", port=19080)]
    # pods are named by their address (the pods' port), nodes with the port they serve on
    assert [p.target() for p in state.pods + state.nodes] == ["10.244.1.2", "10.244.2.2", "192.168.56.11:19080"]


@pytest.mark.parametrize("sets", [
    [daemon_set()],  # one DaemonSet short
    [daemon_set(), daemon_set(ready=1)],  # a pod the DaemonSet counts is not ready yet
    [daemon_set(), daemon_set(desired=0, ready=0)],  # nothing scheduled
    [daemon_set(), daemon_set(generation=None)],  # the controller has not seen it yet
], ids=["missing", "not-all-ready", "none-scheduled", "unobserved"])
def test_not_ready_until_every_daemon_set_has_all_its_pods_ready(sets):
    pods = [pod("pa", "pod", "n1", "10.244.1.2"), pod("np", "node", "n1", "192.168.56.11")]
    assert not probes.probe_state(sets, pods, expected_sets=2).ready


def test_a_probe_pod_being_deleted_keeps_the_probes_not_ready():
    state = probes.probe_state([daemon_set(), daemon_set()], [
        pod("pa", "pod", "n1", "10.244.1.2"), pod("old", "pod", "n1", "10.244.1.9", deleting=True),
        pod("np", "node", "n1", "192.168.56.11")], expected_sets=2)
    assert not state.ready
    assert [p.name for p in state.pods] == ["pa"]


def test_a_pod_that_is_not_ready_is_named_with_its_node_and_reason():
    pulling = pod("pa", "pod", "n1", None, ready=False, containers=[
        {"ready": False, "state": {"waiting": {"reason": "ErrImagePull", "message": "not found"}}}])
    state = probes.probe_state([daemon_set(), daemon_set()], [pulling, pod("np", "node", "n1", "192.168.56.11")],
                               expected_sets=2)
    assert not state.ready
    assert state.waiting == ["pa on n1: ErrImagePull: not found"]


@pytest.mark.parametrize("containers, conditions, why", [
    ([{"ready": False, "state": {"waiting": {"reason": "ContainerCreating"}}}], None, "ContainerCreating"),
    ([{"ready": False, "state": {"terminated": {"reason": "Error", "exitCode": 2}}}], None, "terminated Error (exit 2)"),
    ([{"ready": False, "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}], None, "running, not ready yet"),
    ([], [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes"}],
     "Unschedulable: 0/3 nodes"),
    ([], [], "Pending"),
])
def test_why_waiting_reads_the_container_states_then_the_conditions(containers, conditions, why):
    waiting = pod("pa", "pod", None, None, ready=False, containers=containers, conditions=conditions)
    if conditions == []:
        waiting["status"]["conditions"] = []
    assert probes.why_waiting(waiting) == why


def test_one_pod_daemon_set_per_probe_slot_and_one_on_the_host_network_that_tolerates_all():
    sets = probes.daemonsets(SPEC)
    assert [s["metadata"]["name"] for s in sets] == ["kubelab-netcheck-pod-0", "kubelab-netcheck-pod-1",
                                                     "kubelab-netcheck-node"]
    for ds in sets:
        assert ds["spec"]["selector"]["matchLabels"] == ds["spec"]["template"]["metadata"]["labels"]
        assert ds["metadata"]["namespace"] == "kubelab-netcheck"
    assert [s["spec"]["template"]["spec"]["tolerations"] for s in sets] == [[], [], [{"operator": "Exists"}]]
    assert sets[2]["spec"]["template"]["spec"]["hostNetwork"] is True
    node_probe = sets[2]["spec"]["template"]["spec"]["containers"][0]
    assert node_probe["args"] == ["netexec", "--http-port=19080", "--udp-port=-1"]
    assert node_probe["readinessProbe"]["httpGet"] == {"path": "/clientip", "port": 19080}


def test_why_waiting_names_an_eviction_before_the_containers():
    evicted = pod("pa", "pod", "n1", None, ready=False,
                  containers=[{"ready": False, "state": {"terminated": {"reason": "ContainerStatusUnknown", "exitCode": 137}}}])
    evicted["status"].update(phase="Failed", reason="Evicted",
                             message="The node was low on resource: ephemeral-storage.")
    assert probes.why_waiting(evicted) == "Evicted: The node was low on resource: ephemeral-storage."


class Listing:
    """What the client's serializer makes of a list call."""

    def __init__(self, items):
        self.items = items


class MemoryApi:
    """The probe objects of one namespace, removed as the API server would, each call recorded.

    Deleting a DaemonSet (Background) removes it at once and marks its pods as terminating; a pod marked so goes
    on the second listing after that (its kubelet's graceful stop). Deleting pods with grace period 0 removes them
    at once.
    """

    def __init__(self, sets, pods):
        self.sets = {ds["metadata"]["name"]: ds for ds in sets}
        self.pods = {p["metadata"]["name"]: p for p in pods}
        self.calls = []
        self.terminating = {}

    def list_namespaced_daemon_set(self, ns, label_selector):
        self.calls.append(("list sets", label_selector))
        return Listing(list(self.sets.values()))

    def list_namespaced_pod(self, ns, label_selector):
        self.calls.append(("list pods", label_selector))
        for name, listings in list(self.terminating.items()):
            if listings >= 2:
                del self.pods[name], self.terminating[name]
            else:
                self.terminating[name] = listings + 1
        return Listing(list(self.pods.values()))

    def delete_namespaced_daemon_set(self, name, ns, propagation_policy):
        self.calls.append(("delete set", name, propagation_policy))
        del self.sets[name]
        for pod_name in self.pods:
            self.terminating.setdefault(pod_name, 0)

    def delete_collection_namespaced_pod(self, ns, label_selector, grace_period_seconds):
        self.calls.append(("delete pods", label_selector, grace_period_seconds))
        role = dict(term.split("=") for term in label_selector.split(","))["kubelab.cluster/probe"]
        for name in [n for n, p in self.pods.items() if p["metadata"]["labels"]["kubelab.cluster/probe"] == role]:
            del self.pods[name]
            self.terminating.pop(name, None)


def test_removal_deletes_the_sets_then_the_pod_probes_at_once_and_waits_for_the_node_probes(monkeypatch):
    monkeypatch.setattr(probes.time, "sleep", lambda _seconds: None)
    api = MemoryApi([{"metadata": {"name": "kubelab-netcheck-pod-0"}}, {"metadata": {"name": "kubelab-netcheck-node"}}],
                    [pod("pa", "pod", "n1", "10.244.1.2"), pod("pb", "pod", "n2", "10.244.2.2"),
                     pod("node-x", "node", "n1", "192.168.56.11")])
    cluster = probes.ProbeCluster.__new__(probes.ProbeCluster)
    cluster.spec, cluster.core, cluster.apps, cluster.serialize = SPEC, api, api, lambda listing: {"items": listing.items}
    assert cluster.remove_probes(wait=True) == []
    writes = [call for call in api.calls if not call[0].startswith("list")]
    assert writes == [
        ("delete set", "kubelab-netcheck-pod-0", "Background"), ("delete set", "kubelab-netcheck-node", "Background"),
        # only once no DaemonSet is left to make them again, and only the pod probes: the node probe holds a port
        # on its node until its kubelet has stopped it
        ("delete pods", "app.kubernetes.io/name=kubelab-netcheck,kubelab.cluster/probe=pod", 0)]
    assert api.pods == {} and api.sets == {}
    # the node probe was waited for: listed while it was terminating, until it was gone
    assert [call[0] for call in api.calls].count("list pods") == 3

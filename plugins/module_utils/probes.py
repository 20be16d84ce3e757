# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Probe DaemonSets on a cluster: deploy, wait, exec the probe script, clean up."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence, cast

from ansible_collections.kubelab.cluster.plugins.module_utils.kube import (
    ApiException, ClusterError, api_error, client, stream)
from ansible_collections.kubelab.cluster.plugins.module_utils.kube import server_version as read_server_version
from ansible_collections.kubelab.cluster.plugins.module_utils.netcheck import PROBE_SCRIPT, Probe, ProbeError

MANAGED_BY = "kubelab.cluster.network_check"
APP_LABEL = "kubelab-netcheck"
SELECTOR = "app.kubernetes.io/name=%s" % APP_LABEL
ROLE_LABEL = "kubelab.cluster/probe"
POD_PROBES = "%s,%s=pod" % (SELECTOR, ROLE_LABEL)


@dataclass
class ProbeSpec:
    namespace: str
    image: str
    port: int
    node_port: int
    probes_per_node: int
    include_control_plane: bool
    pull_policy: str


@dataclass
class ProbeState:
    """Where the probes are: ready or not, the ready ones, and why the others are not."""

    ready: bool
    pods: list[Probe]
    nodes: list[Probe]
    waiting: list[str]


def _labels(role: str, index: int | None = None) -> dict[str, str]:
    labels = {"app.kubernetes.io/name": APP_LABEL, "app.kubernetes.io/managed-by": "kubelab.cluster",
              ROLE_LABEL: role}
    if index is not None:
        labels["kubelab.cluster/probe-set"] = str(index)
    return labels


def daemonsets(spec: ProbeSpec) -> list[dict[str, Any]]:
    """The pod probe DaemonSets (one per probe slot on a node) and the host-network one."""
    tolerate_all = [{"operator": "Exists"}]
    control_plane = [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
                     {"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"}]
    sets = []
    for index in range(spec.probes_per_node):
        labels = _labels("pod", index)
        sets.append(_daemonset("%s-pod-%d" % (APP_LABEL, index), spec, labels, {
            "containers": [{
                "name": "probe", "image": spec.image, "imagePullPolicy": spec.pull_policy,
                "args": ["netexec", "--http-port=%d" % spec.port, "--udp-port=-1"],
                "ports": [{"containerPort": spec.port, "protocol": "TCP"}],
                "readinessProbe": {"httpGet": {"path": "/clientip", "port": spec.port},
                                   "periodSeconds": 1, "failureThreshold": 3},
            }],
            "tolerations": control_plane if spec.include_control_plane else [],
        }))
    sets.append(_daemonset("%s-node" % APP_LABEL, spec, _labels("node"), {
        "hostNetwork": True,
        "dnsPolicy": "ClusterFirstWithHostNet",
        "containers": [{
            "name": "probe", "image": spec.image, "imagePullPolicy": spec.pull_policy,
            "args": ["netexec", "--http-port=%d" % spec.node_port, "--udp-port=-1"],
            "readinessProbe": {"httpGet": {"path": "/clientip", "port": spec.node_port},
                               "periodSeconds": 1, "failureThreshold": 3},
        }],
        "tolerations": tolerate_all,
    }))
    return sets


def _daemonset(name: str, spec: ProbeSpec, labels: dict[str, str], pod_spec: dict[str, Any]) -> dict[str, Any]:
    pod_spec = dict(pod_spec, terminationGracePeriodSeconds=1, automountServiceAccountToken=False,
                    enableServiceLinks=False)
    return {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": spec.namespace, "labels": labels},
        "spec": {"selector": {"matchLabels": labels},
                 "updateStrategy": {"type": "OnDelete"},
                 "template": {"metadata": {"labels": labels}, "spec": pod_spec}},
    }


def probe_state(daemon_sets: list[dict[str, Any]], pods: list[dict[str, Any]], expected_sets: int,
                node_port: int = 0) -> ProbeState:
    """Read the probe DaemonSets and pods (as the API serves them, in JSON form).

    Ready when all ``expected_sets`` DaemonSets have every pod they schedule ready, no probe pod is being
    deleted or not ready, and there is at least one pod probe.
    """
    settled = len(daemon_sets) == expected_sets and all(_all_scheduled_ready(s) for s in daemon_sets)
    waiting: list[str] = []
    pod_probes: list[Probe] = []
    node_probes: list[Probe] = []
    for pod in pods:
        metadata, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
        if metadata.get("deletionTimestamp") is not None:
            settled = False
            continue
        if not any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or []):
            waiting.append("%s on %s: %s" % (metadata["name"], spec.get("nodeName") or "no node", why_waiting(pod)))
            continue
        node = spec.get("nodeName") or ""
        if _is_pod_probe(pod):
            pod_probes.append(Probe(name=metadata["name"], kind="pod", node=node, ip=status.get("podIP") or ""))
        else:
            node_probes.append(Probe(name=node, kind="node", node=node, ip=status.get("hostIP") or status.get("podIP") or "",
                                     pod=metadata["name"], port=node_port))
    ready = settled and not waiting and bool(pod_probes) and len(pods) == len(pod_probes) + len(node_probes)
    pod_probes.sort(key=lambda p: (p.node, p.name))
    node_probes.sort(key=lambda p: p.node)
    return ProbeState(ready=ready, pods=pod_probes, nodes=node_probes, waiting=waiting)


def _is_pod_probe(pod: dict[str, Any]) -> bool:
    return (pod["metadata"].get("labels") or {}).get(ROLE_LABEL) == "pod"


def _all_scheduled_ready(daemon_set: dict[str, Any]) -> bool:
    status = daemon_set.get("status") or {}
    desired = status.get("desiredNumberScheduled")
    return bool(status.get("observedGeneration")) and desired is not None and desired > 0 \
        and status.get("numberReady") == desired


def why_waiting(pod: dict[str, Any]) -> str:
    """Why a probe pod is not ready: the pod's own reason (an eviction, say), else
    its container states, else its conditions."""
    status = pod.get("status") or {}
    if status.get("reason"):
        return "%s%s" % (status["reason"], ": %s" % status["message"] if status.get("message") else "")
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        if state.get("waiting") is not None:
            waiting = state["waiting"]
            return "%s%s" % (waiting.get("reason"), ": %s" % waiting["message"] if waiting.get("message") else "")
        if state.get("terminated") is not None:
            terminated = state["terminated"]
            return "terminated %s (exit %s)" % (terminated.get("reason"), terminated.get("exitCode"))
        if state.get("running") is not None and not container.get("ready"):
            return "running, not ready yet"
    for condition in status.get("conditions") or []:
        if condition.get("status") != "True" and condition.get("message"):
            return "%s: %s" % (condition.get("reason"), condition["message"])
    return status.get("phase") or "pending"


class ProbeCluster:
    """Runs the probes of one check on one cluster."""

    def __init__(self, configuration: client.Configuration, spec: ProbeSpec, probe_timeout: int,
                 fanout: int) -> None:
        self.configuration = configuration
        self.spec = spec
        self.probe_timeout = probe_timeout
        self.fanout = fanout
        api = client.ApiClient(configuration)
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.serialize = api.sanitize_for_serialization
        # the namespace is deleted at clean-up when this check or an earlier one created it
        self.namespace_is_ours = False

    # -- set-up ---------------------------------------------------------
    def server_version(self) -> str:
        return read_server_version(self.configuration)

    def ensure_namespace(self) -> None:
        ns = self.spec.namespace
        deadline = time.monotonic() + 90
        while True:
            try:
                current = self.serialize(self.core.read_namespace(ns))
            except ApiException as exc:
                if exc.status != 404:
                    raise ClusterError("cannot read namespace %s: %s" % (ns, api_error(exc))) from exc
                break
            ours = (current["metadata"].get("labels") or {}).get("app.kubernetes.io/managed-by") == MANAGED_BY
            if (current.get("status") or {}).get("phase") != "Terminating":
                self.namespace_is_ours = ours
                return
            # an earlier check's namespace goes away within seconds; anything else is the user's to sort out
            if not ours or time.monotonic() > deadline:
                raise ClusterError("namespace %s is being deleted; wait until it is gone or choose another" % ns)
            time.sleep(1)
        body = {"metadata": {"name": ns, "labels": {"app.kubernetes.io/managed-by": MANAGED_BY}}}
        try:
            # the client validates a JSON-form dict into the model its signature names
            self.core.create_namespace(cast(Any, body))
        except ApiException as exc:
            raise ClusterError("cannot create namespace %s: %s" % (ns, api_error(exc))) from exc
        self.namespace_is_ours = True

    def deploy(self) -> None:
        """Remove the probes an earlier check left, then create the probe DaemonSets."""
        self.remove_probes(wait=True)
        for body in daemonsets(self.spec):
            try:
                self.apps.create_namespaced_daemon_set(self.spec.namespace, cast(Any, body))
            except ApiException as exc:
                raise ClusterError("cannot create DaemonSet %s in namespace %s: %s"
                                   % (body["metadata"]["name"], self.spec.namespace, api_error(exc))) from exc

    def wait_ready(self, timeout: int) -> tuple[list[Probe], list[Probe]]:
        """Wait until every probe pod is ready; return (pod probes, node probes)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self._probe_state()
            if state.ready:
                return state.pods, state.nodes
            if time.monotonic() > deadline:
                raise ClusterError("the probes were not ready within %ds (image %s): %s" % (
                    timeout, self.spec.image, "; ".join(state.waiting) or "no probe pods were scheduled"))
            time.sleep(1)

    def _probe_state(self) -> ProbeState:
        try:
            sets = self.serialize(self.apps.list_namespaced_daemon_set(self.spec.namespace, label_selector=SELECTOR))
            pods = self.serialize(self.core.list_namespaced_pod(self.spec.namespace, label_selector=SELECTOR))
        except ApiException as exc:
            raise ClusterError("cannot read the probes in namespace %s: %s"
                               % (self.spec.namespace, api_error(exc))) from exc
        return probe_state(sets["items"], pods["items"], expected_sets=self.spec.probes_per_node + 1,
                           node_port=self.spec.node_port)

    # -- the probe call -------------------------------------------------
    def runner(self, probe: Probe, targets: Sequence[str]) -> str:
        """Exec PROBE_SCRIPT in the probe's pod (its own ApiClient: exec patches the client it uses)."""
        core = client.CoreV1Api(client.ApiClient(self.configuration))
        pod = probe.pod or probe.name
        command = ["sh", "-c", PROBE_SCRIPT, "probe", str(self.spec.port), str(self.probe_timeout),
                   str(self.fanout)] + list(targets)
        try:
            out = stream(core.connect_get_namespaced_pod_exec, pod, self.spec.namespace, container="probe",
                         command=command, stdout=True, stderr=True, stdin=False, tty=False,
                         _request_timeout=2 * self.probe_timeout * (len(targets) // self.fanout + 1) + 20)
        except Exception as exc:
            raise ProbeError("exec in %s failed: %s" % (pod, api_error(exc))) from exc
        return out if isinstance(out, str) else out.decode("utf-8", "replace")

    # -- clean-up -------------------------------------------------------
    def remove_probes(self, wait: bool, timeout: int = 90) -> list[str]:
        """Delete the probe DaemonSets and their pods (the namespace stays: see cleanup).

        The DaemonSets go first, so that nothing makes their pods again. The pod probes' objects are then removed
        at once (grace period 0): they hold nothing on their node that a later probe could need, and their kubelets
        stop their containers afterwards. The node probes, which hold a port on the node's own network, go the
        graceful way, so that their kubelets have stopped them (and freed the port) once their objects are gone.

        With ``wait``, wait up to ``timeout`` seconds until the probe pods' and DaemonSets' objects are gone, and
        return the names of those still there (without ``wait``, an empty list). ClusterError when the API refuses
        to list or delete them.
        """
        ns = self.spec.namespace
        try:
            listed = self.serialize(self.apps.list_namespaced_daemon_set(ns, label_selector=SELECTOR))
            for ds in listed["items"]:
                self.apps.delete_namespaced_daemon_set(ds["metadata"]["name"], ns, propagation_policy="Background")
        except ApiException as exc:
            if exc.status != 404:
                raise ClusterError("cannot delete the probes in namespace %s: %s" % (ns, api_error(exc))) from exc
        deadline = time.monotonic() + timeout
        left: list[str] = []
        forced = False
        while wait:
            try:
                pods = self.serialize(self.core.list_namespaced_pod(ns, label_selector=SELECTOR))["items"]
                sets = self.serialize(self.apps.list_namespaced_daemon_set(ns, label_selector=SELECTOR))["items"]
            except ApiException as exc:
                if exc.status != 404:
                    raise ClusterError(
                        "cannot tell whether the probes in namespace %s are gone: %s; the kubeconfig's user needs to "
                        "list pods and DaemonSets there" % (ns, api_error(exc))) from exc
                pods, sets = [], []
            left = [item["metadata"]["name"] for item in pods + sets]
            if not forced and not sets and any(_is_pod_probe(pod) for pod in pods):
                forced = True
                self._remove_pod_probes_now()
                continue
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        return left

    def _remove_pod_probes_now(self) -> None:
        try:
            self.core.delete_collection_namespaced_pod(self.spec.namespace, label_selector=POD_PROBES,
                                                       grace_period_seconds=0)
        except ApiException as exc:
            if exc.status != 404:
                raise ClusterError("cannot delete the probe pods in namespace %s: %s"
                                   % (self.spec.namespace, api_error(exc))) from exc

    def cleanup(self, timeout: int = 90) -> list[str]:
        """Remove the probes, and the namespace when it is ours; return what could not be removed, and why.

        Never raises, so that it can run after any failure without hiding it.
        """
        try:
            left = self.remove_probes(wait=True, timeout=timeout)
        except ClusterError as exc:
            left = [str(exc)]
        if self.namespace_is_ours:
            try:
                self.core.delete_namespace(self.spec.namespace)
            except ApiException as exc:
                if exc.status != 404:
                    left.append("namespace %s: %s" % (self.spec.namespace, api_error(exc)))
        return left

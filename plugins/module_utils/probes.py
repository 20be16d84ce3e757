# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Probe DaemonSets on a cluster: deploy, wait, exec the probe script, clean up."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

from ansible_collections.kubelab.cluster.plugins.module_utils.kube import ClusterError, api_error, server_version
from ansible_collections.kubelab.cluster.plugins.module_utils.netcheck import PROBE_SCRIPT, Probe, ProbeError

try:
    from kubernetes import client
    from kubernetes.client.rest import ApiException
    from kubernetes.stream import stream
except ImportError:  # the module reports the missing library
    pass

MANAGED_BY = "kubelab.cluster.network_check"
APP_LABEL = "kubelab-netcheck"


@dataclass
class ProbeSpec:
    namespace: str
    image: str
    port: int
    probes_per_node: int
    include_control_plane: bool
    pull_policy: str


def _labels(role: str, index: int | None = None) -> dict[str, str]:
    labels = {"app.kubernetes.io/name": APP_LABEL, "app.kubernetes.io/managed-by": "kubelab.cluster",
              "kubelab.cluster/probe": role}
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
        "containers": [{"name": "probe", "image": spec.image, "imagePullPolicy": spec.pull_policy,
                        "args": ["pause"]}],
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


class ProbeCluster:
    """Runs the probes of one check on one cluster."""

    def __init__(self, configuration: "client.Configuration", spec: ProbeSpec, probe_timeout: int,
                 fanout: int) -> None:
        self.configuration = configuration
        self.spec = spec
        self.probe_timeout = probe_timeout
        self.fanout = fanout
        api = client.ApiClient(configuration)
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.created_namespace = False

    # -- set-up ---------------------------------------------------------
    def reachable(self) -> str:
        return server_version(self.configuration)

    def ensure_namespace(self) -> None:
        ns = self.spec.namespace
        deadline = time.monotonic() + 90
        while True:
            try:
                current = self.core.read_namespace(ns)
            except ApiException as exc:
                if exc.status != 404:
                    raise ClusterError("cannot read namespace %s: %s" % (ns, api_error(exc))) from exc
                break
            ours = (current.metadata.labels or {}).get("app.kubernetes.io/managed-by") == MANAGED_BY
            if current.status.phase != "Terminating":
                self.created_namespace = ours
                return
            # an earlier check's namespace goes away within seconds; anything else is the user's to sort out
            if not ours or time.monotonic() > deadline:
                raise ClusterError("namespace %s is being deleted; wait until it is gone or choose another" % ns)
            time.sleep(1)
        body = {"metadata": {"name": ns, "labels": {"app.kubernetes.io/managed-by": MANAGED_BY}}}
        try:
            self.core.create_namespace(body)
        except ApiException as exc:
            raise ClusterError("cannot create namespace %s: %s" % (ns, api_error(exc))) from exc
        self.created_namespace = True

    def deploy(self) -> None:
        self.remove_probes(wait=True)
        for body in daemonsets(self.spec):
            try:
                self.apps.create_namespaced_daemon_set(self.spec.namespace, body)
            except ApiException as exc:
                raise ClusterError("cannot create DaemonSet %s in namespace %s: %s"
                                   % (body["metadata"]["name"], self.spec.namespace, api_error(exc))) from exc

    def wait_ready(self, timeout: int) -> tuple[list[Probe], list[Probe]]:
        """Wait until every probe pod is ready; return (pod probes, node probes)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self._probe_state()
            if state["ready"]:
                return state["pods"], state["nodes"]
            if time.monotonic() > deadline:
                raise ClusterError("the probes were not ready within %ds (image %s): %s" % (
                    timeout, self.spec.image, "; ".join(state["waiting"]) or "no probe pods were scheduled"))
            time.sleep(1)

    def _probe_state(self) -> dict[str, Any]:
        selector = "app.kubernetes.io/name=%s" % APP_LABEL
        try:
            sets = self.apps.list_namespaced_daemon_set(self.spec.namespace, label_selector=selector).items
            pods = self.core.list_namespaced_pod(self.spec.namespace, label_selector=selector).items
        except ApiException as exc:
            raise ClusterError("cannot read the probes in namespace %s: %s" % (self.spec.namespace, api_error(exc))) from exc
        counted = all(s.status.observed_generation and s.status.desired_number_scheduled is not None
                      and s.status.number_ready == s.status.desired_number_scheduled
                      and s.status.desired_number_scheduled > 0 for s in sets)
        counted = counted and len(sets) == self.spec.probes_per_node + 1
        waiting, pod_probes, node_probes = [], [], []
        for pod in pods:
            ready = any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])
            if pod.metadata.deletion_timestamp is not None:
                counted = False
                continue
            if not ready:
                waiting.append("%s on %s: %s" % (pod.metadata.name, pod.spec.node_name or "no node", _why_waiting(pod)))
                continue
            role = pod.metadata.labels.get("kubelab.cluster/probe")
            if role == "pod":
                pod_probes.append(Probe(name=pod.metadata.name, kind="pod", node=pod.spec.node_name, ip=pod.status.pod_ip))
            else:
                node_probes.append(Probe(name=pod.spec.node_name, kind="node", node=pod.spec.node_name,
                                         ip=pod.status.host_ip or pod.status.pod_ip, pod=pod.metadata.name))
        ready = counted and not waiting and bool(pod_probes) and len(pods) == len(pod_probes) + len(node_probes)
        pod_probes.sort(key=lambda p: (p.node, p.name))
        node_probes.sort(key=lambda p: p.node)
        return {"ready": ready, "pods": pod_probes, "nodes": node_probes, "waiting": waiting}

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
        """Delete the probe DaemonSets (and the namespace this module created); return what is left."""
        ns = self.spec.namespace
        selector = "app.kubernetes.io/name=%s" % APP_LABEL
        try:
            for ds in self.apps.list_namespaced_daemon_set(ns, label_selector=selector).items:
                self.apps.delete_namespaced_daemon_set(ds.metadata.name, ns, propagation_policy="Foreground",
                                                       grace_period_seconds=0)
        except ApiException as exc:
            if exc.status != 404:
                raise ClusterError("cannot delete the probes in namespace %s: %s" % (ns, api_error(exc))) from exc
        deadline = time.monotonic() + timeout
        left: list[str] = []
        while wait:
            try:
                left = [p.metadata.name for p in self.core.list_namespaced_pod(ns, label_selector=selector).items]
                left += [d.metadata.name for d in self.apps.list_namespaced_daemon_set(ns, label_selector=selector).items]
            except ApiException as exc:
                if exc.status != 404:
                    raise
                left = []
            if not left or time.monotonic() > deadline:
                break
            time.sleep(1)
        return left

    def cleanup(self, timeout: int = 90) -> list[str]:
        left = self.remove_probes(wait=True, timeout=timeout)
        if self.created_namespace:
            try:
                self.core.delete_namespace(self.spec.namespace)
            except ApiException as exc:
                if exc.status != 404:
                    left.append("namespace %s: %s" % (self.spec.namespace, api_error(exc)))
        return left


def _why_waiting(pod: Any) -> str:
    for status in (pod.status.container_statuses or []):
        if status.state and status.state.waiting:
            w = status.state.waiting
            return "%s%s" % (w.reason, ": %s" % w.message if w.message else "")
        if status.state and status.state.terminated:
            t = status.state.terminated
            return "terminated %s (exit %s)" % (t.reason, t.exit_code)
        if status.state and status.state.running and not status.ready:
            return "running, not ready yet"
    for condition in pod.status.conditions or []:
        if condition.status != "True" and condition.message:
            return "%s: %s" % (condition.reason, condition.message)
    return pod.status.phase or "pending"

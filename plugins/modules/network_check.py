#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: network_check
short_description: Verify the Kubernetes network model on a running cluster
version_added: "0.1.0"
description:
  - Deploys probes, checks the four requirements of the Kubernetes network model, and removes the probes again
    (also when the check or the deployment fails).
  - Pod probes run as DaemonSets on every schedulable node (O(probes_per_node) of them per node), each serving
    C(/clientip) over HTTP with agnhost C(netexec). A host-network DaemonSet is the node side, on every node,
    serving C(/clientip) on O(node_port) of the node.
  - Each probe checks all of its peers itself, concurrently, in one exec call per probe; a second call for the
    pairs that failed is the only retry.
  - C(pod_to_pod) every pod probe reaches every other one by ICMP ping and by HTTP.
    C(node_to_pod) every node reaches every pod probe by ICMP ping and by HTTP.
    C(node_to_node) every node reaches every other node by ICMP ping and by HTTP.
    C(no_nat) the source address a pod or a node observed is the sender's pod IP, or for a node one of the
    node's own addresses. C(self_ip) a pod's own interface address is its C(status.podIP), and is what its peers
    observed.
  - With O(probes_per_node=2) (the default) pods on the same node are checked against each other as well as
    against pods on other nodes; in RV(checks), C(pod_to_pod) counts the pairs of each kind (C(same_node) and
    C(cross_node)).
  - A requirement with nothing to check fails rather than passes, saying why, for example C(pod_to_pod) with a
    single pod probe (one schedulable node and O(probes_per_node=1)), C(node_to_pod) without node probes, or
    C(node_to_node) on a cluster of one node.
  - IPv4 only.
author:
  - kubelab.cluster contributors (@kubelab)
requirements:
  - an image with agnhost (netexec) and busybox's sh, ping, wget and ip, as the upstream agnhost image
extends_documentation_fragment:
  - kubelab.cluster.kube_connection
  - kubelab.cluster.attributes
options:
  namespace:
    description:
      - Namespace for the probes. Created when missing and then deleted afterwards; in an existing
        namespace only the probes are removed.
    type: str
    default: kubelab-netcheck
  image:
    description: The probe image.
    type: str
    default: registry.k8s.io/e2e-test-images/agnhost:2.59
  image_pull_policy:
    description: Pull policy of the probe containers.
    type: str
    choices: [Always, IfNotPresent, Never]
    default: IfNotPresent
  port:
    description: TCP port the pod probes serve HTTP on, inside their own network namespace.
    type: int
    default: 8080
  node_port:
    description:
      - TCP port the node probes serve HTTP on, on every node's own addresses (host network); it must be free on
        every node while the check runs.
    type: int
    default: 19080
  probes_per_node:
    description:
      - Number of pod probes on each schedulable node. With 2 or more, pods on one node are checked against each
        other too.
    type: int
    default: 2
  include_control_plane:
    description: Also place pod probes on nodes tainted as control plane. Node probes run on every node anyway.
    type: bool
    default: false
  requirements:
    description: The requirements to judge; the probes always collect the data for all of them.
    type: list
    elements: str
    choices: [pod_to_pod, node_to_pod, node_to_node, no_nat, self_ip]
    default: [pod_to_pod, node_to_pod, node_to_node, no_nat, self_ip]
  probe_timeout:
    description: Seconds a probe waits for one ICMP or HTTP answer from one target.
    type: int
    default: 2
  retries:
    description: Extra rounds for the pairs that failed (only those are probed again).
    type: int
    default: 1
  ready_timeout:
    description: Seconds to wait for every probe to be ready before failing.
    type: int
    default: 120
  parallel:
    description: Probe calls in flight at once (each one a probe checking its targets).
    type: int
    default: 8
  fanout:
    description: Targets one probe checks at the same time.
    type: int
    default: 8
attributes:
  check_mode:
    support: partial
    details:
      - The check runs in check mode as well, and so it creates what it needs there too; check mode does not
        make it read-only.
      - It creates the namespace O(namespace) when it does not exist, one DaemonSet of pod probes and one of
        host-network node probes in it, and runs one exec per probe. It deletes them all before it returns,
        also when the check fails, and waits until their objects are gone; RV(left_behind) lists anything
        that could not be removed. The pod probes' objects are deleted at once (grace period 0) once their
        DaemonSets are gone, and their kubelets stop their containers right after; the node probes, which hold
        O(node_port) on their node, are deleted gracefully and waited for.
      - It reports C(changed=false) because the cluster ends as it began.
  diff_mode:
    support: none
  idempotent:
    support: full
notes:
  - The module always returns C(changed=false); the probes exist only while it runs.
"""

EXAMPLES = r"""
- name: Check the network model of the lab
  kubelab.cluster.network_check:
    kubeconfig: ~/.kube/kubelab.conf
    image: 192.168.56.1:5000/e2e-test-images/agnhost:2.59
  register: network

- name: Show the pair matrix
  ansible.builtin.debug:
    msg: "{{ network.matrix }}"

- name: Sixty probes over three nodes, only the NAT requirement judged
  kubelab.cluster.network_check:
    kubeconfig: ~/.kube/kubelab.conf
    probes_per_node: 20
    include_control_plane: true
    requirements: [no_nat]
"""

RETURN = r"""
checks:
  description:
    - One result per judged requirement.
    - C(unchecked) is empty, or says why nothing could be checked (then C(passed) is false).
  returned: when the probes ran
  type: dict
  sample:
    pod_to_pod: {passed: true, checked: 12, same_node: 4, cross_node: 8, description: every pod reaches every other pod
                 (ICMP and HTTP), unchecked: "", failures: []}
    no_nat: {passed: false, checked: 6, description: the source a pod observes is the sender's own address, unchecked: "",
             failures: [{source: kubelab-netcheck-pod-0-x2v9k, source_ip: 10.244.1.4, source_node: k8s-node01,
                         target: kubelab-netcheck-pod-0-8mlqz, target_ip: 10.244.2.5, target_node: k8s-node02,
                         why: "observed source 10.244.1.0, expected 10.244.1.4"}]}
failed_requirements:
  description: Names of the requirements that failed.
  returned: always
  type: list
  elements: str
pairs:
  description: The full pair matrix, one entry per sender and target pod.
  returned: when the probes ran
  type: list
  elements: dict
  sample:
    - {source: k8s-node01, source_kind: node, source_node: k8s-node01, source_ip: 192.168.56.11,
       target: kubelab-netcheck-pod-0-8mlqz, target_node: k8s-node02, target_ip: 10.244.2.5,
       icmp: true, http: true, observed: 10.244.1.0, nat: false, attempts: 1, error: ""}
probes:
  description: Every probe with its node, reported IP and the IPv4 addresses it found on its own interfaces.
  returned: when the probes ran
  type: list
  elements: dict
matrix:
  description: The pair matrix as text, one line per sender, followed by one line per requirement.
  returned: when the probes ran
  type: list
  elements: str
rounds:
  description: Probe rounds run (1 when nothing needed a retry).
  returned: when the probes ran
  type: int
exec_calls:
  description: Exec calls made into the probes, one per probe in the first round and one per probe with a failed
    pair in each retry, so it grows with the number of probes, not with the number of pairs.
  returned: when the probes ran
  type: int
seconds:
  description: Time spent getting the probes ready, checking, and cleaning up.
  returned: always
  type: dict
  sample: {ready: 6.1, check: 1.4, cleanup: 3.2, total: 10.7}
server_version:
  description: Version the API server reported.
  returned: when the API answered
  type: str
left_behind:
  description: Probe objects still present after the clean-up timed out (empty when all are gone).
  returned: always
  type: list
  elements: str
"""

import time
from copy import deepcopy
from dataclasses import asdict
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubelab.cluster.plugins.module_utils import netcheck
from ansible_collections.kubelab.cluster.plugins.module_utils.kube import (
    CONNECTION_ARG_SPEC, ClusterError, kube_module, load_configuration)
from ansible_collections.kubelab.cluster.plugins.module_utils.probes import ProbeCluster, ProbeSpec

ARGUMENT_SPEC = deepcopy(CONNECTION_ARG_SPEC)
ARGUMENT_SPEC.update(
    namespace=dict(type="str", default="kubelab-netcheck"),
    image=dict(type="str", default="registry.k8s.io/e2e-test-images/agnhost:2.59"),
    image_pull_policy=dict(type="str", choices=["Always", "IfNotPresent", "Never"], default="IfNotPresent"),
    port=dict(type="int", default=8080),
    node_port=dict(type="int", default=19080),
    probes_per_node=dict(type="int", default=2),
    include_control_plane=dict(type="bool", default=False),
    requirements=dict(type="list", elements="str", choices=list(netcheck.REQUIREMENTS),
                      default=list(netcheck.REQUIREMENTS)),
    probe_timeout=dict(type="int", default=2),
    retries=dict(type="int", default=1),
    ready_timeout=dict(type="int", default=120),
    parallel=dict(type="int", default=8),
    fanout=dict(type="int", default=8),
)

LIMITS = {
    "port": (1, 65535),
    "node_port": (1, 65535),
    "probes_per_node": (1, 50),
    "probe_timeout": (1, 60),
    "retries": (0, 5),
    "ready_timeout": (1, 3600),
    "parallel": (1, 128),
    "fanout": (1, 256),
}


def bad_params(params: dict[str, Any]) -> list[str]:
    """Every parameter outside its range, named with the range."""
    bad = ["%s=%s (expected %d to %d)" % (name, params[name], low, high)
           for name, (low, high) in LIMITS.items() if not low <= params[name] <= high]
    if not params["namespace"]:
        bad.append("namespace='' (expected a namespace name)")
    if not params["requirements"]:
        bad.append("requirements=[] (expected at least one of %s)" % ", ".join(netcheck.REQUIREMENTS))
    return bad


class NetworkCheck:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        self.seconds = {"ready": 0.0, "check": 0.0, "cleanup": 0.0, "total": 0.0}
        self.result: dict[str, Any] = {"changed": False, "failed_requirements": [], "left_behind": [],
                                       "seconds": self.seconds}

    def run(self) -> None:
        p = self.params
        started = time.monotonic()
        configuration = load_configuration(p["kubeconfig"], p["context"])
        spec = ProbeSpec(namespace=p["namespace"], image=p["image"], port=p["port"], node_port=p["node_port"],
                         probes_per_node=p["probes_per_node"], include_control_plane=p["include_control_plane"],
                         pull_policy=p["image_pull_policy"])
        cluster = ProbeCluster(configuration, spec, probe_timeout=p["probe_timeout"], fanout=p["fanout"])
        self.result["server_version"] = cluster.server_version()
        try:
            cluster.ensure_namespace()
            cluster.deploy()
            pods, nodes = cluster.wait_ready(p["ready_timeout"])
            self.seconds["ready"] = round(time.monotonic() - started, 3)
            try:
                outcome = netcheck.check(cluster.runner, pods, nodes, retries=p["retries"], parallel=p["parallel"],
                                         requirements=p["requirements"])
            except ValueError as exc:  # a probe listed an own address that is not one
                raise ClusterError(
                    "cannot read the probes' replies: %s. The probe image %s must print its own addresses with "
                    "busybox's ip, as registry.k8s.io/e2e-test-images/agnhost does; use that image or a copy of it"
                    % (exc, p["image"])) from exc
            self.seconds["check"] = outcome.seconds
        finally:
            cleanup_started = time.monotonic()
            self.result["left_behind"] = cluster.cleanup()
            self.seconds["cleanup"] = round(time.monotonic() - cleanup_started, 3)
            self.seconds["total"] = round(time.monotonic() - started, 3)
        self.result.update(
            checks=outcome.results,
            failed_requirements=outcome.failed,
            pairs=[pair.as_dict() for pair in outcome.pairs],
            probes=[asdict(probe) for probe in outcome.pods + outcome.nodes],
            matrix=netcheck.matrix_lines(outcome),
            rounds=outcome.rounds,
            exec_calls=outcome.calls,
        )
        if outcome.failed:
            msg = netcheck.failure_message(outcome)
            if len(outcome.pods) < 2 and any(outcome.results[name]["unchecked"] for name in outcome.failed):
                msg += " (probes_per_node and include_control_plane decide how many pod probes there are)"
            self.module.fail_json(msg=msg, **self.result)
        if self.result["left_behind"]:
            self.module.warn("probe objects still present after clean-up: %s" % ", ".join(self.result["left_behind"]))
        self.module.exit_json(**self.result)


def main() -> None:
    module = kube_module(ARGUMENT_SPEC, supports_check_mode=True)
    bad = bad_params(module.params)
    if bad:
        module.fail_json(msg="invalid parameters: %s" % "; ".join(bad), changed=False)
    check = NetworkCheck(module)
    try:
        check.run()
    except ClusterError as exc:
        module.fail_json(msg=str(exc), **check.result)


if __name__ == "__main__":
    main()

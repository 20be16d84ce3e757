# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's summary as lines of text, from what the API and the checks returned."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional


def _internal_ips(node: Mapping) -> list[str]:
    addresses = (node.get("status") or {}).get("addresses") or []
    return [a.get("address", "") for a in addresses if a.get("type") == "InternalIP"]


def _ready(node: Mapping) -> str:
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return "Ready" if condition.get("status") == "True" else "NotReady (%s)" % condition.get("status")
    return "NotReady (no Ready condition)"


def lab_summary(nodes: Iterable[Mapping], pods: Iterable[Mapping] = (), workloads: Iterable[Mapping] = (),
                checks: Optional[Mapping[str, Any]] = None, certificates: Iterable[Mapping] = (),
                node_port: int = 30080, service: str = "nginx-deployment",
                deployments: Iterable[Mapping] = ()) -> list[str]:
    """Lines: each node with its addresses and readiness, the network check, the
    chapter's pods and controllers (``workloads``, of any kind), the NodePort
    URLs (when ``deployments``, the Deployments as the API lists them, hold the
    one behind the Service, named ``service``) and the certificates' days left."""
    nodes = list(nodes)
    workloads = list(workloads)
    lines = ["node %s %s %s" % (n["metadata"]["name"], ",".join(_internal_ips(n)), _ready(n)) for n in nodes]
    if checks is None:
        lines.append("network: not checked in this run")
    else:
        lines.append("network: " + ", ".join("%s %s" % (name, "PASS" if check.get("passed") else "FAIL")
                                             for name, check in checks.items()))
    for pod in pods:
        status = pod.get("status") or {}
        lines.append("pod %s %s %s" % (pod["metadata"]["name"], status.get("phase", "-"), status.get("podIP") or "-"))
    for obj in workloads:
        lines.append("workload %s ready %s/%s" % (obj["metadata"]["name"], (obj.get("status") or {}).get("readyReplicas") or 0,
                                                  (obj.get("spec") or {}).get("replicas", 0)))
    if any(o["metadata"]["name"] == service for o in deployments):
        lines.extend("NodePort: http://%s:%s/" % (ips[0], node_port) for ips in map(_internal_ips, nodes) if ips)
    certificates = list(certificates)
    if certificates:
        lines.append("certificates: days left " + ", ".join("%s %s" % (c["name"], c["days"]) for c in certificates))
    return lines


class FilterModule:
    def filters(self):
        return {"lab_summary": lab_summary}

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Address filters the cluster roles use to check networks and pick node addresses."""

from __future__ import annotations

import ipaddress

from ansible.errors import AnsibleFilterError


def _network(value, what: str = "network") -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(str(value), strict=True)
    except ValueError as exc:
        raise AnsibleFilterError("%s %r is not an IPv4 CIDR like 10.244.0.0/16 (%s)" % (what, value, exc))


def cidr_overlaps(network, other) -> bool:
    """True when the two IPv4 CIDRs share at least one address."""
    return _network(network).overlaps(_network(other))


def interface_addresses(facts: dict) -> list[dict]:
    """Every IPv4 address of a host's gathered facts, as {address, interface}."""
    found = []
    for name in facts.get("interfaces", []):
        data = facts.get(name) or facts.get(name.replace("-", "_").replace(".", "_")) or {}
        entries = [data.get("ipv4") or {}] + list(data.get("ipv4_secondaries") or [])
        for entry in entries:
            if entry.get("address"):
                found.append({"address": entry["address"], "interface": data.get("device", name)})
    return found


def addresses_in(facts: dict, network) -> list[str]:
    """The host's IPv4 addresses that lie in network."""
    net = _network(network)
    return [item["address"] for item in interface_addresses(facts) if ipaddress.IPv4Address(item["address"]) in net]


def node_address(facts: dict, network="", address="") -> dict:
    """The {address, interface} a node uses for Kubernetes.

    An explicit address wins, then the first address in network, then the
    address of the default route's interface.
    """
    candidates = interface_addresses(facts)
    shown = ", ".join(item["address"] for item in candidates) or "none"
    if address:
        for item in candidates:
            if item["address"] == address:
                return item
        raise AnsibleFilterError("address %s is not on any interface of this host (it has %s)" % (address, shown))
    if network:
        net = _network(network)
        for item in candidates:
            if ipaddress.IPv4Address(item["address"]) in net:
                return item
        raise AnsibleFilterError("no address of this host (%s) is in the network %s" % (shown, network))
    default = facts.get("default_ipv4") or {}
    if not default.get("address"):
        raise AnsibleFilterError("this host has no default IPv4 route; set kubelab_node_network or kubelab_node_address")
    return {"address": default["address"], "interface": default.get("interface", "")}


class FilterModule:
    def filters(self):
        return {
            "cidr_overlaps": cidr_overlaps,
            "addresses_in": addresses_in,
            "node_address": node_address,
        }

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kubelab.cluster.plugins.filter.network import addresses_in, cidr_overlaps, node_address

FACTS = {
    "interfaces": ["lo", "eth0", "eth1", "flannel.1"],
    "lo": {"device": "lo", "ipv4": {"address": "127.0.0.1"}},
    "eth0": {"device": "eth0", "ipv4": {"address": "10.0.2.15"}},
    "eth1": {"device": "eth1", "ipv4": {"address": "192.168.56.11"},
             "ipv4_secondaries": [{"address": "192.168.57.11"}]},
    "flannel_1": {"device": "flannel.1", "ipv4": {"address": "10.244.1.0"}},
    "default_ipv4": {"address": "10.0.2.15", "interface": "eth0"},
}


@pytest.mark.parametrize("a, b, expected", [
    ("10.244.0.0/16", "10.96.0.0/12", False),
    ("10.0.0.0/8", "10.96.0.0/12", True),
    ("10.96.0.0/12", "10.100.0.0/16", True),
    ("192.168.56.0/24", "192.168.57.0/24", False),
])
def test_overlap(a, b, expected):
    assert cidr_overlaps(a, b) is expected
    assert cidr_overlaps(b, a) is expected


@pytest.mark.parametrize("bad", ["10.244.0.1/16", "10.244.0.0/33", "banana", ""])
def test_bad_cidr_is_named(bad):
    with pytest.raises(AnsibleFilterError, match="is not an IPv4 CIDR"):
        cidr_overlaps(bad, "10.96.0.0/12")


def test_addresses_in_a_network_include_secondaries():
    assert addresses_in(FACTS, "192.168.0.0/16") == ["192.168.56.11", "192.168.57.11"]
    assert addresses_in(FACTS, "172.16.0.0/12") == []


def test_node_address_prefers_explicit_then_network_then_default():
    assert node_address(FACTS, "192.168.56.0/24", "10.0.2.15") == {"address": "10.0.2.15", "interface": "eth0"}
    assert node_address(FACTS, "192.168.56.0/24") == {"address": "192.168.56.11", "interface": "eth1"}
    assert node_address(FACTS) == {"address": "10.0.2.15", "interface": "eth0"}
    assert node_address(FACTS, "10.244.0.0/16") == {"address": "10.244.1.0", "interface": "flannel.1"}


def test_node_address_errors_list_the_host_addresses():
    with pytest.raises(AnsibleFilterError, match=r"no address of this host \(127.0.0.1, 10.0.2.15, .*\) is in the network 172.16.0.0/24"):
        node_address(FACTS, "172.16.0.0/24")
    with pytest.raises(AnsibleFilterError, match="address 192.168.56.99 is not on any interface"):
        node_address(FACTS, "", "192.168.56.99")
    with pytest.raises(AnsibleFilterError, match="no default IPv4 route"):
        node_address({"interfaces": []})

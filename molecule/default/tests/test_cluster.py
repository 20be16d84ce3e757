"""pytest-testinfra checks of the kubeadm cluster's machines (run by verify.yml)."""

from __future__ import annotations

import ipaddress
import os

NETWORK = os.environ.get("KUBELAB_LAB_NETWORK", "192.168.56")
POD_CIDR = ipaddress.ip_network(os.environ.get("KUBELAB_POD_CIDR", "10.244.0.0/16"))
VERSION = os.environ.get("KUBELAB_KUBERNETES_VERSION", "v1.35.4")
MACHINES = 3


def flannel_subnet(host) -> ipaddress.IPv4Interface:
    env = dict(line.split("=", 1) for line in host.file("/run/flannel/subnet.env").content_string.split())
    return ipaddress.ip_interface(env["FLANNEL_SUBNET"])


def test_containerd_and_kubelet_run_and_start_at_boot(host):
    for name in ("containerd", "kubelet"):
        service = host.service(name)
        assert service.is_running, name
        assert service.is_enabled, name


def test_binaries_report_the_cluster_version(host):
    assert host.check_output("kubeadm version -o short") == VERSION
    assert VERSION in host.check_output("kubelet --version")
    assert VERSION in host.check_output("kubectl version --client")


def test_kubelet_uses_the_private_network_address(host):
    args = host.check_output("cat /proc/$(pidof kubelet)/cmdline | tr '\\0' ' '")
    address = host.interface("eth1").addresses[0] if host.interface("eth1").exists else None
    assert "--node-ip=%s." % NETWORK in args
    if address:
        assert "--node-ip=%s " % address in args


def test_flannel_interface_holds_the_node_subnet(host):
    subnet = flannel_subnet(host)
    assert subnet.network.subnet_of(POD_CIDR)
    assert host.interface("flannel.1").exists
    assert str(subnet.network.network_address) in host.interface("flannel.1").addresses


def test_routes_to_every_other_node_subnet_go_through_flannel(host):
    own = flannel_subnet(host).network
    routes = [line.split()[0] for line in host.check_output("ip -4 route show dev flannel.1").splitlines()]
    subnets = {ipaddress.ip_network(r) for r in routes}
    assert len(subnets) == MACHINES - 1, routes
    assert own not in subnets
    assert all(s.subnet_of(POD_CIDR) for s in subnets)


def test_sandbox_image_comes_from_the_image_repository(host):
    images = host.check_output("crictl images -o json")
    assert "/pause:3.10.1" in images

"""pytest-testinfra checks of the kubeadm cluster's machines (run by verify.yml)."""

from __future__ import annotations

import ipaddress
import json
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
    registry = NETWORK + ".1:5000"
    sandbox = json.loads(host.check_output("crictl info -o json"))["config"]["sandboxImage"]
    assert sandbox == registry + "/pause:3.10.1"
    tags = [t for image in json.loads(host.check_output("crictl images -o json"))["images"] for t in image["repoTags"]]
    assert registry + "/pause:3.10.1" in tags, tags


def test_nodes_only_pull_from_the_mirror(host):
    text = host.file("/etc/containerd/certs.d/%s.1:5000/hosts.toml" % NETWORK).content_string
    assert 'capabilities = ["pull", "resolve"]' in text
    assert "push" not in text
    assert "skip_verify" not in text


def test_unprivileged_ports_and_icmp_are_the_lab_opt_in(host):
    cri = json.loads(host.check_output("crictl info -o json"))["config"]
    assert cri["enableUnprivilegedPorts"] is True
    assert cri["enableUnprivilegedICMP"] is True


def test_no_bootstrap_token_outlives_its_use(host):
    """Each worker's join deletes its token, and the control plane deletes the one kubeadm init made."""
    if not host.file("/etc/kubernetes/manifests/kube-apiserver.yaml").exists:
        assert not host.file("/etc/kubernetes/kubeadm-join.yaml").exists
        return
    out = host.check_output("kubeadm token list --kubeconfig /etc/kubernetes/admin.conf -o json")
    # kubeadm prints one JSON object per token, one after another.
    tokens, decoder, at = [], json.JSONDecoder(), 0
    while out[at:].strip():
        token, at = decoder.raw_decode(out, at + len(out[at:]) - len(out[at:].lstrip()))
        tokens.append(token)
    assert tokens == [], tokens

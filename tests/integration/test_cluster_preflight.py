"""The cluster preflight, for real on this machine: bad settings are refused,
each with a message naming the value, and nothing changes; good settings pass.

The inventory puts this machine (local connection) in the control-plane group;
the files repository is the offline mirror served on loopback.
"""

from __future__ import annotations

import pytest
import yaml

from helpers import REPO, run_playbook

PLAYBOOK = REPO / "playbooks/preflight.yml"
GOOD = {"kubelab_files_repo": "http://127.0.0.1:8480", "kubelab_node_network": "127.0.0.0/8"}


def local_hosts(names) -> dict:
    return {name: {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
            for name in names}


def inventory(tmp_path, control_planes=("node-a",), workers=("node-b",)):
    hosts = local_hosts
    data = {"all": {"children": {"control_plane": {"hosts": hosts(control_planes)},
                                 "workers": {"hosts": hosts(workers)}}}}
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def preflight(tmp_path, extravars=None, **groups):
    return run_playbook(PLAYBOOK, dict(GOOD, **(extravars or {})), inventory=inventory(tmp_path, **groups), timeout=300)


def test_good_settings_pass_and_change_nothing(mirror, tmp_path):
    run = preflight(tmp_path)
    assert run.rc == 0, run.failure_messages()
    assert run.changed == 0
    assert run.results("Check that the files repository has the version")


@pytest.mark.parametrize("extravars, expected", [
    ({"kubelab_pod_cidr": "10.96.0.0/16"},
     "kubelab_pod_cidr 10.96.0.0/16 overlaps kubelab_service_cidr 10.96.0.0/12"),
    ({"kubelab_pod_cidr": "127.0.0.0/16"},
     "network 127.0.0.0/8 (address 127.0.0.1) overlaps the pod CIDR 127.0.0.0/16"),
    ({"kubelab_pod_cidr": "10.244.0.1/16"}, "'10.244.0.1/16' is not an IPv4 CIDR"),
    ({"kubelab_kubernetes_version": "v1.35.99"}, "Kubernetes v1.35.99 is not in the files repository http://127.0.0.1:8480"),
    ({"kubelab_kubernetes_version": "1.35"}, "kubelab_kubernetes_version '1.35' must be a release tag like v1.35.4"),
    ({"cluster_preflight_min_memory_mb": 10_000_000}, "kubeadm needs at least 2 CPUs and 10000000 MiB here"),
    ({"cluster_preflight_min_cpus_control_plane": 64}, "kubeadm needs at least 64 CPUs"),
    ({"kubelab_node_network": "172.31.255.0/24"}, "is in the network 172.31.255.0/24"),
])
def test_bad_settings_are_refused_by_name(mirror, tmp_path, extravars, expected):
    run = preflight(tmp_path, extravars)
    assert run.rc != 0
    assert any(expected in message for message in run.failure_messages()), run.failure_messages()
    assert run.changed == 0


def test_a_missing_control_plane_is_refused(mirror, tmp_path):
    run = preflight(tmp_path, control_planes=())
    assert run.rc != 0
    assert any("the control-plane group 'control_plane' has no host" in m for m in run.failure_messages()), \
        run.failure_messages()


def test_several_control_planes_need_an_endpoint(mirror, tmp_path):
    run = preflight(tmp_path, control_planes=("node-a", "node-c"))
    assert run.rc != 0
    assert any("has 2 hosts (node-a, node-c) but kubelab_control_plane_endpoint is empty" in m
               for m in run.failure_messages()), run.failure_messages()
    run = preflight(tmp_path, {"kubelab_control_plane_endpoint": "cp.example.test:6443"}, control_planes=("node-a", "node-c"))
    assert run.rc == 0, run.failure_messages()


@pytest.mark.parametrize("playbook, variable", [
    ("playbooks/control_plane.yml", "control_plane_ignore_preflight_errors"),
    ("playbooks/workers.yml", "worker_ignore_preflight_errors"),
])
def test_skipping_every_kubeadm_check_is_refused(tmp_path, playbook, variable):
    run = run_playbook(REPO / playbook, dict(GOOD, **{variable: ["Swap", "ALL"]}),
                       inventory=inventory(tmp_path, control_planes=("node-a",), workers=("node-a",)), timeout=300)
    assert run.rc != 0
    assert any("%s ['Swap', 'ALL'] skips every kubeadm preflight check" % variable in m for m in run.failure_messages()), \
        run.failure_messages()
    assert run.changed == 0

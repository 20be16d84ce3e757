"""The cluster preflight, for real on this machine: bad settings are refused,
each with a message naming the value, and nothing changes; good settings pass.

The inventory puts this machine (local connection) in the control-plane group;
the files repository is the offline mirror served on loopback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpers import REPO, run_playbook

PLAYBOOK = REPO / "playbooks/preflight.yml"
ROLE_PLAYBOOK = REPO / "tests/playbooks/role.yml"
# This machine runs cgroup v1, which the roles refuse unless allowed.
GOOD = {"kubelab_files_repo": "http://127.0.0.1:8480", "kubelab_node_network": "127.0.0.0/8", "kubelab_allow_cgroup_v1": True}
# For refusals that need no files repository: the role does not ask it.
NO_REPO_LOOKUP = {"cluster_preflight_check_files_repo": False}


def local_hosts(names) -> dict:
    return {name: {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
            for name in names}


def inventory(tmp_path, control_planes=("node-a",), workers=("node-b",), host_vars=None):
    hosts = local_hosts
    data = {"all": {"hosts": host_vars or {},
                    "children": {"control_plane": {"hosts": hosts(control_planes)},
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


def test_an_even_number_of_control_planes_is_refused(tmp_path):
    run = preflight(tmp_path, dict(NO_REPO_LOOKUP, kubelab_api_vip="127.0.0.9"), control_planes=("node-a", "node-c"))
    assert run.rc != 0
    assert any("the control-plane group 'control_plane' has 2 hosts (node-a, node-c)" in m
               and "Use 1, 3 or 5 control planes" in m for m in run.failure_messages()), run.failure_messages()
    assert run.changed == 0


THREE = ("node-a", "node-c", "node-d")


@pytest.mark.parametrize("extravars, expected", [
    ({}, "no load balancer is run for them (kubelab_api_vip is empty):"),
    ({"kubelab_control_plane_endpoint": "cp.example.test:6443"},
     "no load balancer is run for them (kubelab_api_vip is empty), and kubelab_control_plane_endpoint "
     "cp.example.test:6443 is not an endpoint the collection runs"),
    ({"kubelab_api_vip": "127.0.0.9", "kubelab_control_plane_endpoint": "cp.example.test:6443"},
     "kubelab_control_plane_endpoint cp.example.test:6443 is not the load balancer the collection runs "
     "(kubelab_api_vip 127.0.0.9, port 8443)"),
])
def test_several_control_planes_need_the_load_balancer(tmp_path, extravars, expected):
    run = preflight(tmp_path, dict(NO_REPO_LOOKUP, **extravars), control_planes=THREE)
    assert run.rc != 0
    assert any("the control-plane group 'control_plane' has 3 hosts (node-a, node-c, node-d)" in m and expected in m
               for m in run.failure_messages()), run.failure_messages()
    assert run.changed == 0


@pytest.mark.parametrize("vip", ["127.0.0.1", "127.0.0", "vip.example.test"])
def test_a_virtual_address_that_is_taken_or_no_address_is_refused(tmp_path, vip):
    run = preflight(tmp_path, dict(NO_REPO_LOOKUP, kubelab_api_vip=vip), control_planes=THREE)
    assert run.rc != 0
    assert any("kubelab_api_vip '%s' must be an IPv4 address of the nodes' network that no node has "
               "(the nodes have 127.0.0.1" % vip in m for m in run.failure_messages()), run.failure_messages()
    assert run.changed == 0


def test_three_control_planes_behind_the_load_balancer_pass(mirror, tmp_path):
    run = preflight(tmp_path, {"kubelab_api_vip": "127.0.0.9"}, control_planes=THREE)
    assert run.rc == 0, run.failure_messages()
    assert run.changed == 0


def test_a_host_in_both_groups_is_refused(tmp_path):
    run = preflight(tmp_path, NO_REPO_LOOKUP, control_planes=("node-a",), workers=("node-a", "node-b"))
    assert run.rc != 0
    assert any("node-a is in both the control-plane group 'control_plane' and the worker group 'workers'" in m
               and "put each host in one of the two groups" in m for m in run.failure_messages()), run.failure_messages()
    assert run.changed == 0


def test_a_node_of_another_os_family_is_refused(tmp_path):
    extravars = dict(GOOD, test_role="kubelab.cluster.cluster_preflight", test_hosts="control_plane:workers", **NO_REPO_LOOKUP)
    debian = run_playbook(ROLE_PLAYBOOK, extravars, inventory=inventory(tmp_path), timeout=300)
    assert debian.rc == 0, debian.failure_messages()

    # node-b reports the facts of a CentOS Stream 9 machine; node-a keeps this machine's own.
    centos = {"os_family": "RedHat", "distribution": "CentOS", "distribution_version": "9",
              "distribution_major_version": "9", "pkg_mgr": "dnf"}
    run = run_playbook(ROLE_PLAYBOOK, extravars, inventory=inventory(tmp_path, host_vars={"node-b": {"test_facts": centos}}),
                       timeout=300)
    assert run.rc != 0
    assert any("node-b runs CentOS 9 (RedHat family)" in m and "use Debian or Ubuntu on every node" in m
               for m in run.failure_messages()), run.failure_messages()
    checked = run.results("Check that the node runs a Debian-family system")
    assert sorted(bool(r.get("failed")) for r in checked) == [False, True]
    assert run.changed == 0


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


def test_a_cgroup_v1_node_is_refused_unless_allowed(tmp_path):
    assert not Path("/sys/fs/cgroup/cgroup.controllers").exists(), "this test needs a cgroup v1 host"
    extravars = dict(GOOD, kubelab_allow_cgroup_v1=False, test_role="kubelab.cluster.cluster_preflight",
                     test_hosts="control_plane:workers", **NO_REPO_LOOKUP)
    run = run_playbook(ROLE_PLAYBOOK, extravars, inventory=inventory(tmp_path), timeout=300)
    assert run.rc != 0
    assert any("node-a runs cgroup v1" in m and "set kubelab_allow_cgroup_v1 true" in m for m in run.failure_messages()), \
        run.failure_messages()
    assert run.changed == 0


def per_host(run, task_name: str) -> dict:
    """Host name to result of the task whose name ends with task_name."""
    out: dict = {}
    for play in run.plays:
        for task in play.get("tasks", []):
            if task["task"]["name"].split(" : ", 1)[-1] == task_name:
                out.update(task["hosts"])
    return out


def test_check_mode_on_three_fresh_control_planes_inits_the_first_and_joins_the_others(tmp_path):
    # No load balancer here (it needs systemd); the control_plane role alone, in check mode, on fresh hosts.
    run = run_playbook(REPO / "playbooks/control_plane.yml", GOOD, check=True,
                       inventory=inventory(tmp_path, control_planes=THREE, workers=()), timeout=300)
    assert run.rc == 0, run.failure_messages()
    init = per_host(run, "Run kubeadm init")
    assert init["node-a"].get("changed") is True, init
    assert [init[h].get("skipped") for h in ("node-c", "node-d")] == [True, True], init
    joins = per_host(run, "Join the control plane of a built one")
    assert sorted(joins) == ["node-a", "node-c", "node-d"] and joins["node-a"].get("skipped") is True, joins
    assert not any(joins[h].get("skipped") for h in ("node-c", "node-d")), joins


def test_a_control_plane_that_is_not_first_does_not_start_a_cluster(tmp_path):
    extravars = dict(GOOD, test_role="kubelab.cluster.control_plane", test_hosts="node-c")
    run = run_playbook(ROLE_PLAYBOOK, extravars, inventory=inventory(tmp_path, control_planes=THREE, workers=()),
                       timeout=300)
    assert run.rc != 0
    assert any("no control plane of the group 'control_plane' is built yet, and node-c is not its first host (node-a)" in m
               for m in run.failure_messages()), run.failure_messages()
    assert run.changed == 0

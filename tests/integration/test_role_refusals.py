"""The roles' own refusals, for real on this machine (local connection): each bad
value stops its role at the check, with a message naming the value, before any
change. None of these needs the offline mirror.

Wherever a role would go on to the network, its sources point at a closed
loopback port or a path under the test's directory, so that a refusal that
stopped working could not change this machine either.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import REPO, run_playbook

ROLE = REPO / "tests/playbooks/role.yml"
CLOSED = "http://127.0.0.1:9"
FREEBSD = {"system": "FreeBSD", "os_family": "FreeBSD", "distribution": "FreeBSD", "distribution_version": "14.3"}


def cluster_inventory(tmp_path: Path) -> Path:
    """This machine as node-a, the one host of the control-plane group."""
    node = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    data = {"all": {"children": {"control_plane": {"hosts": {"node-a": node}}, "workers": {"hosts": {}}}}}
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def assert_refused(run, *expected: str) -> None:
    """The run failed, one failure message holds every expected text, and nothing changed."""
    assert run.rc != 0
    messages = run.failure_messages()
    assert any(all(text in message for text in expected) for message in messages), messages
    assert run.changed == 0


# kubernetes_node: "Check the node inputs", before the node facts, the apt task and the downloads.
@pytest.mark.parametrize("extra, expected", [
    ({"kubernetes_node_version": "1.35"}, ["kubernetes_node_version '1.35'", "must be release tags like v1.35.4"]),
    ({"kubernetes_node_cni_plugins_version": "latest"}, ["kubernetes_node_cni_plugins_version 'latest'"]),
    ({"kubernetes_node_files_repo": "ftp://files.example.test"}, ["'ftp://files.example.test'", "http(s) URLs"]),
    ({"kubernetes_node_cni_plugins_repo": "files.example.test/cni"}, ["'files.example.test/cni'", "http(s) URLs"]),
    ({"test_facts": {"architecture": "s390x"}}, ["architecture (s390x) one of x86_64, amd64, aarch64, arm64"]),
    ({"kubernetes_node_crictl_repo": "ftp://files.example.test"}, ["'ftp://files.example.test'", "http(s) URLs"]),
])
def test_node_inputs_are_refused(tmp_path, extra, expected):
    extravars = {"test_role": "kubelab.cluster.kubernetes_node", "kubernetes_node_install_dir": str(tmp_path / "bin"),
                 "kubernetes_node_files_repo": CLOSED, "kubernetes_node_cni_plugins_repo": CLOSED,
                 "kubernetes_node_crictl_repo": CLOSED, "kubernetes_node_packages": ["kubelab-no-such-package"]}
    extravars.update(extra)
    run = run_playbook(ROLE, extravars, timeout=300)
    assert_refused(run, *expected)
    assert run.results("Check the node inputs")[0]["failed"]


# containerd: "Check the registry settings", before the apt task.
@pytest.mark.parametrize("extra, expected", [
    ({"containerd_registry_mirrors": {"docker.io": ["mirror.example.test"]}},
     ["registry mirrors must be http(s) URLs ({'docker.io': ['mirror.example.test']})"]),
    ({"containerd_plain_http_registries": ["http://10.0.0.1:5000"]},
     ["plain-HTTP registries bare host[:port] names (['http://10.0.0.1:5000'])"]),
])
def test_registry_settings_are_refused(tmp_path, extra, expected):
    extravars = dict(extra, containerd_package="kubelab-no-such-package", containerd_config_dir=str(tmp_path / "etc"))
    run = run_playbook(REPO / "playbooks/nodes.yml", extravars, inventory=cluster_inventory(tmp_path), timeout=300)
    assert_refused(run, *expected)
    assert not run.results("Check the node inputs"), "kubernetes_node ran after containerd refused"


# flannel: "Check the flannel settings", before the manifest is applied.
@pytest.mark.parametrize("extra, expected", [
    ({"flannel_network": "10.245.0.0/16", "flannel_interfaces": ["eth0"]},
     ["flannel_network 10.245.0.0/16 must equal the cluster's pod CIDR 10.244.0.0/16"]),
    # No flannel_interfaces, and no node that kubernetes_node has set up.
    ({}, ["the interface list ([]) must not be empty", "run kubernetes_node on the nodes first or set flannel_interfaces"]),
])
def test_flannel_settings_are_refused(tmp_path, extra, expected):
    extravars = dict(extra, kubelab_kubeconfig=str(tmp_path / "no-such-kubeconfig"))
    run = run_playbook(REPO / "playbooks/flannel.yml", extravars, inventory=cluster_inventory(tmp_path), timeout=300)
    assert_refused(run, *expected)


# workloads: its preflight, before anything is created in the cluster.
def test_a_service_without_its_deployment_is_refused(tmp_path):
    run = run_playbook(REPO / "playbooks/workloads.yml",
                       {"workloads_sections": ["pod", "service"], "workloads_kubeconfig": str(tmp_path / "no-such-kubeconfig")},
                       inventory=cluster_inventory(tmp_path), timeout=300)
    assert_refused(run, "workloads_sections=['pod', 'service']: the service exposes the Deployment; add deployment")
    assert not run.results("Create the nginx Pod")


def test_kubectl_refuses_an_os_without_builds(tmp_path):
    run = run_playbook(ROLE, {"test_role": "kubelab.cluster.kubectl", "test_facts": FREEBSD,
                              "kubectl_files_repo": CLOSED, "kubectl_install_dir": str(tmp_path)}, timeout=300)
    assert_refused(run, "kubectl is installed on Linux and Darwin hosts; localhost runs FreeBSD.")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("extra, expected", [
    ({"minikube_files_repo": "ftp://mirror.example.test/minikube"}, "minikube_files_repo 'ftp://mirror.example.test/minikube'"),
    ({"minikube_files_repo": "mirror.example.test/minikube"}, "minikube_files_repo 'mirror.example.test/minikube'"),
    ({"minikube_binary_mirror": "file:///srv/files"}, "minikube_binary_mirror 'file:///srv/files'"),
])
def test_minikube_refuses_a_repository_that_is_not_http(tmp_path, extra, expected):
    extravars = {"minikube_files_repo": CLOSED, "minikube_install_dir": str(tmp_path), "minikube_profile_state": "unmanaged"}
    extravars.update(extra)
    run = run_playbook(REPO / "tests/playbooks/minikube.yml", extravars, timeout=300)
    assert_refused(run, expected, "must be http:// or https:// URLs")
    assert list(tmp_path.iterdir()) == []


def test_minikube_refuses_an_os_without_builds(tmp_path):
    run = run_playbook(ROLE, {"test_role": "kubelab.cluster.minikube", "test_facts": FREEBSD, "minikube_files_repo": CLOSED,
                              "minikube_install_dir": str(tmp_path), "minikube_profile_state": "unmanaged"}, timeout=300)
    assert_refused(run, "minikube is installed on Linux and Darwin hosts; localhost runs FreeBSD.")
    assert list(tmp_path.iterdir()) == []


def minikube_as_root(tmp_path: Path, driver: str, extra_args: list[str]):
    """The minikube role asked to start a profile; the tests run as root."""
    assert os.geteuid() == 0, "these tests run the role as root"
    return run_playbook(REPO / "tests/playbooks/minikube.yml",
                        {"minikube_files_repo": CLOSED + "/releases", "minikube_install_dir": str(tmp_path),
                         "minikube_profile_state": "started", "minikube_driver": driver,
                         "minikube_extra_args": extra_args}, timeout=300)


@pytest.mark.parametrize("extra_args", [["--force"], ["--force=true"], ["--v=2", "--force=1"]])
def test_force_does_not_run_the_docker_driver_as_root(tmp_path, extra_args):
    run = minikube_as_root(tmp_path, "docker", extra_args)
    forced = [arg for arg in extra_args if arg.startswith("--force")]
    assert_refused(run, "minikube's docker driver does not run as root, and this play runs as root on localhost; "
                        "minikube_extra_args %s would make minikube go on anyway" % forced,
                   "use minikube_driver 'none' as root")
    assert list(tmp_path.iterdir()) == []


def test_force_stays_allowed_with_the_none_driver(tmp_path):
    run = minikube_as_root(tmp_path, "none", ["--force"])
    assert [r.get("failed", False) for r in run.results("Check that the docker driver is not asked to run as root")] == [False]
    # Past the checks, the role goes on to the download, from a port where nothing listens.
    assert_refused(run, "cannot download %s/releases/" % CLOSED)
    assert list(tmp_path.iterdir()) == []


def mirror_preflight(tmp_path: Path, **extra):
    """playbooks/mirror.yml with the cache and the served tree under tmp_path; were the port checks to
    let a bad value through, the free-space check right after them would still stop the run."""
    extravars = {"mirror_cache_dir": str(tmp_path / "cache"), "mirror_root": str(tmp_path / "root"),
                 "mirror_min_free_gb": 1000000}
    extravars.update(extra)
    return run_playbook(REPO / "playbooks/mirror.yml", extravars, timeout=300)


@pytest.mark.parametrize("extra, named", [
    ({"mirror_files_port": 18480, "mirror_registry_port": 18480}, "mirror_files_port 18480"),
    ({"mirror_files_port": 0}, "mirror_files_port 0"),
    ({"mirror_registry_port": 65536}, "mirror_registry_port 65536"),
])
def test_mirror_refuses_ports_that_clash_or_do_not_exist(tmp_path, extra, named):
    run = mirror_preflight(tmp_path, **extra)
    assert_refused(run, named, "different ports between 1 and 65535")
    assert not (tmp_path / "cache").exists() and not (tmp_path / "root").exists()


@pytest.fixture
def port_holder(tmp_path):
    """A program that is not the mirror's (its name is neither python3 nor docker-registry) listening on a port."""
    program = tmp_path / "port-holder"
    program.symlink_to(os.path.realpath(sys.executable))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', %d)); s.listen(); print(flush=True); time.sleep(600)"
    proc = subprocess.Popen([str(program), "-c", code % port], stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    yield port
    proc.kill()
    proc.wait()


def test_mirror_names_the_program_on_its_files_port(tmp_path, port_holder):
    run = mirror_preflight(tmp_path, mirror_files_port=port_holder)
    assert_refused(run, "port %d (mirror_files_port) is in use by another program" % port_holder, '"port-holder"',
                   "stop it or choose another port")
    assert not (tmp_path / "cache").exists() and not (tmp_path / "root").exists()

from __future__ import annotations

import json

import pytest

from ansible_collections.kubelab.cluster.plugins.modules import minikube_profile
from ansible_collections.kubelab.cluster.plugins.modules.minikube_profile import (
    MinikubeProfile,
    differences,
    is_running,
    requested_settings,
    start_command,
)

BASE = {
    "name": "lab", "driver": "docker", "container_runtime": "containerd", "kubernetes_version": "v1.35.4",
    "image_repository": "10.0.0.1:5000", "image_mirror_country": "", "registry_mirror": ["http://10.0.0.1:5000"],
    "binary_mirror": "", "cpus": 2, "memory": 4096, "extra_args": ["--alsologtostderr"], "minikube_binary": "/usr/local/bin/minikube",
}
CONFIG = {
    "Driver": "docker", "CPUs": 2, "Memory": 4096, "RegistryMirror": ["http://10.0.0.1:5000"], "BinaryMirror": "",
    "KubernetesConfig": {"KubernetesVersion": "v1.35.4", "ContainerRuntime": "containerd",
                         "ImageRepository": "10.0.0.1:5000"},
}


def test_start_command_carries_every_requested_setting():
    cmd = start_command(BASE, requested_settings(BASE))
    assert cmd == [
        "/usr/local/bin/minikube", "start", "-p", "lab", "--driver=docker", "--container-runtime=containerd",
        "--kubernetes-version=v1.35.4", "--image-repository=10.0.0.1:5000",
        "--registry-mirror=http://10.0.0.1:5000", "--cpus=2", "--memory=4096mb", "--alsologtostderr",
    ]


def test_the_image_mirror_country_is_passed_but_not_compared():
    # minikube records the repository it chose, not the country: nothing to compare it with
    params = dict(BASE, image_mirror_country="cn")
    assert "--image-mirror-country=cn" in start_command(params, requested_settings(params))
    assert differences(CONFIG, requested_settings(params)) == {}


def test_none_driver_drops_cpus_and_memory_and_empty_values():
    params = dict(BASE, driver="none", image_repository="", registry_mirror=[])
    wanted = requested_settings(params)
    assert "cpus" not in wanted and "memory" not in wanted
    assert "image_repository" not in wanted and "registry_mirror" not in wanted


def test_same_settings_have_no_differences():
    assert differences(CONFIG, requested_settings(BASE)) == {}


def test_changed_settings_are_named():
    wanted = requested_settings(dict(BASE, driver="none", kubernetes_version="v1.36.3"))
    assert differences(CONFIG, wanted) == {
        "driver": {"current": "docker", "requested": "none"},
        "kubernetes_version": {"current": "v1.35.4", "requested": "v1.36.3"},
    }


def test_running_means_host_and_apiserver_running():
    assert is_running({"Host": "Running", "Kubelet": "Running", "APIServer": "Running"})
    assert not is_running({"Host": "Stopped", "Kubelet": "Stopped", "APIServer": "Stopped"})
    assert not is_running({"Host": "Running", "APIServer": "Stopped"})
    assert not is_running({})
    assert is_running([{"Host": "Running", "APIServer": "Running"}, {"Host": "Running", "Worker": True}])


class FailingStart:
    """Enough of AnsibleModule for a start whose minikube command fails."""

    check_mode = False

    def __init__(self):
        self.params = {"minikube_binary": "minikube", "name": "minikube", "state": "started", "driver": "none",
                       "container_runtime": "", "kubernetes_version": "", "image_repository": "", "image_mirror_country": "",
                       "registry_mirror": [],
                       "binary_mirror": "", "cpus": 0, "memory": 0, "extra_args": [], "recreate": False}

    def run_command(self, cmd):
        if cmd[1] == "profile":
            return 0, '{"valid": [], "invalid": []}', ""
        return 80, "", "X Exiting due to K8S_FAIL: kubeadm init failed"

    def fail_json(self, **kwargs):
        raise RuntimeError(kwargs)

    def exit_json(self, **kwargs):
        raise AssertionError("a failing start must not exit normally: %r" % kwargs)


def test_a_failing_command_is_reported_with_its_output_and_the_command():
    with pytest.raises(RuntimeError) as caught:
        MinikubeProfile(FailingStart()).run()
    report = caught.value.args[0]
    assert "minikube start -p minikube failed (exit 80)" in report["msg"]
    assert "kubeadm init failed" in report["msg"]
    assert report["command"][:2] == ["minikube", "start"]
    assert report["operation"] == "start"


@pytest.fixture
def fake_minikube(tmp_path):
    """A minikube command that knows one running profile ``lab`` (CONFIG) and logs any command that would act."""
    log = tmp_path / "acted.log"
    script = tmp_path / "minikube"
    profiles = {"valid": [{"Name": "lab", "Status": "Running", "Config": CONFIG}], "invalid": []}
    script.write_text("""#!/bin/sh
case "$1" in
  profile) cat <<'JSON'
%s
JSON
  ;;
  status) echo '{"Name": "lab", "Host": "Running", "Kubelet": "Running", "APIServer": "Running"}' ;;
  *) echo "$@" >> %s; exit 1 ;;
esac
""" % (json.dumps(profiles), log))
    script.chmod(0o755)
    return script, log


def profile_args(binary, **extra):
    return dict({"name": "lab", "driver": "docker", "kubernetes_version": "v1.36.3", "cpus": 4, "memory": 4096,
                 "minikube_binary": str(binary)}, **extra)


def test_a_profile_with_other_settings_is_refused_naming_each_difference(run_module, fake_minikube):
    binary, log = fake_minikube
    result = run_module(minikube_profile.main, profile_args(binary))
    assert result["failed"] is True
    assert result["msg"] == ("profile lab exists with other settings (kubernetes_version is 'v1.35.4', requested "
                             "'v1.36.3'; cpus is 2, requested 4); delete it first or set recreate=true")
    assert result["differences"] == {"kubernetes_version": {"current": "v1.35.4", "requested": "v1.36.3"},
                                     "cpus": {"current": 2, "requested": 4}}
    assert (result["changed"], result["operation"]) == (False, "none")
    assert not log.exists()


def test_a_profile_with_other_settings_and_recreate_is_deleted_and_started_again(run_module, fake_minikube):
    binary, log = fake_minikube
    planned = run_module(minikube_profile.main, profile_args(binary, recreate=True), check_mode=True)
    assert (planned["failed"], planned["changed"], planned["operation"]) == (False, True, "recreate")
    assert sorted(planned["differences"]) == ["cpus", "kubernetes_version"]
    assert not log.exists()


def test_a_running_profile_with_the_same_settings_is_left_alone(run_module, fake_minikube):
    binary, log = fake_minikube
    result = run_module(minikube_profile.main, profile_args(binary, kubernetes_version="v1.35.4", cpus=2))
    assert (result["failed"], result["changed"], result["operation"], result["differences"]) == (False, False, "none", {})
    assert not log.exists()

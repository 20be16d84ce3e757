"""The collection as users get it: built, installed, and used by FQCN from a clean directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

from helpers import REPO


def test_build_install_and_run_a_role_by_fqcn(files_repo, tmp_path):
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    # As a user would: no settings from this checkout.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(tmp_path), str(REPO)],
                   cwd=tmp_path, env=env, check=True, capture_output=True)
    tarball = tmp_path / ("kubelab-cluster-%s.tar.gz" % version)
    assert tarball.is_file()
    collections = tmp_path / "collections"
    subprocess.run(["ansible-galaxy", "collection", "install", "--offline", "--no-deps", "-p", str(collections), str(tarball)],
                   cwd=tmp_path, env=env, check=True, capture_output=True)
    installed = collections / "ansible_collections" / "kubelab" / "cluster"
    manifest = json.loads((installed / "MANIFEST.json").read_text())
    assert manifest["collection_info"]["version"] == version
    assert manifest["collection_info"]["dependencies"] == {"kubernetes.core": ">=5.0.0,<7.0.0"}
    assert not (installed / ".collections").exists()

    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "play.yml").write_text(yaml.safe_dump([{
        "name": "Use the installed collection",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": True,
        "roles": [{"role": "kubelab.cluster.kubectl"}],
    }]))
    install_dir = tmp_path / "bin"
    install_dir.mkdir()
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    proc = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "play.yml", "-e",
         json.dumps({"kubectl_version": "v1.36.4", "kubectl_files_repo": files_repo + "/kubernetes",
                     "kubectl_install_dir": str(install_dir), "ansible_python_interpreter": sys.executable})],
        cwd=work, env=env, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert json.loads(proc.stdout)["stats"]["localhost"]["changed"] == 1
    out = subprocess.run([str(install_dir / "kubectl"), "version", "--client"], capture_output=True, text=True, check=True)
    assert "v1.36.4" in out.stdout

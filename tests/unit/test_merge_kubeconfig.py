"""lab/merge_kubeconfig.py: the lab's context in ~/.kube/config, other contexts never touched, a backup kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

SCRIPT = Path(__file__).resolve().parents[2] / "lab/merge_kubeconfig.py"
LAB = {"apiVersion": "v1", "kind": "Config", "current-context": "kubernetes-admin@kubelab",
       "clusters": [{"name": "kubelab", "cluster": {"server": "https://192.168.56.10:6443", "certificate-authority-data": "Q0E="}}],
       "users": [{"name": "kubernetes-admin", "user": {"client-certificate-data": "Q0VSVA==", "client-key-data": "S0VZ"}}],
       "contexts": [{"name": "kubernetes-admin@kubelab", "context": {"cluster": "kubelab", "user": "kubernetes-admin"}}]}
OTHER = {"apiVersion": "v1", "kind": "Config", "current-context": "work",
         "clusters": [{"name": "work", "cluster": {"server": "https://k8s.example.test"}}],
         "users": [{"name": "me", "user": {"token": "t"}}],
         "contexts": [{"name": "work", "context": {"cluster": "work", "user": "me"}}]}


def run(*args: str) -> str:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=True).stdout.strip()


def test_the_lab_context_is_added_beside_the_others_with_a_backup(tmp_path):
    lab, target = tmp_path / "kubelab.conf", tmp_path / "config"
    lab.write_text(yaml.safe_dump(LAB))
    target.write_text(yaml.safe_dump(OTHER))
    assert run("add", str(lab), str(target)) == "changed"
    merged = yaml.safe_load(target.read_text())
    assert merged["current-context"] == "work"
    assert [c["name"] for c in merged["contexts"]] == ["work", "kubelab"]
    assert merged["contexts"][1]["context"] == {"cluster": "kubelab", "user": "kubelab"}
    assert merged["clusters"][1]["cluster"]["server"] == "https://192.168.56.10:6443"
    assert merged["users"][0] == OTHER["users"][0]
    assert yaml.safe_load(Path(str(target) + ".kubelab-backup").read_text()) == OTHER
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert run("add", str(lab), str(target)) == "unchanged"


def test_a_new_config_gets_the_lab_as_current_context(tmp_path):
    lab, target = tmp_path / "kubelab.conf", tmp_path / "kube" / "config"
    lab.write_text(yaml.safe_dump(LAB))
    assert run("add", str(lab), str(target)) == "changed"
    assert yaml.safe_load(target.read_text())["current-context"] == "kubelab"


def test_remove_takes_out_only_the_lab(tmp_path):
    lab, target = tmp_path / "kubelab.conf", tmp_path / "config"
    lab.write_text(yaml.safe_dump(LAB))
    target.write_text(yaml.safe_dump(OTHER))
    run("add", str(lab), str(target))
    assert run("remove", str(target)) == "changed"
    assert yaml.safe_load(target.read_text()) == OTHER
    assert run("remove", str(target)) == "unchanged"

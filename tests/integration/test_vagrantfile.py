"""The Vagrantfile's settings: machines it defines, and input it refuses (via `vagrant status`)."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from helpers import REPO


def vagrant_status(**env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("KUBELAB_", "VAGRANT_DEFAULT"))}
    full["VAGRANT_DEFAULT_PROVIDER"] = "docker"
    full.update(env)
    return subprocess.run(["vagrant", "status", "--machine-readable"], cwd=REPO, env=full,
                          capture_output=True, text=True, timeout=120, check=False)


def machines(out: str) -> list[str]:
    return sorted({m.group(1) for m in re.finditer(r"^\d+,([\w-]+),state,", out, re.M)})


@pytest.mark.parametrize("workers, expected", [
    ("0", ["k8s-master"]),
    ("2", ["k8s-master", "k8s-node01", "k8s-node02"]),
    ("3", ["k8s-master", "k8s-node01", "k8s-node02", "k8s-node03"]),
])
def test_one_control_plane_and_n_workers(workers, expected):
    proc = vagrant_status(KUBELAB_WORKERS=workers)
    assert proc.returncode == 0, proc.stderr
    assert machines(proc.stdout) == expected


def test_three_control_planes():
    proc = vagrant_status(KUBELAB_CONTROL_PLANES="3", KUBELAB_WORKERS="1")
    assert proc.returncode == 0, proc.stderr
    assert machines(proc.stdout) == ["k8s-master", "k8s-master02", "k8s-master03", "k8s-node01"]


def test_two_workers_by_default():
    proc = vagrant_status()
    assert machines(proc.stdout) == ["k8s-master", "k8s-node01", "k8s-node02"]


@pytest.mark.parametrize("env, message", [
    ({"KUBELAB_WORKERS": "-1"}, "KUBELAB_WORKERS=-1 is out of range; use 0 to 9"),
    ({"KUBELAB_WORKERS": "40"}, "KUBELAB_WORKERS=40 is out of range; use 0 to 9"),
    ({"KUBELAB_WORKERS": "two"}, 'KUBELAB_WORKERS="two" is not a whole number'),
    ({"KUBELAB_CONTROL_PLANES": "2"}, "KUBELAB_CONTROL_PLANES=2: two etcd members survive no loss; use 1 or 3"),
    ({"KUBELAB_CONTROL_PLANES": "5"}, "KUBELAB_CONTROL_PLANES=5 is out of range; use 1 to 3"),
    ({"KUBELAB_MEMORY": "512"}, "KUBELAB_MEMORY=512 is out of range; use 1700 to"),
    ({"KUBELAB_NETWORK": "10.244.7"}, "the private network 10.244.7.0/24 overlaps the pod CIDR 10.244.0.0/16"),
    ({"KUBELAB_NETWORK": "10.100.0"}, "the private network 10.100.0.0/24 overlaps the service CIDR 10.96.0.0/12"),
    ({"KUBELAB_NETWORK": "192.168.300"}, 'KUBELAB_NETWORK="192.168.300" is not the first three octets'),
    ({"VAGRANT_DEFAULT_PROVIDER": "hyperv"}, 'provider "hyperv" is not supported by the lab; use one of virtualbox, libvirt, docker'),
])
def test_bad_settings_are_refused_with_the_value_named(env, message):
    proc = vagrant_status(**env)
    assert proc.returncode != 0
    assert message in proc.stderr + proc.stdout

from __future__ import annotations

import os

import pytest

from ansible_collections.kubelab.cluster.plugins.modules import vagrant_machines
from ansible_collections.kubelab.cluster.plugins.modules.vagrant_machines import needs_action, ssh_data


@pytest.mark.parametrize("state, current, expected", [
    ("running", "running", False), ("running", "not_created", True), ("running", "stopped", True),
    ("halted", "running", True), ("halted", "stopped", False), ("halted", "not_created", False),
    ("absent", "not_created", False), ("absent", "running", True), ("absent", "stopped", True),
])
def test_needs_action(state, current, expected):
    assert needs_action(state, current) is expected


def test_ssh_data_from_ssh_config():
    conf = {"HostName": "172.17.0.2", "User": "vagrant", "Port": "22",
            "IdentityFile": '"/root/.vagrant.d/insecure_private_key"'}
    assert ssh_data(conf) == {"host": "172.17.0.2", "port": 22, "user": "vagrant",
                              "identity_file": "/root/.vagrant.d/insecure_private_key"}


STATUS = """1700000000,k8s-master,metadata,provider,docker
1700000000,k8s-master,provider-name,docker
1700000000,k8s-master,state,running
1700000000,k8s-node01,metadata,provider,docker
1700000000,k8s-node01,provider-name,docker
1700000000,k8s-node01,state,not_created
1700000000,,ui,info,Current machine states:
"""


@pytest.fixture
def fake_vagrant(tmp_path, monkeypatch):
    """A vagrant command on PATH that knows two machines and logs every call."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "vagrant-calls.log"
    script = bindir / "vagrant"
    script.write_text("""#!/bin/sh
echo "$@" >> %s
if [ "$1" = status ]; then
  cat <<'EOF'
%sEOF
  exit 0
fi
exit 1
""" % (log, STATUS))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", "%s%s%s" % (bindir, os.pathsep, os.environ.get("PATH", "")))
    root = tmp_path / "lab"
    root.mkdir()
    return root, log


def test_a_root_without_vagrantfile_is_refused_naming_it(run_module, fake_vagrant):
    root, log = fake_vagrant
    result = run_module(vagrant_machines.main, {"root": str(root)})
    assert result["failed"] is True
    assert result["msg"] == "%s has no Vagrantfile; set root to the directory that holds the lab's Vagrantfile" % root
    assert not log.exists()
    assert list(root.iterdir()) == []


def test_an_unknown_machine_is_refused_naming_the_machines_there_are(run_module, fake_vagrant):
    root, log = fake_vagrant
    (root / "Vagrantfile").write_text("# machines k8s-master and k8s-node01\n")
    result = run_module(vagrant_machines.main, {"root": str(root), "machines": ["k8s-node01", "k8s-node09"]})
    assert result["failed"] is True
    assert result["msg"] == "the Vagrantfile defines no machine named k8s-node09; it defines k8s-master, k8s-node01"
    assert log.read_text().splitlines() == ["status --machine-readable"]


def test_the_same_fake_answers_a_known_machine_in_check_mode_without_acting(run_module, fake_vagrant):
    """The refusal above is the module's, not the fake's: a known machine is planned for."""
    root, log = fake_vagrant
    (root / "Vagrantfile").write_text("# machines k8s-master and k8s-node01\n")
    result = run_module(vagrant_machines.main, {"root": str(root), "machines": ["k8s-node01"]}, check_mode=True)
    assert (result["failed"], result["changed"], result["changed_machines"]) == (False, True, ["k8s-node01"])
    assert result["machines"] == [{"name": "k8s-node01", "state": "not_created", "provider": "docker"}]
    assert log.read_text().splitlines() == ["status --machine-readable"]

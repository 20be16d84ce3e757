from __future__ import annotations

import pytest

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

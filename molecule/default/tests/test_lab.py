"""pytest-testinfra checks of the lab machines (run by verify.yml)."""

from __future__ import annotations

import os

NETWORK = os.environ.get("KUBELAB_LAB_NETWORK", "192.168.56")
ADDRESSES = {"k8s-master": NETWORK + ".10", "k8s-node01": NETWORK + ".11", "k8s-node02": NETWORK + ".12"}


def name_of(host) -> str:
    return host.check_output("hostname")


def test_systemd_boots_the_machine(host):
    state = host.check_output("systemctl is-system-running || true")
    assert state == "running", host.check_output("systemctl --failed --no-legend --plain || true")
    assert host.process.get(pid=1).comm == "systemd"


def test_sshd_runs_and_vagrant_has_sudo(host):
    assert host.service("ssh").is_running
    assert host.user("vagrant").exists
    assert host.run("sudo -n -u vagrant sudo -n true").rc == 0


def test_private_network_address(host):
    assert " %s/24 " % ADDRESSES[name_of(host)] in host.check_output("ip -o -4 addr show")


def test_machines_reach_each_other_on_the_private_network(host):
    for name, address in ADDRESSES.items():
        if name != name_of(host):
            assert host.run("ping -c 1 -W 2 %s" % address).rc == 0, name

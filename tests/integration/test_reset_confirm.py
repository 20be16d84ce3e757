"""playbooks/reset.yml asks before it destroys a cluster, naming the hosts.

The inventory's machines are loopback addresses on a port nothing listens on:
had the playbook gone past its confirmation, they would show up in the run's
stats as unreachable. Nothing here can reset a real machine.
"""

from __future__ import annotations

import json

import pytest
import yaml

from helpers import REPO, run_playbook

PLAYBOOK = REPO / "playbooks/reset.yml"
NOWHERE = {"ansible_host": "127.0.0.1", "ansible_port": 9, "ansible_connection": "ssh"}


@pytest.fixture()
def inventory(tmp_path):
    data = {"all": {"children": {"control_plane": {"hosts": {"cp-a": NOWHERE}},
                                 "workers": {"hosts": {"node-a": NOWHERE, "node-b": NOWHERE}}}}}
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def touched_machines(stats: dict) -> list[str]:
    return sorted(host for host in stats if host != "localhost")


@pytest.mark.parametrize("extravars", [None, {"kubelab_reset_confirm": "no"}, {"kubelab_reset_confirm": ""}])
def test_reset_without_a_yes_is_refused_before_any_host(inventory, extravars):
    run = run_playbook(PLAYBOOK, extravars, inventory=inventory, timeout=120)
    assert run.rc != 0
    messages = run.failure_messages()
    assert any("not resetting cp-a, node-a, node-b" in m and "kubelab_reset_confirm=yes" in m for m in messages), messages
    assert touched_machines(run.stats) == []


def test_a_yes_goes_on_to_the_machines(inventory):
    run = run_playbook(PLAYBOOK, {"kubelab_reset_confirm": "yes"}, inventory=inventory, timeout=120)
    # The machines do not exist: the run gets as far as trying to reach them.
    assert touched_machines(run.stats) == ["cp-a", "node-a", "node-b"]
    assert all(run.stats[h].get("unreachable") for h in touched_machines(run.stats)), json.dumps(run.stats)


REMOVE = REPO / "playbooks/remove_node.yml"


@pytest.mark.parametrize("extravars, expected", [
    ({}, "kubelab_node is not set: name the worker to remove, -e kubelab_node=<name> (workers: node-a, node-b)"),
    ({"kubelab_node": "cp-a"}, "cp-a is a control plane; remove_node.yml takes out workers only (workers: node-a, node-b)"),
    ({"kubelab_node": "node-z"}, "there is no worker node-z in this inventory (workers: node-a, node-b)"),
    ({"kubelab_node": "node-b"}, "not removing node-b: playbooks/remove_node.yml destroys what runs on them"),
])
def test_node_removal_refuses_bad_names_and_asks_before_any_host(inventory, extravars, expected):
    run = run_playbook(REMOVE, extravars, inventory=inventory, timeout=120)
    assert run.rc != 0
    assert any(expected in m for m in run.failure_messages()), run.failure_messages()
    assert touched_machines(run.stats) == []

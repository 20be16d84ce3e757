"""Conventions of the collection that keep someone else's machines safe, checked over the files."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import jinja2
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
TASK_FILES = sorted(p for top in ("roles", "playbooks") for p in (REPO / top).rglob("tasks/*.yml")) + \
    sorted((REPO / "playbooks").glob("*.yml"))
LAB = REPO / "inventories/lab/group_vars"


def task_list(path: Path) -> list[dict]:
    out, todo = [], list(yaml.safe_load(path.read_text()) or [])
    while todo:
        node = todo.pop()
        if not isinstance(node, dict):
            continue
        nested = [node.get(k, []) for k in ("tasks", "pre_tasks", "post_tasks", "block", "rescue", "always")]
        if any(nested):
            todo.extend(t for group in nested for t in group)
        else:
            out.append(node)
    return out


def test_ansible_cfg_keeps_host_key_checking():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "ansible.cfg")
    assert not cfg.has_option("defaults", "host_key_checking")


def test_the_lab_turns_host_key_checks_off_for_its_machines_only():
    lab = yaml.safe_load((LAB / "lab.yml").read_text())
    assert "StrictHostKeyChecking=no" in lab["ansible_ssh_common_args"]
    assert lab["ansible_host_key_checking"] is False
    for other in (REPO / "inventories").glob("*/group_vars/*.yml"):
        if other.parent != LAB:
            assert "StrictHostKeyChecking" not in other.read_text(), other
            assert "host_key_checking" not in other.read_text(), other


@pytest.mark.parametrize("path", [p for p in TASK_FILES if "shell" in p.read_text()], ids=str)
def test_shell_commands_quote_what_they_take_from_variables(path):
    for task in task_list(path):
        shell = task.get("ansible.builtin.shell")
        if shell is None:
            continue
        cmd = shell["cmd"] if isinstance(shell, dict) else shell
        unquoted = [e for e in re.findall(r"{{(.*?)}}", cmd) if not re.search(r"\|\s*quote\s*$", e.strip())]
        assert unquoted == [], "%s: %s" % (task.get("name"), unquoted)


@pytest.mark.parametrize("path", TASK_FILES, ids=str)
def test_no_process_is_ended_by_a_pattern(path):
    for task in task_list(path):
        argv = (task.get("ansible.builtin.command") or {}).get("argv", []) if isinstance(
            task.get("ansible.builtin.command"), dict) else []
        assert not (argv and argv[0] in ("pkill", "killall")), task.get("name")


def test_the_test_command_removes_only_the_labs_own_containers():
    script = (REPO / "scripts/test").read_text()
    assert "--filter ancestor" not in script
    assert "--filter label=io.kubelab.lab" in script
    assert '--label=#{LAB_LABEL}' in (REPO / "Vagrantfile").read_text()


@pytest.mark.parametrize("flag, default", [("enable_unprivileged_ports", "false"), ("enable_unprivileged_icmp", "false")])
def test_containerd_grants_no_unprivileged_ports_or_icmp_by_default(flag, default):
    defaults = yaml.safe_load((REPO / "roles/containerd/defaults/main.yml").read_text())
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["bool"] = bool
    values = dict(defaults, ansible_managed="", kubelab_cgroup_driver="systemd", containerd_sandbox_image="r/pause:3.10.1")
    text = env.from_string((REPO / "roles/containerd/templates/cri.toml.j2").read_text()).render(**values)
    assert re.search(r"^\s*%s = %s$" % (flag, default), text, re.M), text


def test_registry_hosts_only_pull_and_resolve():
    template = (REPO / "roles/containerd/templates/hosts.toml.j2").read_text()
    assert "push" not in template
    assert "skip_verify" not in template


def test_the_lab_settings_live_in_one_place():
    """The Vagrantfile and molecule read inventories/lab; none of them spells a mirror URL itself."""
    for path in [REPO / "Vagrantfile", *sorted((REPO / "molecule").glob("*/molecule.yml"))]:
        text = path.read_text()
        assert ":8480" not in text and ":5000" not in text, path
    for scenario in sorted((REPO / "molecule").glob("*/molecule.yml")):
        links = yaml.safe_load(scenario.read_text())["provisioner"]["inventory"]["links"]
        assert (scenario.parent / links["group_vars"]).resolve() == LAB.resolve()
    mirror = yaml.safe_load((LAB / "lab_mirror.yml").read_text())
    for needed in ("kubelab_files_repo", "kubelab_image_repository", "containerd_plain_http_registries",
                   "workloads_image_repository", "workloads_nginx_version", "workloads_nginx_update_version",
                   "flannel_image_repository", "minikube_image_repository", "kubectl_files_repo"):
        assert needed in mirror, needed

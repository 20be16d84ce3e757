"""Tasks that handle credentials never print them: a convention, checked over every task file.

A task handles credentials when its arguments read an admin kubeconfig's
content or run `kubeadm token`. Such a task needs `no_log: true`, or, for a
file written from that content, `diff: false` (`--diff` would print it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
TASK_FILES = sorted(p for top in ("roles", "playbooks", "molecule") for p in (REPO / top).rglob("*.yml")
                    if "meta" not in p.parts and "defaults" not in p.parts and "vars" not in p.parts
                    and p.name != "molecule.yml")
CREDENTIALS = re.compile(r"lookup\([^)]*kubeconfig|kubeconfig\.content|admin\.conf['\"]?\)|kubeadm[\s,'\"\[-]+token\b")


def tasks(node):
    """Every task dict in a play or task list, blocks and their rescue/always included."""
    if isinstance(node, list):
        for item in node:
            yield from tasks(item)
    elif isinstance(node, dict):
        if any(key in node for key in ("tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always")):
            for key in ("tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always"):
                yield from tasks(node.get(key, []))
        else:
            yield node


def credential_tasks():
    for path in TASK_FILES:
        for task in tasks(yaml.safe_load(path.read_text()) or []):
            args = {k: v for k, v in task.items() if k not in ("name", "when", "register", "loop_control")}
            if CREDENTIALS.search(yaml.safe_dump(args, width=10_000)):
                yield pytest.param(task, id="%s: %s" % (path.relative_to(REPO), task.get("name", "?")))


def test_some_tasks_handle_credentials():
    names = [p.id for p in credential_tasks()]
    assert any("Delete the join token" in n for n in names), names
    assert any("Write a kubeconfig whose API server does not answer" in n for n in names), names


@pytest.mark.parametrize("task", list(credential_tasks()))
def test_credentials_are_never_printed(task):
    writes_file = any(key.endswith(("copy", "template")) for key in task)
    assert task.get("no_log") is True or (writes_file and task.get("diff") is False), task

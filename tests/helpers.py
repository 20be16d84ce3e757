"""Run playbooks of this collection and read their results (ansible.posix.json callback)."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("KUBELAB_CACHE", "/var/cache/kubelab"))


@dataclass
class PlaybookRun:
    rc: int
    stats: dict
    plays: list = field(default_factory=list)
    stderr: str = ""

    def host_stats(self, host: str = "localhost") -> dict:
        return self.stats.get(host, {})

    @property
    def changed(self) -> int:
        return sum(s.get("changed", 0) for s in self.stats.values())

    @property
    def failed(self) -> int:
        return sum(s.get("failures", 0) + s.get("unreachable", 0) for s in self.stats.values())

    def results(self, task_name: str) -> list[dict]:
        """Per-host results of every task whose name starts with ``task_name``."""
        out = []
        for play in self.plays:
            for task in play.get("tasks", []):
                # Role tasks are named "<role> : <task>".
                if task["task"]["name"].split(" : ", 1)[-1].startswith(task_name):
                    out.extend(task["hosts"].values())
        return out

    def failure_messages(self) -> list[str]:
        msgs = []
        for play in self.plays:
            for task in play.get("tasks", []):
                for res in task["hosts"].values():
                    if res.get("failed") or res.get("unreachable"):
                        msgs.append(str(res.get("msg", "")))
                        # A loop's own message only says that items failed; theirs say why.
                        msgs.extend(str(item.get("msg", "")) for item in res.get("results", []) if item.get("failed"))
        return msgs


def ansible_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_DEPRECATION_WARNINGS="0",
    )
    env.update(extra)
    return env


def run_playbook(playbook: str | Path, extravars: dict | None = None, check: bool = False,
                 inventory: str | Path | None = None, timeout: int = 1800, tags: str = "") -> PlaybookRun:
    cmd = ["ansible-playbook", str(playbook), "-i", str(inventory or REPO / "inventories/local/hosts.yml")]
    if extravars:
        cmd += ["-e", json.dumps(extravars)]
    if check:
        cmd.append("--check")
    if tags:
        cmd += ["--tags", tags]
    proc = subprocess.run(cmd, cwd=REPO, env=ansible_env(), capture_output=True, text=True, timeout=timeout, check=False)
    try:
        body = json.loads(proc.stdout)
    except ValueError as exc:
        raise AssertionError("ansible-playbook printed no JSON (rc=%d):\n%s\n%s" % (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])) from exc
    return PlaybookRun(rc=proc.returncode, stats=body.get("stats", {}), plays=body.get("plays", []), stderr=proc.stderr)

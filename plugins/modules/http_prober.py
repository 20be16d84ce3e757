#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: http_prober
short_description: Measure a service's availability during an operation with a background HTTP prober
version_added: "0.2.0"
description:
  - O(state=started) starts a prober in the background on the host that runs the module, usually the
    controller. It sends HTTP GET requests to every target in turn, every O(interval) seconds, and records
    each answer with its time. It stops by itself after O(max_seconds) or O(max_requests), whichever comes first.
  - O(state=stopped) stops it and reports what it saw, overall and per target - requests, failed requests (each
    with its time, target and error), and the longest time a target gave no good answer.
  - Used around disruptive operations (an upgrade, a node's removal, a control plane's loss) to prove the
    workload kept serving; the figure is measured, not assumed.
author:
  - kubelab.cluster contributors (@kubelab)
options:
  name:
    description: Name of the prober; its files are C(<dir>/<name>.*). One prober of a name runs at a time.
    type: str
    required: true
  dir:
    description: Directory for the prober's configuration, records and PID file.
    type: path
    default: /tmp/kubelab-probers
  state:
    description: Start the prober, or stop it and report.
    type: str
    choices: [started, stopped]
    required: true
  targets:
    description: What to probe, each a name and an http(s) URL; needed with O(state=started).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Name the target is reported under.
        type: str
        required: true
      url:
        description: URL to GET.
        type: str
        required: true
      accept:
        description: HTTP error statuses that still count as an answer (C(401) from an API server without credentials).
        type: list
        elements: int
        default: []
  ca_file:
    description: CA bundle for https targets (a cluster's CA); the system's when empty.
    type: path
    default: ""
  interval:
    description: Seconds between two rounds over the targets.
    type: float
    default: 0.2
  timeout:
    description: Seconds one request may take before it counts as failed.
    type: float
    default: 2
  max_seconds:
    description: The prober stops by itself after this many seconds.
    type: int
    default: 3600
  max_requests:
    description: The prober stops by itself after this many requests.
    type: int
    default: 200000
extends_documentation_fragment:
  - kubelab.cluster.attributes
attributes:
  check_mode:
    support: none
    details: A measurement cannot be predicted; in check mode the module is skipped.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details: Starting a prober that runs leaves it running; stopping one that is not running reports what it
      recorded again. A new start begins new records.
"""

EXAMPLES = r"""
- name: Probe the workload's NodePort on every worker during the upgrade
  kubelab.cluster.http_prober:
    name: upgrade
    state: started
    targets:
      - {name: k8s-node01, url: "http://192.168.56.11:30080/"}
      - {name: k8s-node02, url: "http://192.168.56.12:30080/"}

- name: Stop it and read the figures
  kubelab.cluster.http_prober:
    name: upgrade
    state: stopped
  register: availability

- name: Nothing failed
  ansible.builtin.assert:
    that: availability.failures == 0
"""

RETURN = r"""
running:
  description: Whether the prober runs after the call.
  returned: always
  type: bool
pid:
  description: PID of the prober.
  returned: when started
  type: int
requests:
  description: Requests sent.
  returned: when stopped
  type: int
failures:
  description: Requests that got no good answer.
  returned: when stopped
  type: int
seconds:
  description: Time from the first request to the last.
  returned: when stopped
  type: float
longest_gap:
  description: Longest time, in seconds, any target went without a good answer.
  returned: when stopped
  type: float
failed_requests:
  description: Each failed request, with its time (seconds since the epoch), target, status and error.
  returned: when stopped
  type: list
  elements: dict
targets:
  description: Per target, requests, failures and the longest gap.
  returned: when stopped
  type: dict
"""

import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubelab.cluster.plugins.module_utils.prober import PROBE_LOOP, read_records, summarize

TARGET_SPEC = {"name": {"type": "str", "required": True}, "url": {"type": "str", "required": True},
               "accept": {"type": "list", "elements": "int", "default": []}}
ARGUMENT_SPEC = {
    "name": {"type": "str", "required": True},
    "dir": {"type": "path", "default": "/tmp/kubelab-probers"},
    "state": {"type": "str", "choices": ["started", "stopped"], "required": True},
    "targets": {"type": "list", "elements": "dict", "default": [], "options": TARGET_SPEC},
    "ca_file": {"type": "path", "default": ""},
    "interval": {"type": "float", "default": 0.2},
    "timeout": {"type": "float", "default": 2},
    "max_seconds": {"type": "int", "default": 3600},
    "max_requests": {"type": "int", "default": 200000},
}


@dataclass(frozen=True)
class ProberFiles:
    """The files of one prober: its configuration, records, PID and stop request."""

    config: Path
    records: Path
    pid: Path
    stop: Path

    @classmethod
    def named(cls, directory: str, name: str) -> "ProberFiles":
        base = Path(directory) / name
        return cls(*(base.with_suffix(suffix) for suffix in (".json", ".jsonl", ".pid", ".stop")))


def bad_params(params: dict) -> str:
    if params["state"] == "started":
        if not params["targets"]:
            return "state=started needs targets: a list of {name, url}"
        names = [t["name"] for t in params["targets"]]
        if len(set(names)) != len(names):
            return "target names must differ; got %s" % ", ".join(names)
        for target in params["targets"]:
            if not target["url"].startswith(("http://", "https://")):
                return "target %s: url %r is not an http(s) URL" % (target["name"], target["url"])
    if params["interval"] <= 0 or params["timeout"] <= 0 or params["max_seconds"] <= 0 or params["max_requests"] <= 0:
        return "interval, timeout, max_seconds and max_requests must be positive"
    if "/" in params["name"] or not params["name"]:
        return "name %r must be a plain file name" % params["name"]
    return ""


def detach(argv: list[str]) -> int:
    """Start argv in a session of its own, detached from this process and its output; return its PID."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    # Return once the child runs the program, so that it is found running at once.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if argv[-1].encode() in Path("/proc/%d/cmdline" % pid).read_bytes():
                break
        except OSError:
            break
        time.sleep(0.02)
    return pid


def running_pid(files: ProberFiles) -> int:
    """The PID of the prober when it runs, else 0."""
    try:
        pid = int(files.pid.read_text().strip())
        cmdline = Path("/proc/%d/cmdline" % pid).read_bytes()
    except (OSError, ValueError):
        return 0
    return pid if str(files.config).encode() in cmdline else 0


class Prober:
    def __init__(self, module: AnsibleModule):
        self.module = module
        self.params = module.params
        self.files = ProberFiles.named(self.params["dir"], self.params["name"])

    def start(self) -> dict:
        pid = running_pid(self.files)
        if pid:
            return {"changed": False, "running": True, "pid": pid}
        self.files.config.parent.mkdir(parents=True, exist_ok=True)
        for stale in (self.files.records, self.files.stop):
            if stale.exists():
                stale.unlink()
        config = {key: self.params[key] for key in ("targets", "ca_file", "interval", "timeout", "max_seconds", "max_requests")}
        config.update(output=str(self.files.records), stop_file=str(self.files.stop))
        self.files.config.write_text(json.dumps(config))
        pid = detach([sys.executable, "-c", PROBE_LOOP, str(self.files.config)])
        self.files.pid.write_text(str(pid))
        return {"changed": True, "running": True, "pid": pid}

    def stop(self) -> dict:
        pid = running_pid(self.files)
        changed = False
        if pid:
            self.files.stop.touch()
            deadline = time.time() + self.params["timeout"] * 3 + self.params["interval"] + 5
            while running_pid(self.files) and time.time() < deadline:
                time.sleep(0.1)
            if running_pid(self.files):
                os.kill(pid, signal.SIGTERM)
            changed = True
        if not self.files.records.exists():
            self.module.fail_json(msg="prober %s has no records in %s; start it first with state=started"
                                  % (self.params["name"], self.files.records))
        config = json.loads(self.files.config.read_text()) if self.files.config.exists() else {"targets": []}
        with self.files.records.open() as handle:
            figures = summarize(read_records(handle), [t["name"] for t in config["targets"]])
        return dict(figures, changed=changed, running=False)


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=False)
    bad = bad_params(module.params)
    if bad:
        module.fail_json(msg=bad)
    prober = Prober(module)
    module.exit_json(**(prober.start() if module.params["state"] == "started" else prober.stop()))


if __name__ == "__main__":
    main()

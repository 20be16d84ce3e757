#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vagrant_machines
short_description: Bring the machines of a Vagrantfile up, halt or destroy them, and report how to reach them
version_added: "0.1.0"
description:
  - Drives C(vagrant) through python-vagrant for the Vagrantfile in O(root), with the
    provider O(provider) (VirtualBox, libvirt, docker, ...).
  - O(state=running) brings up the machines that are not running, O(state=halted)
    halts the running ones, O(state=absent) destroys every one that exists. Machines
    already in the requested state are left alone.
  - Returns, for each running machine, the SSH address, port, user and key that
    C(vagrant ssh-config) reports, ready for an inventory.
  - When a machine fails to come up, the last lines of Vagrant's output are part of
    the error.
author:
  - kubelab.cluster contributors (@kubelab)
requirements:
  - python-vagrant
  - the vagrant command, and the provider's own software
options:
  root:
    description: Directory holding the Vagrantfile.
    type: path
    required: true
  provider:
    description: Vagrant provider for machines that are brought up; empty lets Vagrant choose.
    type: str
    default: ""
  state:
    description: Requested state of the machines.
    type: str
    choices: [running, halted, absent]
    default: running
  machines:
    description: Names of the machines to act on; all machines of the Vagrantfile when empty.
    type: list
    elements: str
    default: []
  provision:
    description: Run the Vagrantfile's provisioners when a machine comes up.
    type: bool
    default: false
  env:
    description: Environment variables for vagrant (the lab's C(KUBELAB_*) settings, for example).
    type: dict
    default: {}
  log_file:
    description: File that receives vagrant's output. Defaults to C(.vagrant/kubelab-vagrant.log) under O(root).
    type: path
extends_documentation_fragment:
  - kubelab.cluster.attributes
attributes:
  check_mode:
    support: full
    details: The machines' states are read; nothing is brought up, halted or destroyed.
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Bring the lab up on Docker
  kubelab.cluster.vagrant_machines:
    root: "{{ playbook_dir }}/../.."
    provider: docker
    env:
      KUBELAB_WORKERS: "2"
  register: lab

- name: Destroy the lab
  kubelab.cluster.vagrant_machines:
    root: /home/me/kubelab
    state: absent
"""

RETURN = r"""
machines:
  description: Every machine acted on, with its state after the run and, when running, its SSH data.
  returned: always
  type: list
  elements: dict
  sample:
    - name: k8s-master
      state: running
      provider: docker
      ssh: {host: 127.0.0.1, port: 2222, user: vagrant, identity_file: /home/me/.vagrant.d/insecure_private_key}
changed_machines:
  description: Names of the machines that were (or in check mode would be) brought up, halted or destroyed.
  returned: always
  type: list
  elements: str
"""

import os
import shutil
import subprocess
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import vagrant

    HAS_VAGRANT_LIB = True
    VAGRANT_IMP_ERR = ""
except ImportError:
    HAS_VAGRANT_LIB = False
    VAGRANT_IMP_ERR = traceback.format_exc()

# States python-vagrant reports.
RUNNING = "running"
ABSENT = "not_created"


def needs_action(state: str, current: str) -> bool:
    """Whether a machine in ``current`` state must be acted on to reach ``state``."""
    if state == "running":
        return current != RUNNING
    if state == "halted":
        return current == RUNNING
    return current != ABSENT


def ssh_data(conf: dict) -> dict:
    """The parts of ``vagrant ssh-config`` an inventory needs."""
    identity = conf.get("IdentityFile", "")
    return {
        "host": conf.get("HostName", ""),
        "port": int(conf.get("Port", 22)),
        "user": conf.get("User", ""),
        "identity_file": identity.strip('"'),
    }


def tail(path: str, lines: int = 25) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""


class VagrantMachines:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        root = self.params["root"]
        if not os.path.isfile(os.path.join(root, "Vagrantfile")):
            module.fail_json(msg="%s has no Vagrantfile; set root to the directory that holds the lab's Vagrantfile" % root)
        self.log = self.params["log_file"] or os.path.join(root, ".vagrant", "kubelab-vagrant.log")
        os.makedirs(os.path.dirname(self.log), exist_ok=True)
        env = dict(os.environ)
        env.update({key: str(value) for key, value in self.params["env"].items()})
        if self.params["provider"]:
            env["VAGRANT_DEFAULT_PROVIDER"] = self.params["provider"]
        log_cm = vagrant.make_file_cm(self.log)
        self.vagrant = vagrant.Vagrant(root=root, env=env, out_cm=log_cm, err_cm=log_cm)

    def fail(self, what: str, exc: Exception) -> None:
        self.module.fail_json(
            msg="%s failed: %s\nlast lines of vagrant's output (%s):\n%s" % (what, exc, self.log, tail(self.log)),
            log_file=self.log,
        )

    def statuses(self) -> dict:
        try:
            return {status.name: status for status in self.vagrant.status()}
        except subprocess.CalledProcessError as exc:
            self.fail("vagrant status", exc)
        return {}

    def run(self) -> None:
        params = self.params
        statuses = self.statuses()
        names = params["machines"] or list(statuses)
        unknown = [name for name in names if name not in statuses]
        if unknown:
            self.module.fail_json(msg="the Vagrantfile defines no machine named %s; it defines %s"
                                  % (", ".join(unknown), ", ".join(statuses) or "none"))
        todo = [name for name in names if needs_action(params["state"], statuses[name].state)]
        if todo and not self.module.check_mode:
            for name in todo:
                try:
                    if params["state"] == "running":
                        self.vagrant.up(vm_name=name, provider=params["provider"] or None,
                                        provision=params["provision"])
                    elif params["state"] == "halted":
                        self.vagrant.halt(vm_name=name)
                    else:
                        self.vagrant.destroy(vm_name=name)
                except subprocess.CalledProcessError as exc:
                    self.fail("vagrant %s of %s" % ({"running": "up", "halted": "halt", "absent": "destroy"}[params["state"]], name), exc)
            statuses = self.statuses()
        machines = []
        for name in names:
            status = statuses[name]
            entry = {"name": name, "state": status.state, "provider": status.provider}
            if status.state == RUNNING:
                try:
                    entry["ssh"] = ssh_data(self.vagrant.conf(vm_name=name))
                except subprocess.CalledProcessError as exc:
                    self.fail("vagrant ssh-config of %s" % name, exc)
            machines.append(entry)
        self.module.exit_json(changed=bool(todo), changed_machines=todo, machines=machines)


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", required=True),
            provider=dict(type="str", default=""),
            state=dict(type="str", default="running", choices=["running", "halted", "absent"]),
            machines=dict(type="list", elements="str", default=[]),
            provision=dict(type="bool", default=False),
            env=dict(type="dict", default={}),
            log_file=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    if not HAS_VAGRANT_LIB:
        module.fail_json(msg=missing_required_lib("python-vagrant"), exception=VAGRANT_IMP_ERR)
    if not shutil.which("vagrant"):
        module.fail_json(msg="the vagrant command is not installed (on Debian: apt-get install vagrant)")
    VagrantMachines(module).run()


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: minikube_profile
short_description: Start, stop or delete a minikube profile with the settings of an introductory Kubernetes chapter
version_added: "0.1.0"
description:
  - Starts a minikube profile with a driver, container runtime, Kubernetes version,
    image repository, registry mirrors, binary mirror, CPUs and memory; stops it; or deletes it.
  - Reads the profile's recorded configuration first. A running profile whose
    settings equal the requested ones is left alone. A profile whose settings differ
    is refused, naming each difference, unless O(recreate=true), which deletes and
    starts it again.
author:
  - kubelab.cluster contributors (@kubelab)
options:
  name:
    description: Profile name (C(minikube -p)).
    type: str
    default: minikube
  state:
    description: V(started) runs the profile, V(stopped) stops it, V(absent) deletes it.
    type: str
    choices: [started, stopped, absent]
    default: started
  driver:
    description: minikube driver.
    type: str
    choices: [docker, podman, none, ssh, virtualbox, kvm2, qemu2, hyperkit, vfkit, parallels, vmware, hyperv, krunkit]
    default: docker
  container_runtime:
    description: Container runtime inside the node; empty lets minikube choose.
    type: str
    choices: ["", docker, containerd, cri-o]
    default: ""
  kubernetes_version:
    description: Kubernetes version, for example C(v1.35.4); empty lets minikube choose.
    type: str
    default: ""
  image_repository:
    description: Registry the Kubernetes images are pulled from (C(--image-repository)); empty for the default.
    type: str
    default: ""
  image_mirror_country:
    description:
      - Country code of an image mirror (C(--image-mirror-country)), for example V(cn); minikube then picks a
        mirror of that country when O(image_repository) is empty (it probes the mirrors, so it needs the
        internet). With O(image_repository) set, that repository is used and minikube only says so.
      - minikube records the repository it chose in the profile, not the country; a change of this value alone
        does not recreate a profile.
    type: str
    default: ""
  registry_mirror:
    description: Docker registry mirrors passed to the node (C(--registry-mirror)).
    type: list
    elements: str
    default: []
  binary_mirror:
    description: Files repository for kubeadm, kubelet and kubectl (C(--binary-mirror)); empty for the default.
    type: str
    default: ""
  cpus:
    description: CPUs for the node; 0 lets minikube choose. Ignored by the V(none) driver.
    type: int
    default: 0
  memory:
    description: Memory for the node in MiB; 0 lets minikube choose. Ignored by the V(none) driver.
    type: int
    default: 0
  extra_args:
    description: Further C(minikube start) arguments, passed as given.
    type: list
    elements: str
    default: []
  recreate:
    description: Delete and start again a profile whose settings differ from the requested ones.
    type: bool
    default: false
  minikube_binary:
    description: Path of the minikube command.
    type: path
    default: minikube
extends_documentation_fragment:
  - kubelab.cluster.attributes
attributes:
  check_mode:
    support: full
    details: The profile's status and settings are read; start, stop and delete are only reported.
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Start minikube behind a firewall, as the chapter does
  kubelab.cluster.minikube_profile:
    driver: docker
    kubernetes_version: v1.35.4
    image_repository: registry.cn-hangzhou.aliyuncs.com/google_containers
    registry_mirror: [https://registry.docker-cn.com]
    cpus: 2
    memory: 4096

- name: Delete the profile
  kubelab.cluster.minikube_profile:
    state: absent
"""

RETURN = r"""
operation:
  description: What was (or in check mode would be) done, V(none), V(start), V(stop), V(delete) or V(recreate).
  returned: always
  type: str
differences:
  description: Settings of the existing profile that differ from the requested ones.
  returned: always
  type: dict
  sample: {driver: {current: docker, requested: none}}
status:
  description: minikube's status of the profile after the run (host, kubelet, apiserver).
  returned: when the profile exists after the run and not in check mode
  type: dict
recorded:
  description: The settings the profile records (minikube's ClusterConfig) after the run, by option name.
  returned: when the profile exists after the run and not in check mode
  type: dict
  sample: {driver: none, image_repository: 192.168.56.1:5000, registry_mirror: ["http://192.168.56.1:5000"]}
command:
  description: The minikube command line that ran last.
  returned: when a command ran
  type: list
  elements: str
"""

import json

from ansible.module_utils.basic import AnsibleModule

# Requested option -> (path in minikube's ClusterConfig, start flag).
SETTINGS = {
    "driver": (("Driver",), "--driver"),
    "container_runtime": (("KubernetesConfig", "ContainerRuntime"), "--container-runtime"),
    "kubernetes_version": (("KubernetesConfig", "KubernetesVersion"), "--kubernetes-version"),
    "image_repository": (("KubernetesConfig", "ImageRepository"), "--image-repository"),
    "registry_mirror": (("RegistryMirror",), "--registry-mirror"),
    "binary_mirror": (("BinaryMirror",), "--binary-mirror"),
    "cpus": (("CPUs",), "--cpus"),
    "memory": (("Memory",), "--memory"),
}
# Settings the none driver does not use: the machine itself is the node.
NONE_DRIVER_IGNORES = ("cpus", "memory")


def requested_settings(params: dict) -> dict:
    """The settings a caller asked for; empty/zero values mean 'minikube decides'."""
    wanted = {}
    for key in SETTINGS:
        value = params[key]
        if key in NONE_DRIVER_IGNORES and params["driver"] == "none":
            continue
        if value in ("", 0, [], None):
            continue
        wanted[key] = value
    return wanted


def current_settings(config: dict) -> dict:
    out = {}
    for key, (path, _flag) in SETTINGS.items():
        value: object = config
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        out[key] = value
    return out


def differences(config: dict, wanted: dict) -> dict:
    current = current_settings(config)
    diff = {}
    for key, value in wanted.items():
        have = current.get(key)
        if key == "registry_mirror":
            same = sorted(have or []) == sorted(value)
        else:
            same = have == value
        if not same:
            diff[key] = {"current": have, "requested": value}
    return diff


def start_command(params: dict, wanted: dict) -> list[str]:
    cmd = [params["minikube_binary"], "start", "-p", params["name"]]
    if params["image_mirror_country"]:
        cmd.append("--image-mirror-country=%s" % params["image_mirror_country"])
    for key, value in wanted.items():
        flag = SETTINGS[key][1]
        if isinstance(value, list):
            cmd += ["%s=%s" % (flag, item) for item in value]
        elif key == "memory":
            cmd.append("%s=%dmb" % (flag, value))
        else:
            cmd.append("%s=%s" % (flag, value))
    return cmd + list(params["extra_args"])


def is_running(status) -> bool:
    nodes = status if isinstance(status, list) else [status]
    return bool(nodes) and all(
        isinstance(node, dict) and node.get("Host") == "Running" and node.get("APIServer", "Running") == "Running"
        for node in nodes
        if isinstance(node, dict) and node.get("Worker") is not True
    )


class MinikubeProfile:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        self.result: dict = {"changed": False, "operation": "none", "differences": {}}

    def run_cmd(self, cmd: list[str], check: bool = True) -> tuple[int, str, str]:
        rc, out, err = self.module.run_command(cmd)
        if check and rc != 0:
            tail = "\n".join((err or out).strip().splitlines()[-20:])
            self.module.fail_json(msg="%s failed (exit %d): %s" % (" ".join(cmd[:4]), rc, tail), **dict(self.result, command=cmd))
        return rc, out, err

    def profile_config(self) -> dict | None:
        rc, out, err = self.run_cmd([self.params["minikube_binary"], "profile", "list", "-o", "json", "-l"], check=False)
        try:
            body = json.loads(out or "{}")
        except ValueError:
            self.module.fail_json(msg="minikube profile list printed no JSON (exit %d): %s" % (rc, (err or out)[-400:]))
        for entry in (body.get("valid") or []) + (body.get("invalid") or []):
            if entry.get("Name") == self.params["name"]:
                return entry.get("Config") or {}
        return None

    def status(self):
        _rc, out, _err = self.run_cmd(
            [self.params["minikube_binary"], "status", "-p", self.params["name"], "-o", "json"], check=False
        )
        try:
            return json.loads(out)
        except ValueError:
            return {}

    def act(self, operation: str, commands: list[list[str]]) -> None:
        self.result["operation"] = operation
        self.result["changed"] = True
        if self.module.check_mode:
            return
        for cmd in commands:
            self.result["command"] = cmd
            self.run_cmd(cmd)

    def run(self) -> None:
        params = self.params
        binary, name = params["minikube_binary"], params["name"]
        config = self.profile_config()
        delete = [binary, "delete", "-p", name]
        if params["state"] == "absent":
            if config is not None:
                self.act("delete", [delete])
        elif params["state"] == "stopped":
            if config is not None and is_running(self.status()):
                self.act("stop", [[binary, "stop", "-p", name]])
        else:
            wanted = requested_settings(params)
            start = start_command(params, wanted)
            if config is None:
                self.act("start", [start])
            else:
                diff = differences(config, wanted)
                self.result["differences"] = diff
                if diff and not params["recreate"]:
                    self.module.fail_json(
                        msg="profile %s exists with other settings (%s); delete it first or set recreate=true"
                        % (name, "; ".join("%s is %r, requested %r" % (k, v["current"], v["requested"]) for k, v in diff.items())),
                        **self.result,
                    )
                if diff:
                    self.act("recreate", [delete, start])
                elif not is_running(self.status()):
                    self.act("start", [start])
        if not self.module.check_mode and params["state"] != "absent":
            self.result["status"] = self.status()
            config = self.profile_config()
            if config is not None:
                self.result["recorded"] = current_settings(config)
        self.module.exit_json(**self.result)


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", default="minikube"),
            state=dict(type="str", default="started", choices=["started", "stopped", "absent"]),
            driver=dict(
                type="str",
                default="docker",
                choices=["docker", "podman", "none", "ssh", "virtualbox", "kvm2", "qemu2", "hyperkit",
                         "vfkit", "parallels", "vmware", "hyperv", "krunkit"],
            ),
            container_runtime=dict(type="str", default="", choices=["", "docker", "containerd", "cri-o"]),
            kubernetes_version=dict(type="str", default=""),
            image_repository=dict(type="str", default=""),
            image_mirror_country=dict(type="str", default=""),
            registry_mirror=dict(type="list", elements="str", default=[]),
            binary_mirror=dict(type="str", default=""),
            cpus=dict(type="int", default=0),
            memory=dict(type="int", default=0),
            extra_args=dict(type="list", elements="str", default=[]),
            recreate=dict(type="bool", default=False),
            minikube_binary=dict(type="path", default="minikube"),
        ),
        supports_check_mode=True,
    )
    MinikubeProfile(module).run()


if __name__ == "__main__":
    main()

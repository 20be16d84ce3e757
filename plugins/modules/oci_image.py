#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: oci_image
short_description: Build an OCI image layout from files and directory trees, without a container engine
version_added: "0.1.0"
description:
  - Writes an OCI image layout (C(oci-layout), C(index.json), C(blobs/)) holding one
    image tagged O(tag), made of the layers of an optional O(base) image, then one layer
    per entry of O(layers), and an image configuration with entrypoint, command,
    environment, working directory and user.
  - Layers are reproducible (sorted entries, fixed times), so the same inputs give
    the same digests. A stamp records the inputs; a second run with the same inputs
    writes nothing.
  - The layout is written beside O(path) and renamed over it when complete.
  - Push the result with C(skopeo copy oci:PATH:TAG docker://REGISTRY/NAME:TAG).
author:
  - kubelab.cluster contributors (@kubelab)
options:
  path:
    description: Directory of the OCI image layout.
    type: path
    required: true
  tag:
    description: Reference name of the image inside the layout, usually its version.
    type: str
    required: true
  base:
    description: OCI image layout whose image is the base of this one.
    type: path
  base_tag:
    description: Reference name of the base image in O(base); the only image when omitted.
    type: str
  layers:
    description: Layers to add, in order.
    type: list
    elements: dict
    default: []
    suboptions:
      files:
        description: Files to add, each C({src, dest, mode}).
        type: list
        elements: dict
        default: []
      trees:
        description: Whole directory trees to add, each C({src, dest}); C(dest) defaults to C(/).
        type: list
        elements: dict
        default: []
      comment:
        description: History entry of the layer.
        type: str
  entrypoint:
    description: Image entrypoint.
    type: list
    elements: str
  cmd:
    description: Image command.
    type: list
    elements: str
  env:
    description: Environment entries, C(NAME=value).
    type: list
    elements: str
  working_dir:
    description: Working directory.
    type: str
  user:
    description: User the container runs as.
    type: str
  labels:
    description: Image labels.
    type: dict
  arch:
    description: Image architecture.
    type: str
    default: amd64
extends_documentation_fragment:
  - kubelab.cluster.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Package kube-apiserver on an empty base
  kubelab.cluster.oci_image:
    path: /var/cache/kubelab/mirror/images/kube-apiserver/v1.35.4
    tag: v1.35.4
    layers:
      - files:
          - src: /var/cache/kubelab/mirror/build/kubernetes/v1.35.4/kube-apiserver
            dest: /usr/local/bin/kube-apiserver
            mode: "0755"
    entrypoint: [/usr/local/bin/kube-apiserver]
"""

RETURN = r"""
digest:
  description: Digest of the image manifest.
  returned: success and not in check mode
  type: str
  sample: sha256:5d1e...
"""

import hashlib
import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubelab.cluster.plugins.module_utils.checksum import sha256_file
from ansible_collections.kubelab.cluster.plugins.module_utils.oci import build_image, read_image, tree_signature

STAMP = ".kubelab-image.json"


class OciImage:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        self.path: str = self.params["path"]
        self.stamp_path = self.path.rstrip("/") + STAMP

    def fingerprint(self) -> str:
        params = self.params
        parts: dict = {key: params[key] for key in ("tag", "base_tag", "entrypoint", "cmd", "env", "working_dir", "user", "labels", "arch")}
        if params["base"]:
            try:
                parts["base"] = read_image(params["base"], params["base_tag"])[2]
            except (OSError, ValueError) as exc:
                self.module.fail_json(msg="base image %s cannot be read: %s" % (params["base"], exc))
        layers = []
        for layer in params["layers"]:
            files = []
            for item in layer.get("files") or []:
                if not os.path.isfile(item.get("src", "")):
                    self.module.fail_json(msg="layer file %r does not exist" % item.get("src"))
                files.append([item["dest"], str(item.get("mode") or ""), sha256_file(item["src"])])
            trees = []
            for tree in layer.get("trees") or []:
                if not os.path.isdir(tree.get("src", "")):
                    self.module.fail_json(msg="layer tree %r is not a directory" % tree.get("src"))
                trees.append([tree.get("dest", "/"), tree_signature(tree["src"])])
            layers.append({"files": files, "trees": trees, "comment": layer.get("comment")})
        parts["layers"] = layers
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def current(self) -> str:
        try:
            with open(self.stamp_path, encoding="utf-8") as handle:
                stamp = json.load(handle)
            digest = read_image(self.path, self.params["tag"])[2]
        except (OSError, ValueError, KeyError):
            return ""
        return stamp.get("fingerprint", "") if stamp.get("digest") == digest else ""

    def run(self) -> None:
        fingerprint = self.fingerprint()
        if self.current() == fingerprint:
            digest = read_image(self.path, self.params["tag"])[2]
            self.module.exit_json(changed=False, digest=digest)
        if self.module.check_mode:
            self.module.exit_json(changed=True)
        config = {
            "Entrypoint": self.params["entrypoint"],
            "Cmd": self.params["cmd"],
            "Env": self.params["env"],
            "WorkingDir": self.params["working_dir"],
            "User": self.params["user"],
            "Labels": self.params["labels"],
        }
        layers = [dict(layer, files=layer.get("files") or [], trees=layer.get("trees") or []) for layer in self.params["layers"]]
        digest = build_image(self.path, self.params["tag"], layers, config, self.params["base"], self.params["base_tag"],
                             self.params["arch"])
        with open(self.stamp_path, "w", encoding="utf-8") as handle:
            json.dump({"fingerprint": fingerprint, "digest": digest}, handle)
        self.module.exit_json(changed=True, digest=digest)


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            tag=dict(type="str", required=True),
            base=dict(type="path"),
            base_tag=dict(type="str"),
            layers=dict(
                type="list", elements="dict", default=[],
                options=dict(
                    files=dict(type="list", elements="dict", default=[]),
                    trees=dict(type="list", elements="dict", default=[]),
                    comment=dict(type="str"),
                ),
            ),
            entrypoint=dict(type="list", elements="str"),
            cmd=dict(type="list", elements="str"),
            env=dict(type="list", elements="str"),
            working_dir=dict(type="str"),
            user=dict(type="str"),
            labels=dict(type="dict"),
            arch=dict(type="str", default="amd64"),
        ),
        supports_check_mode=True,
    )
    OciImage(module).run()


if __name__ == "__main__":
    main()

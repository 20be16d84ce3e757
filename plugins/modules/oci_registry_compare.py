#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: oci_registry_compare
short_description: Find the built OCI images that a registry lacks or holds in another build
version_added: "0.2.0"
description:
  - For each image of O(images), reads the digest of the image in its OCI layout under O(oci_dir) and asks the
    registry at O(registry) for the digest it holds under the same name and tag (an HTTP HEAD of the manifest).
  - Returns the images whose digests differ, or that the registry does not have; those are the ones to push.
  - Reads only; it changes nothing.
author:
  - kubelab.cluster contributors (@kubelab)
options:
  images:
    description: Images as C(name:tag); each is the OCI layout C(<oci_dir>/<name>/<tag>).
    type: list
    elements: str
    required: true
  oci_dir:
    description: Directory of the OCI layouts, one per C(<name>/<tag>).
    type: path
    required: true
  registry:
    description: Base URL of the registry, such as C(http://127.0.0.1:5000).
    type: str
    required: true
  timeout:
    description: Seconds a registry request may take.
    type: int
    default: 10
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
- name: Compare the built images with the registry
  kubelab.cluster.oci_registry_compare:
    images: [pause:3.10.1, flannel:v0.27.4]
    oci_dir: /var/cache/kubelab/mirror/oci
    registry: http://127.0.0.1:5000
  register: compared
"""

RETURN = r"""
outdated:
  description: The images to push, each with the digest built and the one the registry holds (C(-) for none).
  returned: always
  type: list
  elements: dict
  sample: [{name: pause, tag: 3.10.1, built: "sha256:0f1e...", registry: "-"}]
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import fetch_url
from ansible_collections.kubelab.cluster.plugins.module_utils.oci import MANIFEST_ACCEPT, outdated_images


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            images=dict(type="list", elements="str", required=True),
            oci_dir=dict(type="path", required=True),
            registry=dict(type="str", required=True),
            timeout=dict(type="int", default=10),
        ),
        supports_check_mode=True,
    )
    params = module.params
    base = params["registry"].rstrip("/")
    images = []
    for spec in params["images"]:
        name, sep, tag = spec.rpartition(":")
        if not sep or not name or not tag or "/" in tag:
            module.fail_json(msg="image %r must be name:tag, like pause:3.10.1" % spec)
        layout = os.path.join(params["oci_dir"], name, tag)
        if not os.path.isfile(os.path.join(layout, "index.json")):
            module.fail_json(msg="image %s has no OCI layout at %s; build it first" % (spec, layout))
        images.append((name, tag, layout))

    def registry_digest(name: str, tag: str) -> str | None:
        url = "%s/v2/%s/manifests/%s" % (base, name, tag)
        info = fetch_url(module, url, method="HEAD", headers={"Accept": MANIFEST_ACCEPT}, timeout=params["timeout"])[1]
        if info["status"] == 404:
            return None
        if info["status"] != 200:
            module.fail_json(msg="the registry %s answered %s for %s:%s: %s" % (base, info["status"], name, tag, info.get("msg", "")))
        headers = {k.lower(): v for k, v in info.items()}
        return headers.get("docker-content-digest")

    try:
        outdated = outdated_images(images, registry_digest)
    except (OSError, ValueError, KeyError) as exc:
        module.fail_json(msg="cannot read a built image: %s" % exc)
    module.exit_json(changed=False, outdated=outdated)


if __name__ == "__main__":
    main()

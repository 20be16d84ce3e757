# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one map from Ansible's system and architecture facts to the names release downloads use."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

# ansible_facts['architecture'] (and the release names themselves) to the
# architecture in Kubernetes, minikube, CNI and crictl release paths.
ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
# ansible_facts['system'] to the operating system in release paths; the
# workstation tools (kubectl, minikube) have builds for both, nodes are Linux.
SYSTEMS = {"Linux": "linux", "Darwin": "darwin"}
MAPS = {"architecture": ARCHITECTURES, "system": SYSTEMS}


def release_map(kind: str) -> dict:
    """The map for C(architecture) or C(system)."""
    try:
        return dict(MAPS[str(kind)])
    except KeyError:
        raise AnsibleFilterError("release_map takes 'architecture' or 'system', not %r" % (kind,)) from None


class FilterModule:
    def filters(self):
        return {"release_map": release_map}

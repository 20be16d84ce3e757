# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubeadm's upgrade rules as a filter: what an upgrade from one version to another would do."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.kubelab.cluster.plugins.module_utils.versions import plan_upgrade


def upgrade_plan(running, target, available=None) -> dict:
    """{running, target, action (none, patch, minor, refused), allowed, reason}."""
    try:
        return plan_upgrade(str(running), str(target), [str(v) for v in available] if available is not None else None).as_dict()
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {"upgrade_plan": upgrade_plan}

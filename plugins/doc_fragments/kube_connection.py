# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The connection options of the modules that talk to a cluster: module_utils/kube.py CONNECTION_ARG_SPEC.
    DOCUMENTATION = r"""
requirements:
  - kubernetes (the Python client)
options:
  kubeconfig:
    description: Path of the kubeconfig; empty uses C(KUBECONFIG) or C(~/.kube/config).
    type: path
  context:
    description: Context of the kubeconfig to use; empty uses its current context.
    type: str
"""

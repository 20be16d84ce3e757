# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes client layer of the modules: the one import of the client, the connection options, the
configuration, and error text.

A module merges CONNECTION_ARG_SPEC into its own argument spec (``deepcopy`` + ``update``), extends the
``kubelab.cluster.kube_connection`` doc fragment, and builds its AnsibleModule with kube_module(), which fails
naming the missing library. Everything else imports the client from here.
"""

from __future__ import annotations

import traceback
from typing import Any

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException
    from kubernetes.stream import stream
except ImportError:  # kube_module() reports it; nothing calls the client before that
    HAS_K8S = False
    K8S_IMP_ERR: str | None = traceback.format_exc()
    client = config = stream = None  # type: ignore[assignment]
    ApiException = Exception  # type: ignore[assignment,misc]
else:
    HAS_K8S = True
    K8S_IMP_ERR = None

# The client and its pieces are imported from here by the modules and probes.
__all__ = ["ApiException", "CONNECTION_ARG_SPEC", "ClusterError", "HAS_K8S", "K8S_IMP_ERR", "api_error", "client", "config",
           "kube_module", "load_configuration", "server_version", "stream"]

# The options of every module that talks to a cluster; documented by doc_fragments/kube_connection.py.
CONNECTION_ARG_SPEC: dict[str, dict[str, Any]] = dict(
    kubeconfig=dict(type="path"),
    context=dict(type="str"),
)


class ClusterError(Exception):
    """Something the cluster refused or never did; the message says which."""


def kube_module(argument_spec: dict[str, dict[str, Any]], **kwargs: Any) -> AnsibleModule:
    """The AnsibleModule of a module that talks to a cluster; fails when the kubernetes library is missing."""
    module = AnsibleModule(argument_spec=argument_spec, **kwargs)
    if not HAS_K8S:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=K8S_IMP_ERR)
    return module


def load_configuration(kubeconfig: str | None, context: str | None) -> client.Configuration:
    configuration = client.Configuration()
    try:
        config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration)
    except Exception as exc:  # the loader raises several unrelated types
        raise ClusterError("cannot load the kubeconfig %s%s: %s" % (
            kubeconfig or "(default)", " context %s" % context if context else "", exc)) from exc
    return configuration


def api_error(exc: Exception) -> str:
    if isinstance(exc, ApiException) and getattr(exc, "status", None) is not None:
        body = (exc.body or "").strip() if isinstance(getattr(exc, "body", None), str) else ""
        return "%s %s" % (exc.status, exc.reason) + (": %s" % body[:300] if body else "")
    return str(exc)


def server_version(configuration: client.Configuration) -> str:
    """The API server's version; ClusterError when it does not answer."""
    try:
        return client.VersionApi(client.ApiClient(configuration)).get_code(_request_timeout=10).git_version
    except Exception as exc:
        raise ClusterError("the API server at %s does not answer: %s" % (configuration.host, api_error(exc))) from exc

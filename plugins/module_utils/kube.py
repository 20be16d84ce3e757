# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes client construction and error text shared by the modules."""

from __future__ import annotations

try:
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException
except ImportError:  # the modules report the missing library
    ApiException = Exception  # type: ignore[assignment,misc]


class ClusterError(Exception):
    """Something the cluster refused or never did; the message says which."""


def load_configuration(kubeconfig: str | None, context: str | None) -> "client.Configuration":
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


def server_version(configuration: "client.Configuration") -> str:
    """The API server's version; ClusterError when it does not answer."""
    try:
        return client.VersionApi(client.ApiClient(configuration)).get_code(_request_timeout=10).git_version
    except Exception as exc:
        raise ClusterError("the API server at %s does not answer: %s" % (configuration.host, api_error(exc))) from exc

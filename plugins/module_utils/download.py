# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fetching release files and their published sha256, shared by the modules that install them."""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Any

from ansible.module_utils.urls import fetch_url
from ansible_collections.kubelab.cluster.plugins.module_utils.checksum import parse_checksum


def get(module: Any, url: str, timeout: int, result: dict[str, Any]) -> Any:
    """The response to GET ``url``; fail_json (with ``result``) unless it is HTTP 200."""
    resp, info = fetch_url(module, url, timeout=timeout)
    if info["status"] != 200 or resp is None:
        module.fail_json(
            msg="cannot download %s: HTTP %s %s; check that the files repository is reachable and has this version"
            % (url, info["status"], info.get("msg", "")),
            **result,
        )
    return resp


def published_sha256(module: Any, url: str, timeout: int, result: dict[str, Any]) -> str:
    """The digest a ``.sha256`` file at ``url`` holds; fail_json when it holds none."""
    text = get(module, url, timeout, result).read().decode("utf-8", "replace")
    digest = parse_checksum(text)
    if not digest:
        module.fail_json(msg="%s does not hold a sha256 digest (64 hex characters); got %r" % (url, text[:80]), **result)
    return digest


def download_to_temp(module: Any, url: str, timeout: int, result: dict[str, Any], directory: str,
                     prefix: str) -> tuple[str, str]:
    """Stream ``url`` into a new file in ``directory``; return its path and sha256.

    The caller checks the digest and renames the file into place or removes it; on a failure here it is removed.
    """
    handle, tmp = tempfile.mkstemp(prefix=prefix, dir=directory)
    hasher = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as out:
            resp = get(module, url, timeout, result)
            for chunk in iter(lambda: resp.read(1 << 20), b""):
                hasher.update(chunk)
                out.write(chunk)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return tmp, hasher.hexdigest()

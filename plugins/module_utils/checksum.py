# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sha256 helpers shared by the modules that install or publish release files."""

from __future__ import annotations

import hashlib
import re

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def sha256_file(path: str) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def parse_checksum(text: str) -> str:
    """First word of a .sha256 file, lower-cased; empty when it is not a sha256 digest.

    Upstream release files hold the digest alone; ``sha256sum`` output
    (digest, then the file name) is accepted too.
    """
    words = text.strip().split()
    digest = words[0].lower() if words else ""
    return digest if _HEX64.match(digest) else ""


def is_sha256(value: str) -> bool:
    """Whether ``value`` is a hex sha256 digest: exactly 64 hex characters, either case."""
    return bool(_HEX64.fullmatch(value.lower()))

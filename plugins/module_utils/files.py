# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files written whole: a temporary file beside the target, moved into place."""

from __future__ import annotations

import os
import tempfile


def replace_file(path: str, data: bytes, mode: int) -> None:
    """Write data to path with mode, so that a reader sees the old file or the new one, never half of one.

    The temporary file is removed when anything fails; OSError is raised to the caller.
    """
    handle, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=os.path.dirname(path) or ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = ""
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)

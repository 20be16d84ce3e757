# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers to build binaries from a published Go module through a wrapper module.

A module such as k8s.io/kubernetes cannot be built with ``go install M@V``: its
go.mod carries ``replace`` directives (staging modules kept in the same
repository).  A wrapper module requires the target and repeats each of those
replaces, pointing local paths at the published module of the same name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SEMVER = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")


@dataclass(frozen=True)
class Replace:
    """One ``replace`` directive: ``old [old_version] => new [new_version]``."""

    old: str
    old_version: str
    new: str
    new_version: str

    @property
    def is_local(self) -> bool:
        return self.new.startswith("./") or self.new.startswith("../") or self.new.startswith("/")

    def render(self) -> str:
        left = self.old + (" " + self.old_version if self.old_version else "")
        right = self.new + (" " + self.new_version if self.new_version else "")
        return "%s => %s" % (left, right)


def is_semver(version: str) -> bool:
    """Whether ``version`` is a Go module version such as v1.35.4."""
    return bool(_SEMVER.match(version))


def staging_version(kubernetes_version: str) -> str:
    """The version of the staging modules published with a Kubernetes release.

    k8s.io/kubernetes v1.Y.Z publishes k8s.io/api, k8s.io/client-go, ... as v0.Y.Z.
    """
    match = _SEMVER.match(kubernetes_version)
    if not match or match.group(1) != "1":
        raise ValueError("%r is not a Kubernetes release version like v1.35.4" % kubernetes_version)
    return "v0.%s.%s%s" % (match.group(2), match.group(3), match.group(4) or "")


def _strip_comment(line: str) -> str:
    return line.split("//", 1)[0].strip()


def parse_replace(spec: str) -> Replace:
    if "=>" not in spec:
        raise ValueError("malformed replace directive: %r" % spec)
    left, right = (part.split() for part in spec.split("=>", 1))
    if not left or not right or len(left) > 2 or len(right) > 2:
        raise ValueError("malformed replace directive: %r" % spec)
    return Replace(
        old=left[0],
        old_version=left[1] if len(left) == 2 else "",
        new=right[0],
        new_version=right[1] if len(right) == 2 else "",
    )


@dataclass
class GoMod:
    """The parts of a go.mod that a wrapper module needs."""

    module: str = ""
    go_version: str = ""
    requires: dict = field(default_factory=dict)
    replaces: list = field(default_factory=list)


def parse_gomod(text: str) -> GoMod:
    """Read the module path, go version, requirements and replaces of a go.mod text."""
    mod = GoMod()
    in_block = ""
    for raw in text.splitlines():
        line = _strip_comment(raw)
        if not line:
            continue
        if in_block:
            if line == ")":
                in_block = ""
            elif in_block == "replace":
                mod.replaces.append(parse_replace(line))
            elif in_block == "require":
                _add_require(mod, line)
            continue
        words = line.split(None, 1)
        keyword = words[0]
        rest = words[1] if len(words) > 1 else ""
        if rest == "(":
            in_block = keyword
        elif keyword == "module":
            mod.module = rest.strip('"')
        elif keyword == "go":
            mod.go_version = rest
        elif keyword == "replace":
            mod.replaces.append(parse_replace(rest))
        elif keyword == "require":
            _add_require(mod, rest)
    return mod


def _add_require(mod: GoMod, spec: str) -> None:
    words = spec.split()
    if len(words) >= 2:
        mod.requires[words[0]] = words[1]


def wrapper_replaces(mod: GoMod, local_version: str) -> list[Replace]:
    """Rewrite the target's replaces for use from a wrapper module.

    Local-path replaces (``k8s.io/api => ./staging/src/k8s.io/api``) of modules
    the target requires become the published module of the same path at
    ``local_version``; local replaces of modules it does not require (guards
    such as ``go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY``) are dropped; others
    are kept.
    """
    out = []
    for rep in mod.replaces:
        if rep.is_local and rep.old not in mod.requires:
            continue
        if rep.is_local:
            if not local_version:
                raise ValueError(
                    "%s is replaced by the local path %s; a version for local replaces is needed"
                    % (rep.old, rep.new)
                )
            out.append(Replace(rep.old, rep.old_version, rep.old, local_version))
        else:
            out.append(rep)
    return out


def render_wrapper_gomod(module: str, version: str, go_version: str, replaces: list[Replace]) -> str:
    """go.mod text of a wrapper that builds ``module@version``."""
    lines = [
        "module kubelab.local/build",
        "",
        "go %s" % (go_version or "1.22"),
        "",
        "require %s %s" % (module, version),
    ]
    if replaces:
        lines += ["", "replace ("]
        lines += ["\t" + rep.render() for rep in replaces]
        lines.append(")")
    return "\n".join(lines) + "\n"


def render_ldflags(template: list[str], values: dict[str, str]) -> str:
    """Substitute ``{name}`` fields in each -X assignment and join them."""
    parts = []
    for item in template:
        try:
            parts.append(item.format(**values))
        except KeyError as exc:
            raise ValueError(
                "ldflags entry %r uses unknown field %s; known fields: %s"
                % (item, exc, ", ".join(sorted(values)))
            ) from None
    return " ".join(parts)

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes release versions and kubeadm's upgrade rules, with nothing of Ansible or a cluster in them.

kubeadm upgrades a cluster one minor at a time and never down: from v1.34.x
the allowed targets are a later v1.34 patch or any v1.35 patch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RELEASE = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")


@dataclass(frozen=True, order=True)
class Release:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> "Release":
        match = _RELEASE.match(str(text).strip())
        if not match:
            raise ValueError("%r is not a Kubernetes release tag like v1.35.4" % (text,))
        return cls(*(int(part) for part in match.groups()))

    def __str__(self) -> str:
        return "v%d.%d.%d" % (self.major, self.minor, self.patch)


@dataclass(frozen=True)
class UpgradePlan:
    """What an upgrade from running to target would do, or why it is refused."""

    running: str
    target: str
    action: str  # none | patch | minor | refused
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.action != "refused"

    def as_dict(self) -> dict:
        return {"running": self.running, "target": self.target, "action": self.action,
                "allowed": self.allowed, "reason": self.reason}


def allowed_targets(running: str, available: list[str]) -> list[str]:
    """The versions of available that kubeadm would upgrade running to, oldest first."""
    now = Release.parse(running)
    out = []
    for text in available:
        release = Release.parse(text)
        if release.major == now.major and release > now and release.minor - now.minor <= 1:
            out.append(release)
    return [str(r) for r in sorted(set(out))]


def plan_upgrade(running: str, target: str, available: list[str] | None = None) -> UpgradePlan:
    """Judge an upgrade from running to target by kubeadm's rules.

    available, when given, lists the versions that could be had (for example
    what a files repository holds); a refusal then names the allowed ones.
    """
    now, want = Release.parse(running), Release.parse(target)
    offer = allowed_targets(running, available) if available is not None else []
    if available is None:
        hint = " Allowed targets from %s: a later v%d.%d patch or a v%d.%d patch." % (
            now, now.major, now.minor, now.major, now.minor + 1)
    elif offer:
        hint = " Allowed targets from %s: %s." % (now, ", ".join(offer))
    else:
        hint = " No version available here is an allowed target from %s." % now
    if want == now:
        return UpgradePlan(str(now), str(want), "none")
    if want.major != now.major:
        return UpgradePlan(str(now), str(want), "refused",
                           "%s to %s changes the major version, which kubeadm does not do.%s" % (now, want, hint))
    if want < now:
        return UpgradePlan(str(now), str(want), "refused",
                           "%s is older than the running %s; kubeadm does not downgrade a cluster.%s" % (want, now, hint))
    if want.minor - now.minor > 1:
        return UpgradePlan(str(now), str(want), "refused",
                           "%s to %s skips %d minor release(s); kubeadm upgrades one minor at a time "
                           "(to v%d.%d.x first).%s" % (now, want, want.minor - now.minor - 1, now.major, now.minor + 1, hint))
    return UpgradePlan(str(now), str(want), "patch" if want.minor == now.minor else "minor")

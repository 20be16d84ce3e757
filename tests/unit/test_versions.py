"""kubeadm's upgrade rules: one minor at a time, never down, same major."""

from __future__ import annotations

import pytest

from ansible_collections.kubelab.cluster.plugins.module_utils.versions import Release, allowed_targets, plan_upgrade

SERVED = ["v1.33.6", "v1.33.13", "v1.34.0", "v1.34.2", "v1.34.3", "v1.34.4", "v1.35.4", "v1.36.1", "v1.36.3", "v1.37.2"]


@pytest.mark.parametrize("text, parsed", [("v1.35.4", Release(1, 35, 4)), (" v1.34.10 ", Release(1, 34, 10))])
def test_release_tags_parse(text, parsed):
    assert Release.parse(text) == parsed
    assert str(parsed) == text.strip()


@pytest.mark.parametrize("text", ["1.35.4", "v1.35", "v1.35.4-rc.0", "latest", ""])
def test_other_text_is_refused_naming_it(text):
    with pytest.raises(ValueError, match="is not a Kubernetes release tag like v1.35.4"):
        Release.parse(text)


def test_patches_order_numerically():
    assert Release.parse("v1.33.13") > Release.parse("v1.33.6")


@pytest.mark.parametrize("running, target, action", [
    ("v1.34.4", "v1.34.4", "none"),
    ("v1.34.2", "v1.34.4", "patch"),
    ("v1.34.4", "v1.35.4", "minor"),
    ("v1.34.0", "v1.35.4", "minor"),
])
def test_allowed_steps(running, target, action):
    plan = plan_upgrade(running, target, SERVED)
    assert plan.allowed
    assert plan.action == action
    assert plan.reason == ""


def test_a_downgrade_is_refused_naming_the_allowed_targets():
    plan = plan_upgrade("v1.35.4", "v1.34.4", SERVED)
    assert not plan.allowed
    assert plan.reason == ("v1.34.4 is older than the running v1.35.4; kubeadm does not downgrade a cluster. "
                           "Allowed targets from v1.35.4: v1.36.1, v1.36.3.")


def test_skipping_a_minor_is_refused_naming_the_next_minor():
    plan = plan_upgrade("v1.34.4", "v1.36.3", SERVED)
    assert not plan.allowed
    assert "v1.34.4 to v1.36.3 skips 1 minor release(s); kubeadm upgrades one minor at a time (to v1.35.x first)" \
        in plan.reason
    assert plan.reason.endswith("Allowed targets from v1.34.4: v1.35.4.")


def test_a_major_change_is_refused():
    assert "changes the major version" in plan_upgrade("v1.35.4", "v2.0.0").reason


def test_without_a_list_of_versions_the_reason_names_the_allowed_minors():
    assert plan_upgrade("v1.35.4", "v1.33.6").reason.endswith(
        "Allowed targets from v1.35.4: a later v1.35 patch or a v1.36 patch.")


def test_nothing_available_says_so():
    plan = plan_upgrade("v1.37.2", "v1.35.4", SERVED)
    assert plan.reason.endswith("No version available here is an allowed target from v1.37.2.")


def test_allowed_targets_are_later_patches_and_the_next_minor():
    assert allowed_targets("v1.34.2", SERVED) == ["v1.34.3", "v1.34.4", "v1.35.4"]
    assert allowed_targets("v1.37.2", SERVED) == []

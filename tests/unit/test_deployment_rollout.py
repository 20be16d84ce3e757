"""The rollout logic: strategy bounds, template comparison, revision history."""

from __future__ import annotations

import pytest
from ansible_collections.kubelab.cluster.plugins.modules import deployment_rollout as dr


@pytest.mark.parametrize("replicas, strategy, allowed", [
    (3, {}, 3),  # 25% of 3: maxUnavailable rounds down to 0, maxSurge up to 1
    (4, {}, 3),
    (10, {"rollingUpdate": {"maxUnavailable": "30%"}}, 7),
    (3, {"rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}, 2),
    (3, {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}, 2),  # the controller allows one then
    (3, {"rollingUpdate": {"maxUnavailable": "0%", "maxSurge": "0%"}}, 2),
    (2, {"rollingUpdate": {"maxUnavailable": 5}}, 0),
    (3, {"type": "Recreate"}, 0),
])
def test_allowed_min_available(replicas, strategy, allowed):
    assert dr.allowed_min_available(replicas, strategy) == allowed


@pytest.mark.parametrize("value, replicas, up, expected", [
    ("25%", 3, True, 1), ("25%", 3, False, 0), ("50%", 4, False, 2), (2, 9, True, 2), ("2", 9, False, 2),
    (None, 8, True, 2)])
def test_scaled(value, replicas, up, expected):
    assert dr.scaled(value, replicas, up) == expected


def template(image, hash_label=None):
    labels = {"app": "web"}
    if hash_label:
        labels["pod-template-hash"] = hash_label
    return {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "nginx", "image": image}]}}


def test_a_replica_sets_template_equals_the_deployments_without_its_hash():
    assert dr.comparable(template("nginx:1", "abc123")) == dr.comparable(template("nginx:1"))
    assert dr.comparable(template("nginx:1", "abc123")) != dr.comparable(template("nginx:2"))
    assert template("nginx:1", "abc123")["metadata"]["labels"]["pod-template-hash"] == "abc123"


def test_history_is_ordered_by_revision_with_causes():
    def rs(name, revision, image, replicas, cause=None):
        annotations = {dr.REVISION: str(revision)}
        if cause:
            annotations[dr.CHANGE_CAUSE] = cause
        return {"metadata": {"name": name, "annotations": annotations},
                "spec": {"replicas": replicas, "template": template(image, name[-3:])}}

    history = dr.history_of([rs("web-bbb", 3, "nginx:1", 3, "nginx 1"), rs("web-aaa", 2, "nginx:2", 0)])
    assert history == [
        {"revision": 2, "change_cause": "", "images": {"nginx": "nginx:2"}, "replica_set": "web-aaa", "replicas": 0},
        {"revision": 3, "change_cause": "nginx 1", "images": {"nginx": "nginx:1"}, "replica_set": "web-bbb",
         "replicas": 3}]

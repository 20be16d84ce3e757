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


# -- the module's refusals, against a fake API server on loopback (conftest.kube_api) -----------------------------

APPS = "/apis/apps/v1/namespaces/default"


def deployment(revision, image="nginx:1.12"):
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "uid": "uid-web", "generation": revision,
                         "annotations": {dr.REVISION: str(revision)}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": template(image)},
            "status": {"observedGeneration": revision, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}}


def replica_set(revision, image):
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-%d" % revision, "namespace": "default", "annotations": {dr.REVISION: str(revision)},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                              "uid": "uid-web", "controller": True}]},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": template(image, "h%d" % revision)}}


def serve_web(fake, revision, replica_sets):
    fake.objects[APPS + "/deployments/web"] = deployment(revision, replica_sets[-1][1])
    fake.objects[APPS + "/replicasets"] = {"apiVersion": "apps/v1", "kind": "ReplicaSetList", "metadata": {},
                                           "items": [replica_set(r, image) for r, image in replica_sets]}


def test_a_missing_deployment_is_refused_naming_it(run_module, kube_api):
    result = run_module(dr.main, {"kubeconfig": kube_api.kubeconfig, "name": "web", "image": "nginx:1.13"})
    assert result["failed"] is True
    assert result["msg"] == "Deployment web not found in namespace default"
    assert kube_api.requests == [("GET", APPS + "/deployments/web")]


def test_undo_without_an_earlier_revision_is_refused(run_module, kube_api):
    serve_web(kube_api, 1, [(1, "nginx:1.12")])
    result = run_module(dr.main, {"kubeconfig": kube_api.kubeconfig, "name": "web", "undo": True})
    assert result["failed"] is True
    assert result["msg"] == "Deployment web has no revision before 1 to roll back to (revisions: 1)"
    assert kube_api.writes() == []


def test_undo_to_a_revision_that_does_not_exist_is_refused_naming_it(run_module, kube_api):
    serve_web(kube_api, 2, [(1, "nginx:1.11"), (2, "nginx:1.12")])
    result = run_module(dr.main, {"kubeconfig": kube_api.kubeconfig, "name": "web", "undo": True, "to_revision": 7})
    assert result["failed"] is True
    assert result["msg"] == "Deployment web has no revision 7 to roll back to (revisions: 1, 2)"
    assert kube_api.writes() == []


def test_an_unknown_container_is_refused_naming_the_containers(run_module, kube_api):
    serve_web(kube_api, 1, [(1, "nginx:1.12")])
    result = run_module(dr.main, {"kubeconfig": kube_api.kubeconfig, "name": "web", "image": "nginx:1.13",
                                  "container": "sidecar"})
    assert result["failed"] is True
    assert result["msg"] == "Deployment web has no container sidecar (containers: nginx)"
    assert kube_api.writes() == []


@pytest.mark.parametrize("given, which", [({"image": "nginx:1.13", "undo": True}, "both"), ({}, "neither")])
def test_image_and_undo_together_or_neither_are_refused(run_module, kube_api, given, which):
    result = run_module(dr.main, dict({"kubeconfig": kube_api.kubeconfig, "name": "web"}, **given))
    assert result["failed"] is True
    assert result["msg"] == "give either image (to roll to) or undo=true (to roll back), not %s" % which
    assert kube_api.requests == []


def test_the_same_fake_answers_a_valid_undo_in_check_mode_without_writing(run_module, kube_api):
    """The refusals above are the module's, not the fake's: a valid call on the same data goes through."""
    serve_web(kube_api, 2, [(1, "nginx:1.11"), (2, "nginx:1.12")])
    result = run_module(dr.main, {"kubeconfig": kube_api.kubeconfig, "name": "web", "undo": True}, check_mode=True)
    assert result["failed"] is False, result
    assert (result["changed"], result["images"]) == (True, {"nginx": "nginx:1.11"})
    assert [entry["revision"] for entry in result["history"]] == [1, 2]
    assert kube_api.writes() == []


def test_check_mode_reports_the_images_it_would_roll_to_and_no_revision_yet(run_module, kube_api):
    serve_web(kube_api, 1, [(1, "nginx:1.12")])
    result = run_module(dr.main, {"kubeconfig": kube_api.kubeconfig, "name": "web", "image": "nginx:1.13"},
                        check_mode=True)
    assert (result["failed"], result["changed"], result["images"]) == (False, True, {"nginx": "nginx:1.13"})
    assert "revision" not in result
    assert kube_api.writes() == []


def test_a_refused_replica_set_listing_fails_naming_it_and_the_rights_needed(run_module, kube_api):
    serve_web(kube_api, 2, [(1, "nginx:1.11"), (2, "nginx:1.12")])
    kube_api.refuse(APPS + "/replicasets", 403, "Forbidden", "replicasets is forbidden")
    result = run_module(dr.main, {"kubeconfig": kube_api.kubeconfig, "name": "web", "undo": True})
    assert result["failed"] is True
    assert result["msg"].startswith("cannot list the ReplicaSets of Deployment web: 403 Forbidden: ")
    assert "replicasets is forbidden" in result["msg"]
    assert result["msg"].endswith("; the kubeconfig's user needs to list ReplicaSets in namespace default")
    assert kube_api.writes() == []

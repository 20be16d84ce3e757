#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: deployment_rollout
short_description: Roll a Deployment to a new image or back to an earlier revision, and watch the rollout
version_added: "0.1.0"
description:
  - With O(image), sets the image of one container of a Deployment (C(kubectl set image)); with O(undo=true),
    puts back the pod template of an earlier revision (C(kubectl rollout undo)). Either way it records
    O(change_cause) in the C(kubernetes.io/change-cause) annotation, as C(kubectl rollout history) shows it.
  - Watches the rollout until it is complete, sampling the Deployment's available replicas, and fails when they
    drop below what the rolling-update strategy allows (replicas minus C(maxUnavailable)).
  - A rollout whose new pods cannot pull their image, or that does not complete within O(timeout), fails with a
    message naming the image and the pods' reasons; with O(rollback_on_failure=true) the Deployment first gets
    its previous pod template back, so the previous revision keeps serving.
  - Returns the revision history (revision, change cause, images, ReplicaSet, replicas).
  - A Deployment already on the requested image or template is left alone.
author:
  - kubelab.cluster contributors (@kubelab)
extends_documentation_fragment:
  - kubelab.cluster.kube_connection
  - kubelab.cluster.attributes
options:
  namespace:
    description: Namespace of the Deployment.
    type: str
    default: default
  name:
    description: Name of the Deployment.
    type: str
    required: true
  image:
    description: Image to roll out. Exactly one of O(image) and O(undo=true) is required.
    type: str
  container:
    description: Container whose image is set; empty means the first container.
    type: str
    default: ""
  undo:
    description: Roll back to O(to_revision), or to the revision before the current one.
    type: bool
    default: false
  to_revision:
    description: Revision to roll back to; 0 means the previous one.
    type: int
    default: 0
  change_cause:
    description:
      - Text for the C(kubernetes.io/change-cause) annotation. Empty records C(image <container>=<image>) for an
        image change and the target revision's own cause for an undo.
    type: str
    default: ""
  timeout:
    description: Seconds the rollout may take.
    type: int
    default: 300
  rollback_on_failure:
    description: When the rollout fails, put the previous pod template back and wait for it.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details:
      - Reports whether it would change the Deployment, and the images of the template it would roll to
        (RV(images)), without changing it.
      - It returns no RV(revision) then, because the Deployment's controller numbers the new revision only when
        the change is made.
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Roll nginx-deployment to nginx 1.13
  kubelab.cluster.deployment_rollout:
    kubeconfig: ~/.kube/kubelab.conf
    name: nginx-deployment
    image: nginx:1.13
    change_cause: update nginx to 1.13
  register: rollout

- name: Roll it back, as kubectl rollout undo does
  kubelab.cluster.deployment_rollout:
    kubeconfig: ~/.kube/kubelab.conf
    name: nginx-deployment
    undo: true
"""

RETURN = r"""
revision:
  description: Revision of the Deployment after the call.
  returned: success, except in check mode when the Deployment would change
  type: int
images:
  description:
    - Container name to image of the Deployment's pod template after the call.
    - In check mode, of the template it would roll to.
  returned: success
  type: dict
history:
  description: One entry per ReplicaSet of the Deployment, by revision.
  returned: always, when the Deployment exists
  type: list
  elements: dict
  sample:
    - {revision: 2, change_cause: update nginx to 1.13, images: {nginx: "nginx:1.13"},
       replica_set: nginx-deployment-5d59d67564, replicas: 0}
    - {revision: 3, change_cause: nginx 1.12.2, images: {nginx: "nginx:1.12.2"},
       replica_set: nginx-deployment-6b474476c4, replicas: 3}
watch:
  description: What the rollout looked like while it was watched.
  returned: when a rollout was watched
  type: dict
  sample: {replicas: 3, min_available: 3, allowed_min_available: 3, max_pods: 4, samples: 41, seconds: 12.3}
rolled_back:
  description: Whether a failed rollout was undone (O(rollback_on_failure)).
  returned: always
  type: bool
"""

import time
from copy import deepcopy
from typing import Any, cast

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubelab.cluster.plugins.module_utils.kube import (
    CONNECTION_ARG_SPEC, ApiException, ClusterError, api_error, client, kube_module, load_configuration)

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
HASH_LABEL = "pod-template-hash"
PULL_FAILURES = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull")

ARGUMENT_SPEC = deepcopy(CONNECTION_ARG_SPEC)
ARGUMENT_SPEC.update(
    namespace=dict(type="str", default="default"),
    name=dict(type="str", required=True),
    image=dict(type="str"),
    container=dict(type="str", default=""),
    undo=dict(type="bool", default=False),
    to_revision=dict(type="int", default=0),
    change_cause=dict(type="str", default=""),
    timeout=dict(type="int", default=300),
    rollback_on_failure=dict(type="bool", default=True),
)


def scaled(value: int | str | None, replicas: int, round_up: bool) -> int:
    """An intOrString of the rolling-update strategy, as the deployment controller resolves it."""
    if value is None:
        value = "25%"
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        return int(text)
    exact = int(text[:-1]) * replicas / 100.0
    whole = int(exact)
    return whole + 1 if round_up and exact > whole else whole


def allowed_min_available(replicas: int, strategy: dict) -> int:
    """replicas - maxUnavailable (at least one may be unavailable when both bounds round to 0)."""
    if (strategy or {}).get("type") == "Recreate":
        return 0
    rolling = (strategy or {}).get("rollingUpdate") or {}
    surge = scaled(rolling.get("maxSurge"), replicas, round_up=True)
    unavailable = scaled(rolling.get("maxUnavailable"), replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return max(0, replicas - unavailable)


def template_images(template: dict) -> dict:
    return {c["name"]: c["image"] for c in template["spec"]["containers"]}


def comparable(template: dict) -> dict:
    """A pod template without the ReplicaSet's hash label, for comparing revisions."""
    labels = dict((template.get("metadata") or {}).get("labels") or {})
    labels.pop(HASH_LABEL, None)
    metadata = dict(template.get("metadata") or {}, labels=labels)
    return dict(template, metadata=metadata)


def annotations_of(obj: dict) -> dict:
    return obj["metadata"].get("annotations") or {}


def revision_of(obj: dict) -> int:
    """The revision a Deployment or ReplicaSet carries in its annotation (0 without one)."""
    return int(annotations_of(obj).get(REVISION, 0))


def label_selector(deployment: dict) -> str:
    """The Deployment's matchLabels as a label selector for listing its ReplicaSets and pods."""
    return ",".join("%s=%s" % kv for kv in sorted(deployment["spec"]["selector"].get("matchLabels", {}).items()))


def history_of(replica_sets: list[dict]) -> list[dict]:
    entries = []
    for rs in replica_sets:
        entries.append({"revision": revision_of(rs), "change_cause": annotations_of(rs).get(CHANGE_CAUSE, ""),
                        "images": template_images(rs["spec"]["template"]), "replica_set": rs["metadata"]["name"],
                        "replicas": rs["spec"].get("replicas", 0)})
    return sorted(entries, key=lambda e: e["revision"])


class Rollout:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.namespace = module.params["namespace"]
        api = client.ApiClient(load_configuration(self.params["kubeconfig"], self.params["context"]))
        self.apps = client.AppsV1Api(api)
        self.core = client.CoreV1Api(api)
        self.serialize = api.sanitize_for_serialization
        self.result: dict[str, Any] = {"changed": False, "rolled_back": False}

    def read(self) -> dict:
        try:
            return self.serialize(self.apps.read_namespaced_deployment(self.name, self.namespace))
        except ApiException as exc:
            if exc.status == 404:
                raise ClusterError("Deployment %s not found in namespace %s" % (self.name, self.namespace)) from exc
            raise ClusterError("cannot read Deployment %s: %s" % (self.name, api_error(exc))) from exc

    def replica_sets(self, deployment: dict) -> list[dict]:
        uid = deployment["metadata"]["uid"]
        try:
            listed = self.apps.list_namespaced_replica_set(self.namespace, label_selector=label_selector(deployment))
        except ApiException as exc:
            raise ClusterError("cannot list the ReplicaSets of Deployment %s: %s; the kubeconfig's user needs to list "
                               "ReplicaSets in namespace %s" % (self.name, api_error(exc), self.namespace)) from exc
        items = self.serialize(listed)["items"]
        return [rs for rs in items if any(o.get("uid") == uid for o in rs["metadata"].get("ownerReferences") or [])]

    # -- what to roll to ------------------------------------------------
    def target(self, deployment: dict) -> tuple[dict, str]:
        """The pod template to roll to and its change cause."""
        template = deployment["spec"]["template"]
        if self.params["undo"]:
            by_revision = {revision_of(rs): rs for rs in self.replica_sets(deployment)}
            current = revision_of(deployment)
            wanted = self.params["to_revision"] or max([r for r in by_revision if r < current] or [0])
            if wanted not in by_revision or wanted == 0:
                raise ClusterError("Deployment %s has no revision %s to roll back to (revisions: %s)" % (
                    self.name, self.params["to_revision"] or "before %d" % current,
                    ", ".join(str(r) for r in sorted(by_revision)) or "none"))
            rs = by_revision[wanted]
            cause = self.params["change_cause"] or annotations_of(rs).get(CHANGE_CAUSE, "")
            return comparable(rs["spec"]["template"]), cause
        containers = template["spec"]["containers"]
        names = [c["name"] for c in containers]
        name = self.params["container"] or names[0]
        if name not in names:
            raise ClusterError("Deployment %s has no container %s (containers: %s)" % (self.name, name, ", ".join(names)))
        image = self.params["image"]
        new = comparable(template)
        new["spec"] = dict(new["spec"], containers=[dict(c, image=image) if c["name"] == name else c for c in containers])
        return new, self.params["change_cause"] or "image %s=%s" % (name, image)

    # -- doing it -------------------------------------------------------
    def apply(self, template: dict, cause: str) -> dict:
        """Replace the Deployment's pod template (and change cause) as a whole, like kubectl rollout undo."""
        for attempt in (1, 2):
            body = self.read()
            body.pop("status", None)
            annotations = body["metadata"].setdefault("annotations", {})
            if cause:
                annotations[CHANGE_CAUSE] = cause
            else:
                annotations.pop(CHANGE_CAUSE, None)
            body["spec"]["template"] = template
            try:
                # the client validates a JSON-form dict into the model its signature names
                replaced = self.apps.replace_namespaced_deployment(self.name, self.namespace, cast(Any, body))
                return self.serialize(replaced)
            except ApiException as exc:
                if exc.status == 409 and attempt == 1:
                    continue  # changed since read: read again
                raise ClusterError("cannot update Deployment %s: %s" % (self.name, api_error(exc))) from exc
        raise ClusterError("cannot update Deployment %s: it keeps changing" % self.name)

    def watch(self, generation: int) -> tuple[dict[str, Any], str]:
        """Follow the rollout to its end; return the watch record and '' or why it failed."""
        started = time.monotonic()
        record: dict[str, Any] = {"replicas": 0, "min_available": None, "allowed_min_available": 0, "max_pods": 0,
                                  "samples": 0}
        while True:
            deployment = self.read()
            spec, status = deployment["spec"], deployment.get("status") or {}
            replicas = spec.get("replicas", 1)
            record["replicas"] = replicas
            record["allowed_min_available"] = allowed_min_available(replicas, spec.get("strategy") or {})
            available = status.get("availableReplicas", 0) or 0
            record["min_available"] = available if record["min_available"] is None else min(record["min_available"], available)
            record["max_pods"] = max(record["max_pods"], status.get("replicas", 0) or 0)
            record["samples"] += 1
            record["seconds"] = round(time.monotonic() - started, 2)
            if (status.get("observedGeneration", 0) >= generation and status.get("updatedReplicas", 0) == replicas
                    and (status.get("replicas", 0) or 0) == replicas and available == replicas):
                return record, ""
            why = self.stuck(deployment)
            if why:
                return record, why
            if time.monotonic() - started > self.params["timeout"]:
                return record, "not complete within %ds (%d of %d updated, %d available)" % (
                    self.params["timeout"], status.get("updatedReplicas", 0) or 0, replicas, available)
            time.sleep(0.5)

    def stuck(self, deployment: dict) -> str:
        """Why the new pods cannot start (image pulls), or why the controller gave up."""
        for condition in (deployment.get("status") or {}).get("conditions") or []:
            if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
                return condition.get("message", "progress deadline exceeded")
        images = set(template_images(deployment["spec"]["template"]).values())
        try:
            listed = self.core.list_namespaced_pod(self.namespace, label_selector=label_selector(deployment))
        except ApiException as exc:
            raise ClusterError("cannot list the pods of Deployment %s: %s; the kubeconfig's user needs to list pods "
                               "in namespace %s" % (self.name, api_error(exc), self.namespace)) from exc
        reasons = []
        for pod in self.serialize(listed)["items"]:
            for status in (pod.get("status") or {}).get("containerStatuses") or []:
                waiting = (status.get("state") or {}).get("waiting") or {}
                if waiting.get("reason") in PULL_FAILURES and status.get("image") in images:
                    reasons.append("%s: %s %s" % (pod["metadata"]["name"], waiting["reason"], waiting.get("message", "")))
        return "; ".join(r.strip() for r in reasons)

    def run(self) -> None:
        before = self.read()
        wanted, cause = self.target(before)
        template_before = comparable(before["spec"]["template"])
        self.result["history"] = history_of(self.replica_sets(before))
        if wanted == template_before:
            self.done(before)
            return
        self.result["changed"] = True
        if self.module.check_mode:
            # the controller numbers the new revision when the change is made: no revision to report yet
            self.result["images"] = template_images(wanted)
            self.module.exit_json(**self.result)
        after = self.apply(wanted, cause)
        record, why = self.watch(after["metadata"]["generation"])
        self.result["watch"] = record
        if why:
            self.fail_rollout(before, template_before, why)
        if record["min_available"] < record["allowed_min_available"]:
            self.result["history"] = history_of(self.replica_sets(self.read()))
            self.module.fail_json(msg="Deployment %s: available replicas dropped to %s during the rollout; the strategy "
                                      "allows no fewer than %s" % (self.name, record["min_available"],
                                                                   record["allowed_min_available"]), **self.result)
        self.done(self.read())

    def fail_rollout(self, before: dict, template_before: dict, why: str) -> None:
        """Fail naming why; with rollback_on_failure, first put ``template_before`` (and its cause) back."""
        images = ", ".join(sorted(set(template_images(self.read()["spec"]["template"]).values())))
        msg = "rollout of Deployment %s to %s failed: %s" % (self.name, images, why)
        if self.params["rollback_on_failure"]:
            after = self.apply(template_before, annotations_of(before).get(CHANGE_CAUSE, ""))
            record, again = self.watch(after["metadata"]["generation"])
            self.result["rolled_back"] = True
            self.result["rollback_watch"] = record
            revision = annotations_of(self.read()).get(REVISION, "?")
            msg += "; rolled back to the previous template (%s, now revision %s)%s" % (
                ", ".join(sorted(set(template_images(template_before).values()))), revision,
                ", which kept serving: available replicas never below %d"
                % min(record["min_available"], self.result["watch"]["min_available"])
                if not again else ", and that did not complete either: %s" % again)
        self.result["history"] = history_of(self.replica_sets(self.read()))
        self.module.fail_json(msg=msg, **self.result)

    def done(self, deployment: dict) -> None:
        self.result["revision"] = revision_of(deployment)
        self.result["images"] = template_images(deployment["spec"]["template"])
        self.result["history"] = history_of(self.replica_sets(deployment))
        self.module.exit_json(**self.result)


def main() -> None:
    module = kube_module(ARGUMENT_SPEC, supports_check_mode=True)
    if bool(module.params["undo"]) == bool(module.params["image"]):
        module.fail_json(msg="give either image (to roll to) or undo=true (to roll back), not %s"
                         % ("both" if module.params["undo"] else "neither"))
    if module.params["to_revision"] < 0 or module.params["timeout"] < 1:
        module.fail_json(msg="to_revision=%d, timeout=%d: expected to_revision >= 0 and timeout >= 1"
                         % (module.params["to_revision"], module.params["timeout"]))
    rollout = None
    try:
        rollout = Rollout(module)
        rollout.run()
    except ClusterError as exc:
        module.fail_json(msg=str(exc), **(rollout.result if rollout else {"changed": False}))


if __name__ == "__main__":
    main()

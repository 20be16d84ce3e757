"""oci_registry_compare: which built images a registry lacks or holds in another build."""

from __future__ import annotations

import http.server
import json

from ansible_collections.kubelab.cluster.plugins.module_utils.oci import MANIFEST_ACCEPT, outdated_images
from ansible_collections.kubelab.cluster.plugins.modules import oci_registry_compare


def layout(root, name, tag, digest):
    path = root / name / tag
    path.mkdir(parents=True)
    (path / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{"digest": digest}]}))
    return str(path)


def registry_holding(held: dict, seen: list):
    class Registry(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            """Keep the test output free of access logs."""

        def do_HEAD(self):
            seen.append((self.command, self.path, self.headers.get("Accept")))
            digest = held.get(self.path)
            if digest == "error":
                self.send_response(500)
            elif digest is None:
                self.send_response(404)
            else:
                self.send_response(200)
                self.send_header("Docker-Content-Digest", digest)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Registry


def test_outdated_images_names_missing_and_different_ones(tmp_path):
    images = [("pause", "3.10.1", layout(tmp_path, "pause", "3.10.1", "sha256:aa")),
              ("flannel", "v0.27.4", layout(tmp_path, "flannel", "v0.27.4", "sha256:bb")),
              ("busybox", "1.36", layout(tmp_path, "busybox", "1.36", "sha256:cc"))]
    held = {("pause", "3.10.1"): "sha256:aa", ("flannel", "v0.27.4"): "sha256:old"}
    assert outdated_images(images, lambda name, tag: held.get((name, tag))) == [
        {"name": "flannel", "tag": "v0.27.4", "built": "sha256:bb", "registry": "sha256:old"},
        {"name": "busybox", "tag": "1.36", "built": "sha256:cc", "registry": "-"},
    ]


def test_the_module_asks_the_registry_and_changes_nothing(run_module, tmp_path, http_server):
    layout(tmp_path, "pause", "3.10.1", "sha256:aa")
    layout(tmp_path, "e2e-test-images/agnhost", "2.53", "sha256:bb")
    seen: list = []
    url = http_server(registry_holding({"/v2/pause/manifests/3.10.1": "sha256:aa"}, seen))
    result = run_module(oci_registry_compare.main, {"images": ["pause:3.10.1", "e2e-test-images/agnhost:2.53"],
                                                    "oci_dir": str(tmp_path), "registry": url + "/"}, check_mode=True)
    assert result["failed"] is False and result["changed"] is False
    assert result["outdated"] == [{"name": "e2e-test-images/agnhost", "tag": "2.53", "built": "sha256:bb", "registry": "-"}]
    assert [(method, path) for method, path, accept in seen] == [
        ("HEAD", "/v2/pause/manifests/3.10.1"), ("HEAD", "/v2/e2e-test-images/agnhost/manifests/2.53")]
    assert [accept for method, path, accept in seen] == [MANIFEST_ACCEPT, MANIFEST_ACCEPT]


def test_a_registry_error_is_named(run_module, tmp_path, http_server):
    layout(tmp_path, "pause", "3.10.1", "sha256:aa")
    url = http_server(registry_holding({"/v2/pause/manifests/3.10.1": "error"}, []))
    result = run_module(oci_registry_compare.main, {"images": ["pause:3.10.1"], "oci_dir": str(tmp_path), "registry": url})
    assert result["failed"] and "answered 500 for pause:3.10.1" in result["msg"]


def test_bad_images_are_refused_naming_them(run_module, tmp_path):
    result = run_module(oci_registry_compare.main, {"images": ["pause"], "oci_dir": str(tmp_path), "registry": "http://127.0.0.1:1"})
    assert result["failed"] and "'pause' must be name:tag" in result["msg"]
    result = run_module(oci_registry_compare.main, {"images": ["pause:3.10.1"], "oci_dir": str(tmp_path), "registry": "http://127.0.0.1:1"})
    assert result["failed"] and "pause:3.10.1 has no OCI layout at" in result["msg"]

"""The offline mirror: built (or reused from the cache) and served for real, then checked.

The session fixture runs playbooks/mirror.yml once on this machine. A cold run
builds everything from Go modules and Debian packages (tens of minutes on two
cores); with the cache it takes seconds.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from helpers import REPO, run_playbook

DEFAULTS = yaml.safe_load((REPO / "roles/mirror/defaults/main.yml").read_text())
ROLE_VARS = yaml.safe_load((REPO / "roles/mirror/vars/main.yml").read_text())
CNI_PLUGINS = sorted(p.rsplit("/", 1)[1] for p in ROLE_VARS["mirror_cni_plugins"])
K8S = DEFAULTS["mirror_kubernetes_version"]
ROOT = Path(DEFAULTS["mirror_root"])
FILES = ROOT / "files"
REGISTRY = "127.0.0.1:%d" % DEFAULTS["mirror_registry_port"]
FILES_URL = "http://127.0.0.1:%d" % DEFAULTS["mirror_files_port"]
PLAYBOOK = REPO / "playbooks/mirror.yml"
BIN = FILES / "release" / K8S / "bin/linux/amd64"


def output(*cmd: str) -> str:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=120, check=False)
    return proc.stdout + proc.stderr


def registry_tags(name: str) -> list[str]:
    with urllib.request.urlopen("http://%s/v2/%s/tags/list" % (REGISTRY, name), timeout=10) as resp:
        return json.load(resp).get("tags") or []


BUILD_TASK = re.compile(r"Build (\d+) of (\d+): (\S+) (v\S+)( \(its last build took \d+ (s|min)\))?$")
BUILD_TIMES = Path(DEFAULTS["mirror_cache_dir"]) / "build-times.json"


def build_tasks(run) -> list[tuple[int, int, str, str]]:
    names = [t["task"]["name"].split(" : ", 1)[-1] for p in run.plays for t in p["tasks"]]
    return [(int(m[1]), int(m[2]), m[3], m[4]) for m in map(BUILD_TASK.match, names) if m]


def test_each_go_build_is_a_task_of_its_own_numbered_n_of_all(mirror):
    builds = build_tasks(mirror["run"])
    total = len(builds)
    assert [b[:2] for b in builds] == [(n, total) for n in range(1, total + 1)]
    assert ("kubernetes", K8S) in [b[2:] for b in builds]
    assert len({b[2:] for b in builds}) == total


def test_a_rebuild_reports_its_time_and_the_next_run_shows_it_and_changes_nothing(mirror):
    # flannel-cni-plugin is the smallest build: its stamp removed, it is built again.
    stamps = list((Path(DEFAULTS["mirror_cache_dir"]) / "build/flannel-cni-plugin").glob("*/.kubelab-build.json"))
    assert len(stamps) == 1
    version = stamps[0].parent.name
    stamps[0].unlink()
    rebuilt = run_playbook(PLAYBOOK)
    assert rebuilt.rc == 0, rebuilt.failure_messages()
    reports = [r["msg"] for r in rebuilt.results("Report the build of flannel-cni-plugin")]
    assert len(reports) == 1
    seconds = int(re.match(r"flannel-cni-plugin %s built in (\d+) s; \d+ of \d+ done" % re.escape(version), reports[0])[1])
    assert json.loads(BUILD_TIMES.read_text())["flannel-cni-plugin"][version] == seconds
    # The same binary again: nothing served changes.
    assert rebuilt.results("Lay out the files repository")[0].get("changed") is False
    took = ("%d s" % seconds) if seconds < 90 else ("%d min" % ((seconds + 59) // 60))
    # The run after it builds nothing and changes nothing.
    again = run_playbook(PLAYBOOK)
    assert again.rc == 0, again.failure_messages()
    assert again.changed == 0, [t["task"]["name"] for p in again.plays for t in p["tasks"]
                                if any(h.get("changed") for h in t["hosts"].values())]
    names = [b for b in build_tasks(again) if b[2] == "flannel-cni-plugin"]
    assert names, "no build task for flannel-cni-plugin"
    shown = [t["task"]["name"] for p in again.plays for t in p["tasks"] if "flannel-cni-plugin " + version in t["task"]["name"]]
    assert any(name.endswith("(its last build took %s)" % took) for name in shown), shown


@pytest.mark.parametrize(
    "path, args, expected",
    [
        ("kubeadm", ["version", "-o", "short"], K8S),
        ("kubelet", ["--version"], "Kubernetes " + K8S),
        ("kubectl", ["version", "--client"], "Client Version: " + K8S),
        ("kube-apiserver", ["--version"], "Kubernetes " + K8S),
        ("kube-controller-manager", ["--version"], "Kubernetes " + K8S),
        ("kube-scheduler", ["--version"], "Kubernetes " + K8S),
        ("kube-proxy", ["--version"], "Kubernetes " + K8S),
    ],
)
def test_kubernetes_binaries_report_the_pinned_version(mirror, path, args, expected):
    assert expected in output(str(BIN / path), *args)


def test_other_binaries_report_their_versions(mirror):
    d = DEFAULTS
    checks = [
        (FILES / "etcd" / d["mirror_etcd_version"] / "linux/amd64/etcd", ["--version"],
         "etcd Version: " + d["mirror_etcd_version"][1:]),
        (FILES / "coredns" / d["mirror_coredns_version"] / "linux/amd64/coredns", ["-version"],
         "CoreDNS-" + d["mirror_coredns_version"][1:]),
        (FILES / "flannel" / d["mirror_flannel_version"] / "linux/amd64/flanneld", ["--version"], d["mirror_flannel_version"]),
        (FILES / "flannel-cni-plugin" / d["mirror_flannel_cni_plugin_version"] / "linux/amd64/flannel", [],
         d["mirror_flannel_cni_plugin_version"]),
        (FILES / "minikube/releases" / d["mirror_minikube_version"] / "minikube-linux-amd64", ["version", "--short"],
         d["mirror_minikube_version"]),
    ] + [
        (FILES / "cni-plugins" / d["mirror_cni_plugins_version"] / "linux/amd64" / plugin, [], d["mirror_cni_plugins_version"])
        for plugin in CNI_PLUGINS
    ] + [
        # etcd's clients of every release's etcd, for snapshots taken at either release.
        (FILES / "etcd" / etcd / "linux/amd64" / tool, ["version"], tool + " version: " + etcd[1:])
        for etcd in [d["mirror_etcd_version"]] + [r["etcd"] for r in d["mirror_previous_releases"]]
        for tool in ("etcdctl", "etcdutl")
    ]
    for path, args, expected in checks:
        assert expected in output(str(path), *args), path


def test_tarballs_hold_working_binaries(mirror, tmp_path):
    d = DEFAULTS
    crictl = FILES / "crictl" / d["mirror_crictl_version"] / ("crictl-%s-linux-amd64.tar.gz" % d["mirror_crictl_version"])
    subprocess.run(["tar", "-xzf", str(crictl), "-C", str(tmp_path)], check=True)
    assert d["mirror_crictl_version"] in output(str(tmp_path / "crictl"), "--version")
    cni = FILES / "cni-plugins" / d["mirror_cni_plugins_version"] / ("cni-plugins-linux-amd64-%s.tgz" % d["mirror_cni_plugins_version"])
    listing = subprocess.run(["tar", "-tzf", str(cni)], capture_output=True, text=True, check=True).stdout.split()
    assert sorted(listing) == CNI_PLUGINS
    assert {"bridge", "host-local", "loopback", "portmap", "firewall"} <= set(listing)


def test_every_sha256_matches_and_every_file_has_one(mirror):
    files = [p for p in FILES.rglob("*") if p.is_file() and p.suffix != ".sha256"]
    assert len(files) >= 18
    for path in files:
        published = Path(str(path) + ".sha256").read_text().strip()
        assert published == hashlib.sha256(path.read_bytes()).hexdigest(), path


def test_files_are_served_over_http(mirror):
    url = "%s/release/%s/bin/linux/amd64/kubeadm.sha256" % (FILES_URL, K8S)
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read().decode() == (BIN / "kubeadm.sha256").read_text()


def kubeadm_images() -> list[str]:
    out = subprocess.run([str(BIN / "kubeadm"), "config", "images", "list", "--kubernetes-version", K8S,
                          "--image-repository", REGISTRY], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_kubeadm_lists_only_images_the_registry_has(mirror):
    images = kubeadm_images()
    assert len(images) == 7
    for image in images:
        name, tag = image[len(REGISTRY) + 1:].rsplit(":", 1)
        assert tag in registry_tags(name), image


def test_every_image_is_pullable_by_its_exact_name(mirror, tmp_path):
    d = DEFAULTS
    extra = ["%s/flannel:%s" % (REGISTRY, d["mirror_flannel_version"]),
             "%s/flannel-cni-plugin:%s" % (REGISTRY, d["mirror_flannel_cni_plugin_version"])]
    extra += ["%s/%s:%s" % (REGISTRY, name, tag) for name in ("e2e-test-images/agnhost", "busybox", "nginx") for tag in registry_tags(name)]
    for number, image in enumerate(kubeadm_images() + extra):
        dest = tmp_path / str(number)
        subprocess.run(["skopeo", "copy", "--src-tls-verify=false", "docker://" + image, "oci:%s:pulled" % dest],
                       check=True, capture_output=True)
        assert (dest / "index.json").is_file(), image


def test_nginx_images_are_two_real_versions(mirror, tmp_path):
    tags = registry_tags("nginx")
    assert len(tags) == 2 and tags[0] != tags[1]
    for tag in tags:
        dest = tmp_path / tag
        subprocess.run(["skopeo", "copy", "--src-tls-verify=false", "docker://%s/nginx:%s" % (REGISTRY, tag),
                        "dir:%s" % dest], check=True, capture_output=True)
        manifest = json.loads((dest / "manifest.json").read_text())
        layer = dest / manifest["layers"][-1]["digest"].split(":", 1)[1]
        rootfs = tmp_path / ("root-" + tag)
        rootfs.mkdir()
        subprocess.run(["tar", "-xzf", str(layer), "-C", str(rootfs), "./usr/sbin/nginx", "usr/sbin/nginx"],
                       capture_output=True, check=False)
        nginx = next(rootfs.rglob("nginx"))
        assert "nginx/%s" % tag in output("chroot", str(rootfs), "/usr/sbin/nginx", "-v") or \
            "nginx/%s" % tag in output(str(nginx), "-v"), tag


def test_image_tags_tell_the_truth(mirror):
    previous = DEFAULTS["mirror_previous_releases"]
    assert sorted(registry_tags("etcd")) == sorted(v[1:] + "-0" for v in [DEFAULTS["mirror_etcd_version"]] + [r["etcd"] for r in previous])
    assert sorted(registry_tags("kube-apiserver")) == sorted([K8S] + [r["kubernetes"] for r in previous])
    assert sorted(registry_tags("coredns")) == sorted([DEFAULTS["mirror_coredns_version"]] + [r["coredns"] for r in previous])
    busybox = registry_tags("busybox")
    assert len(busybox) == 1
    assert busybox[0] in output("busybox")


def test_unknown_version_fails_before_the_served_mirror_changes(mirror):
    before = sorted(str(p) for p in FILES.rglob("*"))
    run = run_playbook(PLAYBOOK, {"mirror_kubernetes_version": "v1.99.0"})
    assert run.rc != 0
    assert any("k8s.io/kubernetes@v1.99.0 is not available from the Go module proxy" in m for m in run.failure_messages()), \
        run.failure_messages()
    assert sorted(str(p) for p in FILES.rglob("*")) == before
    assert K8S in registry_tags("kube-apiserver")


@pytest.mark.parametrize(
    "extra, expected",
    [
        ({"mirror_kubernetes_version": "1.35"}, "mirror_kubernetes_version '1.35' is not a Kubernetes release tag"),
        ({"mirror_etcd_version": "latest"}, "mirror_etcd_version 'latest' is not a release tag"),
        ({"mirror_source": "torrent"}, "value of mirror_source must be one of: build, download, got: torrent"),
    ],
)
def test_bad_input_is_refused_in_preflight(extra, expected):
    run = run_playbook(PLAYBOOK, extra)
    assert run.rc != 0
    assert any(expected in m for m in run.failure_messages()), run.failure_messages()


def test_port_in_use_is_named(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        run = run_playbook(PLAYBOOK, {"mirror_registry_port": port, "mirror_root": str(tmp_path / "root")})
    assert run.rc != 0
    assert any("port %d (mirror_registry_port) is in use by another program" % port in m
               for m in run.failure_messages()), run.failure_messages()
    assert not (tmp_path / "root").exists()


def test_too_little_space_for_a_cold_cache(tmp_path):
    run = run_playbook(PLAYBOOK, {"mirror_cache_dir": str(tmp_path / "cache"), "mirror_min_free_gb": 1000000,
                                  "mirror_root": str(tmp_path / "root")})
    assert run.rc != 0
    assert any("building the mirror for %s needs about 1000000 GiB" % K8S in m for m in run.failure_messages()), \
        run.failure_messages()
    assert not (tmp_path / "root").exists()


def listeners(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on port."""
    lines = output("ss", "-Hltn", "sport = :%d" % port).splitlines()
    return {line.split()[3].rsplit(":", 1)[0] for line in lines if line.strip()}


def test_the_mirror_listens_on_loopback_only_by_default(mirror):
    assert DEFAULTS["mirror_listen_addresses"] == ["127.0.0.1"]
    assert listeners(DEFAULTS["mirror_files_port"]) == {"127.0.0.1"}
    assert listeners(DEFAULTS["mirror_registry_port"]) == {"127.0.0.1"}


def test_the_served_registry_refuses_pushes_and_deletes(mirror):
    upload = urllib.request.Request("http://%s/v2/busybox/blobs/uploads/" % REGISTRY, method="POST", data=b"")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(upload, timeout=10)
    assert refused.value.code in (405, 503), refused.value.code
    tag = registry_tags("busybox")[0]
    head = urllib.request.Request("http://%s/v2/busybox/manifests/%s" % (REGISTRY, tag), method="HEAD",
                                  headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    with urllib.request.urlopen(head, timeout=10) as resp:
        digest = resp.headers["Docker-Content-Digest"]
    delete = urllib.request.Request("http://%s/v2/busybox/manifests/%s" % (REGISTRY, digest), method="DELETE")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(delete, timeout=10)
    assert refused.value.code in (405, 503), refused.value.code
    assert tag in registry_tags("busybox")


def test_the_writable_registry_runs_only_while_pushing(mirror):
    assert listeners(DEFAULTS["mirror_publish_port"]) == set()
    assert not (ROOT / "registry-publish.pid").exists()


def test_listed_addresses_are_served_and_dropped_ones_are_not(mirror):
    port = DEFAULTS["mirror_files_port"]
    run = run_playbook(PLAYBOOK, {"mirror_listen_addresses": ["127.0.0.1", "127.0.0.2"]})
    assert run.rc == 0, run.failure_messages()
    try:
        assert listeners(port) == {"127.0.0.1", "127.0.0.2"}
        with urllib.request.urlopen("http://127.0.0.2:%d/release/%s/bin/linux/amd64/kubeadm.sha256" % (port, K8S),
                                    timeout=10) as resp:
            assert resp.status == 200
        assert registry_tags("busybox")
    finally:
        again = run_playbook(PLAYBOOK)
    assert again.rc == 0, again.failure_messages()
    assert listeners(port) == {"127.0.0.1"}
    assert listeners(DEFAULTS["mirror_registry_port"]) == {"127.0.0.1"}


def test_an_address_of_another_host_is_refused(tmp_path):
    run = run_playbook(PLAYBOOK, {"mirror_listen_addresses": ["203.0.113.7"], "mirror_root": str(tmp_path / "root")})
    assert run.rc != 0
    assert any("203.0.113.7 is not one of them" in m for m in run.failure_messages()), run.failure_messages()
    assert not (tmp_path / "root").exists()

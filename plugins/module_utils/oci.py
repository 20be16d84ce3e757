# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write OCI image layouts without a container engine.

Layers are reproducible: entries sorted, times fixed, gzip header without a
time stamp, so the same inputs always give the same digests.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile

MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
REF_NAME = "org.opencontainers.image.ref.name"
EPOCH = 0


class _HashingWriter(io.RawIOBase):
    """Pass writes on to ``target`` and feed them to ``hasher``."""

    def __init__(self, target, hasher) -> None:
        super().__init__()
        self.target = target
        self.hasher = hasher

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.hasher.update(data)
        self.target.write(data)
        return len(data)


def tree_signature(path: str) -> str:
    """A cheap fingerprint of a directory tree: every entry's path, type, size, mode and mtime."""
    digest = hashlib.sha256()
    for root, dirs, names in os.walk(path):
        dirs.sort()
        for name in sorted(dirs + names):
            full = os.path.join(root, name)
            st = os.lstat(full)
            digest.update(("%s\0%o\0%d\0%d\n" % (os.path.relpath(full, path), st.st_mode, st.st_size, st.st_mtime_ns)).encode())
    return digest.hexdigest()


def _normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mtime = EPOCH
    info.uname = ""
    info.gname = ""
    return info


def _add_parents(tar: tarfile.TarFile, path: str, seen: set) -> None:
    parts = path.strip("/").split("/")[:-1]
    for i in range(1, len(parts) + 1):
        name = "/".join(parts[:i])
        if name and name not in seen:
            seen.add(name)
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(_normalise(info))


def write_layer(out_path: str, files: list[dict], trees: list[dict]) -> tuple[str, str]:
    """Write a gzipped tar layer; return (compressed digest, uncompressed digest).

    ``files``: {src, dest, mode}; ``trees``: {src, dest} whole directories.
    """
    raw = hashlib.sha256()
    packed = hashlib.sha256()

    with open(out_path, "wb") as handle:
        with gzip.GzipFile(filename="", mode="wb", fileobj=_HashingWriter(handle, packed), mtime=0, compresslevel=6) as gz:
            with tarfile.open(fileobj=_HashingWriter(gz, raw), mode="w|", format=tarfile.PAX_FORMAT) as tar:
                seen: set = set()
                for tree in trees:
                    _add_tree(tar, tree["src"], tree.get("dest", "/"), seen)
                for item in sorted(files, key=lambda f: f["dest"]):
                    dest = item["dest"].lstrip("/")
                    _add_parents(tar, dest, seen)
                    info = tar.gettarinfo(item["src"], arcname=dest)
                    info.uid = info.gid = 0
                    if item.get("mode"):
                        info.mode = int(str(item["mode"]), 8)
                    with open(item["src"], "rb") as src:
                        tar.addfile(_normalise(info), src)
    return "sha256:" + packed.hexdigest(), "sha256:" + raw.hexdigest()


def _add_tree(tar: tarfile.TarFile, src: str, dest: str, seen: set) -> None:
    prefix = dest.strip("/")
    entries = []
    for root, dirs, names in os.walk(src):
        dirs.sort()
        rel = os.path.relpath(root, src)
        for name in sorted(dirs + names):
            entries.append(os.path.normpath(os.path.join(rel, name)))
    for rel in sorted(entries):
        path = os.path.join(src, rel)
        arc = "/".join(p for p in (prefix, rel) if p and p != ".")
        info = tar.gettarinfo(path, arcname=arc)
        if info.isdir():
            seen.add(arc)
        if info.isreg():
            with open(path, "rb") as handle:
                tar.addfile(_normalise(info), handle)
        else:
            tar.addfile(_normalise(info))


def _write_blob(layout: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    blob = os.path.join(layout, "blobs", "sha256", digest)
    with open(blob, "wb") as handle:
        handle.write(data)
    return "sha256:" + digest


def _dump(obj: dict) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def read_image(layout: str, ref: str | None = None) -> tuple[dict, dict, str]:
    """(manifest, config, manifest digest) of the image ``ref`` (or the only one) in a layout."""
    with open(os.path.join(layout, "index.json"), encoding="utf-8") as handle:
        index = json.load(handle)
    manifests = index.get("manifests", [])
    chosen = [m for m in manifests if ref is None or m.get("annotations", {}).get(REF_NAME) == ref]
    if not chosen:
        raise ValueError("no image %s in the OCI layout %s" % (ref or "at all", layout))
    digest = chosen[0]["digest"]
    manifest = json.loads(_blob(layout, digest))
    config = json.loads(_blob(layout, manifest["config"]["digest"]))
    return manifest, config, digest


def _blob(layout: str, digest: str) -> bytes:
    algo, hexa = digest.split(":", 1)
    with open(os.path.join(layout, "blobs", algo, hexa), "rb") as handle:
        return handle.read()


def build_image(layout: str, tag: str, layers: list[dict], image_config: dict,
                base: str | None = None, base_ref: str | None = None, arch: str = "amd64") -> str:
    """Write an OCI image layout holding one image; return the manifest digest.

    ``layers`` are {files, trees} dicts, each written as one layer on top of the
    base image's layers. The layout is written to a temporary directory and
    then renamed over ``layout``.
    """
    parent = os.path.dirname(os.path.abspath(layout))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".oci-", dir=parent)
    try:
        os.makedirs(os.path.join(tmp, "blobs", "sha256"))
        with open(os.path.join(tmp, "oci-layout"), "w", encoding="utf-8") as handle:
            handle.write('{"imageLayoutVersion":"1.0.0"}')
        descriptors, diff_ids, history = [], [], []
        config: dict = {"architecture": arch, "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": []}}
        if base:
            base_manifest, base_config, _digest = read_image(base, base_ref)
            for desc in base_manifest["layers"]:
                hexa = desc["digest"].split(":", 1)[1]
                shutil.copyfile(os.path.join(base, "blobs", "sha256", hexa), os.path.join(tmp, "blobs", "sha256", hexa))
                descriptors.append(desc)
            diff_ids += base_config["rootfs"]["diff_ids"]
            history += base_config.get("history", [])
            config["config"] = dict(base_config.get("config", {}))
        for number, layer in enumerate(layers):
            part = os.path.join(tmp, "layer-%d" % number)
            digest, diff_id = write_layer(part, layer.get("files", []), layer.get("trees", []))
            size = os.path.getsize(part)
            os.replace(part, os.path.join(tmp, "blobs", "sha256", digest.split(":", 1)[1]))
            descriptors.append({"mediaType": MEDIA_LAYER, "digest": digest, "size": size})
            diff_ids.append(diff_id)
            history.append({"created": "1970-01-01T00:00:00Z", "created_by": layer.get("comment", "kubelab.cluster oci_image")})
        config["config"].update({k: v for k, v in image_config.items() if v not in (None, [], {}, "")})
        config["rootfs"]["diff_ids"] = diff_ids
        config["history"] = history
        config["created"] = "1970-01-01T00:00:00Z"
        config_bytes = _dump(config)
        config_digest = _write_blob(tmp, config_bytes)
        manifest = {
            "schemaVersion": 2,
            "mediaType": MEDIA_MANIFEST,
            "config": {"mediaType": MEDIA_CONFIG, "digest": config_digest, "size": len(config_bytes)},
            "layers": descriptors,
        }
        manifest_bytes = _dump(manifest)
        manifest_digest = _write_blob(tmp, manifest_bytes)
        index = {
            "schemaVersion": 2,
            "mediaType": MEDIA_INDEX,
            "manifests": [{
                "mediaType": MEDIA_MANIFEST, "digest": manifest_digest, "size": len(manifest_bytes),
                "annotations": {REF_NAME: tag},
                "platform": {"architecture": arch, "os": "linux"},
            }],
        }
        with open(os.path.join(tmp, "index.json"), "wb") as handle:
            handle.write(_dump(index))
        if os.path.isdir(layout):
            old = layout + ".old"
            shutil.rmtree(old, ignore_errors=True)
            os.rename(layout, old)
            os.rename(tmp, layout)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, layout)
        tmp = ""
        return manifest_digest
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


# Manifest media types a registry may hold an image under, for HEAD requests.
MANIFEST_ACCEPT = ", ".join([
    MEDIA_MANIFEST,
    MEDIA_INDEX,
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])


def layout_digest(layout: str) -> str:
    """The digest of the (first) image in an OCI layout."""
    with open(os.path.join(layout, "index.json"), encoding="utf-8") as handle:
        manifests = json.load(handle).get("manifests") or []
    if not manifests:
        raise ValueError("the OCI layout %s holds no image" % layout)
    return manifests[0]["digest"]


def outdated_images(images: list[tuple[str, str, str]], registry_digest) -> list[dict]:
    """Images (name, tag, layout) whose digest the registry lacks: each
    {name, tag, built, registry}, registry "-" when it has no such tag.
    ``registry_digest(name, tag)`` returns the registry's digest or None."""
    outdated = []
    for name, tag, layout in images:
        built = layout_digest(layout)
        held = registry_digest(name, tag) or "-"
        if held != built:
            outdated.append({"name": name, "tag": tag, "built": built, "registry": held})
    return outdated

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_archive
short_description: Download release archives, verified by sha256, and keep them unpacked, in one call
version_added: "0.2.0"
description:
  - Installs release archives such as the CNI plugins or crictl (C(.tar.gz) or C(.tgz)) from a files repository.
    Each archive of O(archives) is downloaded into O(cache), checked against the sha256 published beside it and
    unpacked into its C(dest).
  - One call does for all archives what a download, a directory and an unpack task would do each, which is what
    a re-run of a playbook waits for.
  - The published sha256 is fetched on every run. The archive in O(cache) is downloaded again only when its
    digest differs; a download that does not match is not kept, and nothing is unpacked from it.
  - After unpacking, a record of what the archive holds (each file's path, size and modification time) is written
    beside it in O(cache) as C(<archive>.unpacked.json). An archive counts as unpacked when that record names the
    archive's digest and its C(dest), and every file it lists is in C(dest) with that size and time; otherwise
    it is unpacked again. A file removed or replaced in C(dest) is put back by the next run.
  - An archive with a member outside C(dest) (an absolute path, C(..), or a link that leaves it) is refused before
    anything is unpacked.
author:
  - kubelab.cluster contributors (@kubelab)
options:
  archives:
    description: The archives to install.
    type: list
    elements: dict
    required: true
    suboptions:
      url:
        description: Address of the archive; its name must end in C(.tar.gz) or C(.tgz).
        type: str
        required: true
      dest:
        description: Directory to unpack into; created (mode C(0755)) when missing.
        type: path
        required: true
      checksum_url:
        description: Address of a file whose first word is the archive's hex sha256; C(url) with C(.sha256) appended by default.
        type: str
  cache:
    description: Directory the archives are downloaded into; created (mode C(0755)) when missing.
    type: path
    default: /var/cache/kubelab
  timeout:
    description: Seconds to wait for each HTTP request.
    type: int
    default: 60
extends_documentation_fragment:
  - kubelab.cluster.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode the published checksums are fetched, so an unreachable files repository fails in check mode
        too; the archives in O(cache) and the files in each C(dest) are compared, and nothing is downloaded, created
        or unpacked.
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Install the CNI plugins and crictl
  kubelab.cluster.release_archive:
    archives:
      - url: http://192.168.56.1:8080/containernetworking/plugins/releases/download/v1.9.0/cni-plugins-linux-amd64-v1.9.0.tgz
        dest: /opt/cni/bin
      - url: http://192.168.56.1:8080/kubernetes-sigs/cri-tools/releases/download/v1.35.0/crictl-v1.35.0-linux-amd64.tar.gz
        dest: /usr/local/bin
"""

RETURN = r"""
archives:
  description: Per archive, in the order of O(archives), what was done (or would be in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    url:
      description: The archive's address.
      type: str
    dest:
      description: The directory it is unpacked into.
      type: str
    sha256:
      description: The published digest the archive was checked against.
      type: str
    downloaded:
      description: Whether the archive was downloaded (it was missing in O(cache) or had another digest).
      type: bool
    unpacked:
      description: Whether it was unpacked (it was downloaded, or a file it holds was missing or different in C(dest)).
      type: bool
    files:
      description: Number of regular files the archive holds.
      type: int
"""

import json
import os
import posixpath
import tarfile
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubelab.cluster.plugins.module_utils.checksum import sha256_file
from ansible_collections.kubelab.cluster.plugins.module_utils.download import download_to_temp, published_sha256
from ansible_collections.kubelab.cluster.plugins.module_utils.files import replace_file

SUFFIXES = (".tar.gz", ".tgz")


def archive_name(url: str) -> str:
    """The file name at the end of an archive's URL, without its query."""
    return posixpath.basename(url.split("?", 1)[0])


def _inside(name: str) -> bool:
    """Whether a member path stays inside the directory it is unpacked into."""
    norm = posixpath.normpath(name)
    return not name.startswith("/") and norm != ".." and not norm.startswith("../")


def list_members(path: str) -> dict[str, list[int]]:
    """Path -> [size, mtime] of each regular file in the archive; ValueError naming a member that leaves dest."""
    files: dict[str, list[int]] = {}
    with tarfile.open(path, "r:gz") as archive:
        for member in archive.getmembers():
            if not _inside(member.name):
                raise ValueError("member %r is outside the directory it would be unpacked into" % member.name)
            if member.issym() or member.islnk():
                base = "" if member.islnk() else posixpath.dirname(member.name)
                target = posixpath.join(base, member.linkname)
                if member.linkname.startswith("/") or not _inside(target):
                    raise ValueError("link %r -> %r points outside the directory it would be unpacked into"
                                     % (member.name, member.linkname))
            elif not (member.isfile() or member.isdir()):
                raise ValueError("member %r is neither a file, a directory nor a link" % member.name)
            if member.isfile():
                files[posixpath.normpath(member.name)] = [member.size, int(member.mtime)]
    return files


def unpacked(dest: str, files: dict[str, list[int]]) -> bool:
    """Whether every file of a record is in dest with its size and modification time."""
    for name, (size, mtime) in files.items():
        try:
            info = os.lstat(os.path.join(dest, name))
        except OSError:
            return False
        if info.st_size != size or int(info.st_mtime) != mtime:
            return False
    return True


class ReleaseArchives:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.cache: str = module.params["cache"]
        self.result: dict[str, Any] = {"changed": False, "archives": []}

    def fail(self, msg: str) -> None:
        self.module.fail_json(msg=msg, **self.result)

    def download(self, url: str, path: str, digest: str) -> None:
        tmp, actual = download_to_temp(self.module, url, self.module.params["timeout"], self.result, self.cache,
                                       ".%s." % os.path.basename(path))
        try:
            if actual != digest:
                self.fail("checksum mismatch for %s: the files repository publishes sha256 %s but the download has "
                          "%s; it was not kept and nothing was unpacked" % (url, digest, actual))
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
            tmp = ""
        finally:
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)

    def unpack(self, path: str, dest: str) -> None:
        rc, _out, err = self.module.run_command(["tar", "-xzf", path, "-C", dest, "--no-same-owner"])
        if rc != 0:
            self.fail("cannot unpack %s into %s: %s" % (path, dest, err.strip()))

    @staticmethod
    def read_record(path: str) -> dict[str, Any]:
        try:
            with open(path, encoding="utf-8") as handle:
                record = json.load(handle)
        except (OSError, ValueError):
            return {}
        return record if isinstance(record, dict) else {}

    @staticmethod
    def write_record(path: str, record: dict[str, Any]) -> None:
        replace_file(path, json.dumps(record, sort_keys=True).encode("utf-8"), 0o644)

    def directory(self, path: str) -> None:
        if os.path.isdir(path):
            return
        self.result["changed"] = True
        if not self.module.check_mode:
            os.makedirs(path, mode=0o755, exist_ok=True)

    def install(self, spec: dict[str, Any]) -> dict[str, Any]:
        url, dest = spec["url"], spec["dest"]
        digest = published_sha256(self.module, spec["checksum_url"] or url + ".sha256", self.module.params["timeout"],
                                  self.result)
        path = os.path.join(self.cache, archive_name(url))
        record_path = path + ".unpacked.json"
        downloaded = not (os.path.isfile(path) and sha256_file(path) == digest)
        if downloaded and not self.module.check_mode:
            self.download(url, path, digest)
        record = {} if downloaded else self.read_record(record_path)
        recorded = record.get("sha256") == digest and record.get("dest") == dest and isinstance(record.get("files"), dict)
        files: dict[str, list[int]] | None = None
        if recorded:
            files = record["files"]
        elif not (downloaded and self.module.check_mode):
            try:
                files = list_members(path)
            except (ValueError, tarfile.TarError, OSError) as exc:
                self.fail("refusing to unpack %s into %s: %s" % (url, dest, exc))
        unpack = downloaded or files is None or not unpacked(dest, files)
        if not self.module.check_mode:
            if unpack:
                self.unpack(path, dest)
            if unpack or not recorded:
                # The record is the module's own bookkeeping in the cache, not a change to the host's state.
                self.write_record(record_path, {"sha256": digest, "dest": dest, "files": files})
        return {"url": url, "dest": dest, "sha256": digest, "downloaded": downloaded, "unpacked": unpack,
                "files": len(files or {})}

    def run(self) -> None:
        seen: set[tuple[str, str]] = set()
        for spec in self.module.params["archives"]:
            name = archive_name(spec["url"])
            if not name.endswith(SUFFIXES) or not spec["url"].startswith(("http://", "https://")):
                self.fail("archive url %r must be an http(s) address of a .tar.gz or .tgz file" % spec["url"])
            if not os.path.isabs(spec["dest"]):
                self.fail("dest %r of %s must be an absolute path" % (spec["dest"], spec["url"]))
            if (name, spec["dest"]) in seen:
                self.fail("archive %s is listed twice for dest %s" % (name, spec["dest"]))
            seen.add((name, spec["dest"]))
        self.directory(self.cache)
        for spec in self.module.params["archives"]:
            self.directory(spec["dest"])
            report = self.install(spec)
            self.result["archives"].append(report)
            self.result["changed"] = self.result["changed"] or report["downloaded"] or report["unpacked"]
        self.module.exit_json(**self.result)


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            archives=dict(type="list", elements="dict", required=True, options=dict(
                url=dict(type="str", required=True),
                dest=dict(type="path", required=True),
                checksum_url=dict(type="str"),
            )),
            cache=dict(type="path", default="/var/cache/kubelab"),
            timeout=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    ReleaseArchives(module).run()


if __name__ == "__main__":
    main()

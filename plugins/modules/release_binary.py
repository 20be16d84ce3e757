#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_binary
short_description: Install one versioned release binary, verified by sha256 and by the version it reports
version_added: "0.1.0"
description:
  - Installs a single executable such as kubectl, kubeadm or minikube from a
    files repository laid out like the upstream release sites.
  - Idempotent by version, the binary at O(dest) is run with O(version_args) and,
    when its output names O(version), nothing is downloaded. A binary whose
    sha256 equals the published one is also left alone.
  - Otherwise the sha256 published beside the binary is fetched, the binary is
    downloaded next to O(dest), its digest compared and its reported version
    checked; only then is it moved over O(dest) in one rename. A checksum or
    version mismatch leaves O(dest) as it was.
  - The published sha256 guards against a corrupted download and against a
    files repository that disagrees with itself (a binary that does not match
    the C(.sha256) served beside it). It cannot catch a repository that serves
    another binary together with a matching C(.sha256); pin the digest with
    O(sha256) for that.
  - With O(sha256), the pinned digest wins over the published one, which is
    then not fetched at all. The binary at O(dest) counts as installed only
    when its digest equals O(sha256), whatever version it reports.
author:
  - kubelab.cluster contributors (@kubelab)
options:
  url:
    description: Address of the binary, for example C(https://dl.k8s.io/release/v1.35.4/bin/linux/amd64/kubectl).
    type: str
    required: true
  checksum_url:
    description:
      - Address of a file whose first word is the hex sha256 of the binary. Defaults to O(url) with C(.sha256) appended.
      - Not fetched when O(sha256) is given.
    type: str
  sha256:
    description:
      - Hex sha256 digest the binary must have (64 hex characters, as C(sha256sum) prints it), for example
        taken from the upstream release notes. When given, it is used instead of the digest the files
        repository publishes, and a download that does not match it is not installed.
      - Empty means not pinned, so a role can pass an empty default through.
    type: str
    default: ""
    version_added: "0.2.0"
  dest:
    description: Path of the installed binary.
    type: path
    required: true
  version:
    description: Version the binary must report, for example C(v1.35.4).
    type: str
    required: true
  version_args:
    description:
      - Arguments that make the binary print its version. The output must
        contain O(version) as a whole word.
    type: list
    elements: str
    default: [version]
  mode:
    description: File mode of the installed binary.
    type: str
    default: "0755"
  timeout:
    description: Seconds to wait for each HTTP request.
    type: int
    default: 60
  run_version_check:
    description:
      - Run the downloaded binary to confirm its version before it is put in place.
        Set to V(false) only when the binary is for another platform than the
        host that runs the module.
    type: bool
    default: true
extends_documentation_fragment:
  - kubelab.cluster.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode the installed version is read and the published checksum
        fetched, so an unreachable files repository fails in check mode too;
        nothing is downloaded or written.
      - With O(sha256) the repository is not contacted in check mode; only the
        digest of the binary at O(dest) is compared with the pinned one.
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Install kubectl v1.35.4
  kubelab.cluster.release_binary:
    url: https://dl.k8s.io/release/v1.35.4/bin/linux/amd64/kubectl
    dest: /usr/local/bin/kubectl
    version: v1.35.4
    version_args: [version, --client, -o, json]

- name: Install kubectl v1.35.4 only if it has exactly this digest
  kubelab.cluster.release_binary:
    url: https://dl.k8s.io/release/v1.35.4/bin/linux/amd64/kubectl
    dest: /usr/local/bin/kubectl
    version: v1.35.4
    version_args: [version, --client, -o, json]
    # Recorded from upstream when the version was chosen; a files repository
    # that serves another binary, even with a matching .sha256, then fails the task.
    sha256: "{{ kubectl_sha256 }}"
"""

RETURN = r"""
previous_version:
  description: Version the binary at O(dest) reported before the run, empty when there was none.
  returned: always
  type: str
  sample: v1.34.2
version:
  description: The requested version.
  returned: always
  type: str
sha256:
  description: Digest the binary was checked against, the pinned O(sha256) or the published one.
  returned: when O(sha256) is given or the published checksum was fetched
  type: str
sha256_source:
  description: Where RV(sha256) came from, V(pinned) for the O(sha256) option or V(published) for O(checksum_url).
  returned: when RV(sha256) is returned
  type: str
  sample: pinned
  version_added: "0.2.0"
expected_sha256:
  description: Digest the download had to have.
  returned: when the download did not match
  type: str
actual_sha256:
  description: Digest the download had.
  returned: when the download did not match
  type: str
url:
  description: Address the binary was (or would be) downloaded from.
  returned: always
  type: str
"""

import os
import re
import subprocess

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubelab.cluster.plugins.module_utils.checksum import is_sha256, sha256_file
from ansible_collections.kubelab.cluster.plugins.module_utils.download import download_to_temp, published_sha256


def reported_version(path: str, args: list[str]) -> str:
    """Combined output of ``path args``; empty when it cannot be run."""
    if not os.path.isfile(path):
        return ""
    try:
        proc = subprocess.run([path] + args, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout + proc.stderr


def names_version(output: str, version: str) -> bool:
    """Whether ``output`` contains ``version`` as a whole word (v1.3.4 is not in v1.3.40)."""
    return re.search(r"(?<![\w.+-])%s(?![\w.+-])" % re.escape(version), output) is not None


def first_version(output: str) -> str:
    match = re.search(r"\bv\d+\.\d+\.\d+[\w.+-]*", output)
    return match.group(0) if match else ""


class ReleaseBinary:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        self.url: str = self.params["url"]
        self.checksum_url: str = self.params["checksum_url"] or self.url + ".sha256"
        self.dest: str = self.params["dest"]
        self.pinned: str = (self.params["sha256"] or "").strip().lower()
        self.result: dict = {"changed": False, "url": self.url, "version": self.params["version"]}

    def published_checksum(self) -> str:
        return published_sha256(self.module, self.checksum_url, self.params["timeout"], self.result)

    def download(self, digest: str) -> str:
        tmp, actual = download_to_temp(self.module, self.url, self.params["timeout"], self.result,
                                       os.path.dirname(self.dest) or ".", ".%s." % os.path.basename(self.dest))
        try:
            if actual != digest:
                source = ("the sha256 option pins %s" % digest if self.pinned
                          else "the files repository publishes sha256 %s" % digest)
                self.module.fail_json(
                    msg="checksum mismatch for %s: %s but the download has %s; "
                    "the binary was not installed" % (self.url, source, actual),
                    expected_sha256=digest,
                    actual_sha256=actual,
                    **self.result,
                )
            os.chmod(tmp, int(self.params["mode"], 8))
            if self.params["run_version_check"]:
                output = reported_version(tmp, self.params["version_args"])
                if not names_version(output, self.params["version"]):
                    self.module.fail_json(
                        msg="%s reports %r, not the requested version %s; the binary was not installed"
                        % (self.url, first_version(output) or output.strip()[:120], self.params["version"]),
                        **self.result,
                    )
            os.replace(tmp, self.dest)
            tmp = ""
        finally:
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)
        return actual

    def run(self) -> None:
        try:
            int(self.params["mode"], 8)
        except ValueError:
            self.module.fail_json(msg="mode %r is not an octal file mode like 0755" % self.params["mode"])
        if self.pinned and not is_sha256(self.pinned):
            self.module.fail_json(
                msg="sha256 %r is not a sha256 digest; expected 64 hex characters as sha256sum prints them, "
                "or an empty value to use the published checksum" % self.params["sha256"],
                **self.result,
            )
        current = ""
        if self.params["run_version_check"]:
            current = reported_version(self.dest, self.params["version_args"])
        self.result["previous_version"] = first_version(current)
        if self.pinned:
            # A pinned digest decides alone: a binary that reports the right version but has another digest is replaced.
            digest = self.pinned
            self.result.update(sha256=digest, sha256_source="pinned")
        else:
            if current and names_version(current, self.params["version"]):
                self.module.exit_json(**self.result)
            digest = self.published_checksum()
            self.result.update(sha256=digest, sha256_source="published")
        if os.path.isfile(self.dest) and sha256_file(self.dest) == digest:
            self.module.exit_json(**self.result)
        self.result["changed"] = True
        if not self.module.check_mode:
            directory = os.path.dirname(self.dest) or "."
            if not os.path.isdir(directory):
                self.module.fail_json(
                    msg="directory %s of dest %s does not exist; create it first or choose a dest in an existing directory"
                    % (directory, self.dest),
                    **self.result,
                )
            self.download(digest)
        self.module.exit_json(**self.result)


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            checksum_url=dict(type="str"),
            sha256=dict(type="str", default=""),
            dest=dict(type="path", required=True),
            version=dict(type="str", required=True),
            version_args=dict(type="list", elements="str", default=["version"]),
            mode=dict(type="str", default="0755"),
            timeout=dict(type="int", default=60),
            run_version_check=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    ReleaseBinary(module).run()


if __name__ == "__main__":
    main()

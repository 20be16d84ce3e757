#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: config_files
short_description: Write a set of configuration files and their directories in one call
version_added: "0.2.0"
description:
  - Writes each file of O(files) with the given content and mode, and creates each directory of O(directories) and
    every missing parent directory of a file with mode O(directory_mode).
  - One call does what a directory task and a template or copy task per file would do, which is what a re-run of a
    playbook waits for. Render templates on the controller with the C(ansible.builtin.template) lookup and pass the
    result as C(content).
  - A file is written only when its content differs; it is written to a temporary file beside it and moved into
    place, so a reader never sees half a file. A file whose content is right but whose mode is not gets its mode
    set. Existing directories are left as they are.
  - The files are owned by the user the module runs as (root on a node).
author:
  - kubelab.cluster contributors (@kubelab)
options:
  files:
    description: The files to write.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the file.
        type: path
        required: true
      content:
        description: The file's whole content.
        type: str
        required: true
      mode:
        description: The file's permissions, as an octal string.
        type: str
        default: "0644"
      force:
        description: Whether to replace the content of an existing file; with V(false) an existing file is left alone.
        type: bool
        default: true
  directories:
    description: Absolute paths of directories to create (with their parents) when missing.
    type: list
    elements: path
    default: []
  directory_mode:
    description: Permissions of the directories the module creates, as an octal string.
    type: str
    default: "0755"
extends_documentation_fragment:
  - kubelab.cluster.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode the files and directories are compared and nothing is written or created.
  diff_mode:
    support: full
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Write containerd's configuration
  kubelab.cluster.config_files:
    directories: [/etc/containerd/conf.d]
    files:
      - path: /etc/containerd/config.toml
        content: "{{ lookup('ansible.builtin.template', 'config.toml.j2') }}"
      - path: /etc/crictl.yaml
        content: "runtime-endpoint: unix:///run/containerd/containerd.sock\n"
        force: false
  notify: Restart containerd
"""

RETURN = r"""
changed_files:
  description: Paths of the files written, or whose mode was set (or would be in check mode), in the order of O(files).
  returned: always
  type: list
  elements: str
created_directories:
  description: Directories created (or that would be in check mode).
  returned: always
  type: list
  elements: str
"""

import os
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubelab.cluster.plugins.module_utils.files import replace_file


def parse_mode(value: str, what: str) -> int:
    """An octal permission string such as 0644 -> its number; ValueError naming the bad value."""
    try:
        mode = int(value, 8)
    except (TypeError, ValueError):
        mode = -1
    if not 0 <= mode <= 0o7777:
        raise ValueError("%s %r must be an octal permission string such as 0644" % (what, value))
    return mode


def read_bytes(path: str) -> bytes | None:
    """A file's content, or None when there is no file there."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def missing_directories(path: str) -> list[str]:
    """path and its missing parents, outermost first, when path is not a directory yet."""
    missing = []
    while path and not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return missing[::-1]


class ConfigFiles:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.result: dict[str, Any] = {"changed": False, "changed_files": [], "created_directories": []}
        self.diff: list[dict[str, str]] = []

    def fail(self, msg: str) -> None:
        self.module.fail_json(msg=msg, **self.result)

    def directory(self, path: str, mode: int) -> None:
        for missing in missing_directories(path):
            if missing in self.result["created_directories"]:
                continue
            if os.path.lexists(missing):
                self.fail("%s must be a directory, but something else is there" % missing)
            self.result["created_directories"].append(missing)
            if not self.module.check_mode:
                try:
                    os.mkdir(missing)
                    os.chmod(missing, mode)
                except OSError as exc:
                    self.fail("cannot create the directory %s: %s" % (missing, exc))

    def file(self, spec: dict[str, Any], dir_mode: int) -> None:
        path = spec["path"]
        mode = parse_mode(spec["mode"], "mode of %s" % path)
        data = spec["content"].encode("utf-8")
        if os.path.lexists(path) and not os.path.isfile(path):
            self.fail("%s must be a regular file, but something else is there" % path)
        self.directory(os.path.dirname(path), dir_mode)
        before = read_bytes(path)
        if before is not None and not spec["force"]:
            return
        if before == data:
            current = os.stat(path).st_mode & 0o7777
            if current == mode:
                return
            self.result["changed_files"].append(path)
            if not self.module.check_mode:
                os.chmod(path, mode)
            return
        self.result["changed_files"].append(path)
        self.diff.append({"before_header": path, "after_header": path,
                          "before": "" if before is None else before.decode("utf-8", "replace"),
                          "after": spec["content"]})
        if not self.module.check_mode:
            try:
                replace_file(path, data, mode)
            except OSError as exc:
                self.fail("cannot write %s: %s" % (path, exc))

    def run(self) -> None:
        params = self.module.params
        try:
            dir_mode = parse_mode(params["directory_mode"], "directory_mode")
            for spec in params["files"]:
                parse_mode(spec["mode"], "mode of %s" % spec["path"])
        except ValueError as exc:
            self.fail(str(exc))
        paths = [spec["path"] for spec in params["files"]]
        for path in paths + params["directories"]:
            if not os.path.isabs(path):
                self.fail("path %r must be absolute" % path)
        if len(set(paths)) != len(paths):
            self.fail("a file is listed twice: %s" % ", ".join(sorted({p for p in paths if paths.count(p) > 1})))
        for path in params["directories"]:
            self.directory(os.path.normpath(path), dir_mode)
        for spec in params["files"]:
            self.file(spec, dir_mode)
        self.result["changed"] = bool(self.result["changed_files"] or self.result["created_directories"])
        if self.module._diff:
            self.result["diff"] = self.diff
        self.module.exit_json(**self.result)


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type="list", elements="dict", default=[], options=dict(
                path=dict(type="path", required=True),
                content=dict(type="str", required=True),
                mode=dict(type="str", default="0644"),
                force=dict(type="bool", default=True),
            )),
            directories=dict(type="list", elements="path", default=[]),
            directory_mode=dict(type="str", default="0755"),
        ),
        supports_check_mode=True,
    )
    ConfigFiles(module).run()


if __name__ == "__main__":
    main()

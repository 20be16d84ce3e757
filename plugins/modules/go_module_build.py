#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: go_module_build
short_description: Build binaries of a published Go module through a wrapper module
version_added: "0.1.0"
description:
  - Downloads O(module) at O(version) from the Go module proxy, writes a wrapper
    C(go.mod) that requires it and repeats each of its C(replace) directives
    (local-path replaces point at the published module of the same path at
    O(local_replace_version)), and builds O(packages) with C(-trimpath) and the
    given C(-X) version ldflags.
  - The packages whose binaries take go's own name (the last path element) are
    built by one C(go build), which loads the module's packages once and
    compiles and links them side by side; a package with a name of its own
    (C(NAME=PACKAGE)) is built by a C(go build) of its own.
  - Each binary is written to O(dest) with a C(.sha256) file beside it holding
    the hex digest only, as upstream release files do.
  - A build stamp in O(dest) records the inputs, so a second run with the same
    inputs builds nothing.
  - The binaries are first built in a temporary directory and moved into
    O(dest) only when every package built, so a failed build never replaces
    good binaries.
author:
  - kubelab.cluster contributors (@kubelab)
requirements:
  - the C(go) command on the host that runs the module
options:
  module:
    description: Module path, for example C(k8s.io/kubernetes).
    type: str
    required: true
  version:
    description: Module version, for example C(v1.35.4).
    type: str
    required: true
  packages:
    description:
      - Main packages to build, relative to the module root (C(cmd/kubeadm)) or
        as full import paths. The binary is named after the last path element.
      - C(NAME=PACKAGE) names the binary explicitly; C(etcd=.) builds the main
        package at the module root into C(etcd).
    type: list
    elements: str
    required: true
  dest:
    description: Directory that receives the binaries and their C(.sha256) files.
    type: path
    required: true
  work_dir:
    description: Directory for the wrapper module. Defaults to a directory next to O(dest).
    type: path
  ldflags:
    description:
      - Linker C(-X) assignments. Fields C({version}), C({major}), C({minor}),
        C({commit}), C({build_date}) and C({module}) are filled from the module
        version and the commit the Go proxy reports for it.
    type: list
    elements: str
    default: []
  local_replace_version:
    description:
      - Version used for replaces that point at a local path inside the module
        (the staging modules of k8s.io/kubernetes are C(v0.Y.Z) for C(v1.Y.Z)).
    type: str
  extra_replaces:
    description:
      - Further C(replace) directives for the wrapper, as C(OLD => NEW [VERSION]). Use
        them for a dependency the Go module proxy does not serve; NEW may be a local
        directory holding a stand-in module.
    type: list
    elements: str
    default: []
  tags:
    description: Go build tags.
    type: list
    elements: str
    default: []
  cgo:
    description: Whether to build with cgo. Static binaries (V(false)) suit scratch images.
    type: bool
    default: false
  goos:
    description: Target operating system.
    type: str
    default: linux
  goarch:
    description: Target architecture.
    type: str
    default: amd64
  go_binary:
    description: The go command to run.
    type: str
    default: go
extends_documentation_fragment:
  - kubelab.cluster.attributes
attributes:
  check_mode:
    support: full
    details: Reports whether a build would run; builds nothing.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: A build stamp records the inputs; matching binaries are not rebuilt.
"""

EXAMPLES = r"""
- name: Build kubeadm and kubelet with release version information
  kubelab.cluster.go_module_build:
    module: k8s.io/kubernetes
    version: v1.35.4
    local_replace_version: v0.35.4
    packages: [cmd/kubeadm, cmd/kubelet]
    dest: /var/cache/kubelab/mirror/v1.35.4/release/v1.35.4/bin/linux/amd64
    ldflags:
      - -X k8s.io/component-base/version.gitVersion={version}
      - -X k8s.io/component-base/version.gitCommit={commit}
"""

RETURN = r"""
binaries:
  description: Absolute paths of the built binaries.
  returned: always
  type: list
  elements: str
  sample: [/srv/mirror/release/v1.35.4/bin/linux/amd64/kubeadm]
sha256:
  description: Digest of each binary, by name.
  returned: success and not in check mode
  type: dict
  sample: {kubeadm: 3b1f...}
commit:
  description: Commit the Go proxy reports for the module version.
  returned: success and not in check mode
  type: str
built:
  description: Whether binaries were built in this run.
  returned: always
  type: bool
seconds:
  description: Wall-clock seconds the download and build took.
  returned: when built
  type: int
  sample: 812
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubelab.cluster.plugins.module_utils.checksum import sha256_file
from ansible_collections.kubelab.cluster.plugins.module_utils.gomod import (
    is_semver,
    parse_gomod,
    parse_replace,
    render_ldflags,
    render_wrapper_gomod,
    wrapper_replaces,
)

STAMP = ".kubelab-build.json"


def split_package(spec: str, module: str) -> tuple[str, str]:
    """(binary name, import path) of a packages entry: cmd/kubeadm, etcd=., or a full import path."""
    name, sep, pkg = spec.partition("=")
    if not sep:
        name, pkg = "", spec
    pkg = pkg.strip("/") or "."
    if pkg == ".":
        path = module
    elif "." in pkg.split("/", 1)[0]:
        path = pkg
    else:
        path = "%s/%s" % (module, pkg)
    return (name or path.rsplit("/", 1)[-1]), path


def build_commands(targets: list[tuple[str, str]], args: list[str], staging: str, goos: str) -> list[list[str]]:
    """The go build argument lists that write each (name, package) target into staging.

    Every target go names by itself (its last path element, not a major
    version suffix such as v3, no .exe) is built by one go build into the
    directory: the packages are loaded and checked once, and the compile and
    link steps of all of them share the cores. A target with a name of its own
    is built on its own, straight to that name.
    """
    together = []
    separate = []
    for name, path in targets:
        last = path.rsplit("/", 1)[-1]
        if goos != "windows" and name == last and not re.fullmatch(r"v[0-9]+", last):
            together.append(path)
        else:
            separate.append(args + ["-o", os.path.join(staging, name), path])
    return ([args + ["-o", os.path.join(staging, "")] + together] if together else []) + separate


class GoModuleBuilder:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        self.dest: str = self.params["dest"]
        self.targets = [split_package(pkg, self.params["module"]) for pkg in self.params["packages"]]
        self.names = [name for name, _path in self.targets]
        self.env = dict(
            os.environ,
            CGO_ENABLED="1" if self.params["cgo"] else "0",
            GOOS=self.params["goos"],
            GOARCH=self.params["goarch"],
            GOFLAGS="-mod=mod -buildvcs=false",
        )

    def run_go(self, args: list[str], cwd: str) -> str:
        cmd = [self.params["go_binary"]] + args
        try:
            proc = subprocess.run(cmd, cwd=cwd, env=self.env, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            self.module.fail_json(msg="the go command %r was not found; install Go or set go_binary" % cmd[0])
        if proc.returncode != 0:
            lines = [line for line in (proc.stderr or proc.stdout).strip().splitlines() if not line.startswith("go: downloading")]
            tail = "\n".join(lines[-15:])
            self.module.fail_json(msg="%s failed (exit %d): %s" % (" ".join(cmd[:3]), proc.returncode, tail), cmd=cmd)
        return proc.stdout

    def inputs(self) -> dict:
        keys = ("module", "version", "packages", "ldflags", "local_replace_version", "extra_replaces", "tags", "cgo",
                "goos", "goarch")
        return {key: self.params[key] for key in keys}

    def up_to_date(self) -> bool:
        stamp = os.path.join(self.dest, STAMP)
        try:
            with open(stamp, encoding="utf-8") as handle:
                recorded = json.load(handle)
        except (OSError, ValueError):
            return False
        if recorded.get("inputs") != self.inputs():
            return False
        for name in self.names:
            path = os.path.join(self.dest, name)
            if not os.path.isfile(path) or recorded.get("sha256", {}).get(name) != sha256_file(path):
                return False
        return True

    def download(self) -> dict:
        ref = "%s@%s" % (self.params["module"], self.params["version"])
        cwd = tempfile.mkdtemp(prefix="kubelab-gomod-")
        try:
            cmd = [self.params["go_binary"], "mod", "download", "-json", ref]
            proc = subprocess.run(cmd, cwd=cwd, env=self.env, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            self.module.fail_json(msg="the go command %r was not found; install Go or set go_binary" % self.params["go_binary"])
        finally:
            shutil.rmtree(cwd, ignore_errors=True)
        try:
            info = json.loads(proc.stdout or "{}")
        except ValueError:
            info = {}
        if proc.returncode != 0 or info.get("Error"):
            reason = info.get("Error") or proc.stderr.strip()
            self.module.fail_json(
                msg="%s is not available from the Go module proxy (GOPROXY=%s): %s"
                % (ref, self.env.get("GOPROXY") or "default", reason)
            )
        return info

    def build(self) -> dict:
        params = self.params
        info = self.download()
        with open(info["GoMod"], encoding="utf-8") as handle:
            gomod = parse_gomod(handle.read())
        with open(info["Info"], encoding="utf-8") as handle:
            meta = json.load(handle)
        commit = (info.get("Origin") or meta.get("Origin") or {}).get("Hash", "")
        version = params["version"]
        major, minor = version[1:].split(".")[:2]
        values = {
            "version": version,
            "major": major,
            "minor": minor,
            "commit": commit,
            "build_date": meta.get("Time", "1970-01-01T00:00:00Z").replace(".000", ""),
            "module": params["module"],
        }
        try:
            ldflags = render_ldflags(params["ldflags"], values)
            reps = wrapper_replaces(gomod, params["local_replace_version"] or "")
            reps += [parse_replace(spec) for spec in params["extra_replaces"]]
        except ValueError as exc:
            self.module.fail_json(msg=str(exc))

        work = params["work_dir"] or os.path.join(os.path.dirname(self.dest.rstrip("/")), ".work")
        work = os.path.join(work, "%s@%s" % (params["module"].replace("/", "_"), version))
        os.makedirs(work, exist_ok=True)
        with open(os.path.join(work, "go.mod"), "w", encoding="utf-8") as handle:
            handle.write(render_wrapper_gomod(params["module"], version, gomod.go_version, reps))
        self.run_go(["mod", "download", params["module"]], work)

        os.makedirs(self.dest, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".build-", dir=self.dest)
        try:
            args = ["build", "-trimpath", "-ldflags", ("-s -w " + ldflags).strip()]
            if params["tags"]:
                args += ["-tags", ",".join(params["tags"])]
            for command in build_commands(self.targets, args, staging, params["goos"]):
                self.run_go(command, work)
            digests = {}
            for name in self.names:
                built = os.path.join(staging, name)
                if not os.path.isfile(built):
                    self.module.fail_json(msg="go build produced no binary named %s" % name)
                digests[name] = sha256_file(built)
            for name in self.names:
                os.replace(os.path.join(staging, name), os.path.join(self.dest, name))
                with open(os.path.join(self.dest, name + ".sha256"), "w", encoding="utf-8") as handle:
                    handle.write(digests[name])
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        with open(os.path.join(self.dest, STAMP), "w", encoding="utf-8") as handle:
            json.dump({"inputs": self.inputs(), "sha256": digests, "commit": commit}, handle, indent=1)
        return {"sha256": digests, "commit": commit}


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            module=dict(type="str", required=True),
            version=dict(type="str", required=True),
            packages=dict(type="list", elements="str", required=True),
            dest=dict(type="path", required=True),
            work_dir=dict(type="path"),
            ldflags=dict(type="list", elements="str", default=[]),
            local_replace_version=dict(type="str"),
            extra_replaces=dict(type="list", elements="str", default=[]),
            tags=dict(type="list", elements="str", default=[]),
            cgo=dict(type="bool", default=False),
            goos=dict(type="str", default="linux"),
            goarch=dict(type="str", default="amd64"),
            go_binary=dict(type="str", default="go"),
        ),
        supports_check_mode=True,
    )
    if not is_semver(module.params["version"]):
        module.fail_json(msg="version %r is not a Go module version like v1.35.4" % module.params["version"])
    if not module.params["packages"]:
        module.fail_json(msg="packages is empty; name at least one main package such as cmd/kubeadm")

    builder = GoModuleBuilder(module)
    binaries = [os.path.join(builder.dest, name) for name in builder.names]
    if builder.up_to_date():
        module.exit_json(changed=False, built=False, binaries=binaries)
    if module.check_mode:
        module.exit_json(changed=True, built=False, binaries=binaries)
    started = time.monotonic()
    result = builder.build()
    seconds = int(round(time.monotonic() - started))
    module.exit_json(changed=True, built=True, binaries=binaries, seconds=seconds, **result)


if __name__ == "__main__":
    main()

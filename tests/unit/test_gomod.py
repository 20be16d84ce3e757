from __future__ import annotations

import pytest

from ansible_collections.kubelab.cluster.plugins.modules import go_module_build
from ansible_collections.kubelab.cluster.plugins.modules.go_module_build import split_package
from ansible_collections.kubelab.cluster.plugins.module_utils.gomod import (
    Replace,
    is_semver,
    parse_gomod,
    render_ldflags,
    render_wrapper_gomod,
    staging_version,
    wrapper_replaces,
)

KUBERNETES_GOMOD = """// This is a generated file. Do not edit directly.

module k8s.io/kubernetes

go 1.25.0

godebug default=go1.25

require (
\tgithub.com/blang/semver/v4 v4.0.0
\tk8s.io/api v0.0.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go // comment
)

replace github.com/old/mod v1.0.0 => github.com/new/mod v1.0.1
"""


def test_parse_gomod_reads_module_go_requires_and_every_replace():
    mod = parse_gomod(KUBERNETES_GOMOD)
    assert mod.module == "k8s.io/kubernetes"
    assert mod.go_version == "1.25.0"
    assert mod.requires == {"github.com/blang/semver/v4": "v4.0.0", "k8s.io/api": "v0.0.0"}
    assert mod.replaces == [
        Replace("k8s.io/api", "", "./staging/src/k8s.io/api", ""),
        Replace("k8s.io/client-go", "", "./staging/src/k8s.io/client-go", ""),
        Replace("github.com/old/mod", "v1.0.0", "github.com/new/mod", "v1.0.1"),
    ]


def test_local_replaces_of_required_modules_point_at_the_published_module():
    out = wrapper_replaces(parse_gomod(KUBERNETES_GOMOD), "v0.35.4")
    # k8s.io/client-go is replaced locally but not required: the guard is dropped.
    assert [r.render() for r in out] == [
        "k8s.io/api => k8s.io/api v0.35.4",
        "github.com/old/mod v1.0.0 => github.com/new/mod v1.0.1",
    ]


def test_local_replace_without_version_is_an_error_naming_the_module():
    with pytest.raises(ValueError, match="k8s.io/api is replaced by the local path"):
        wrapper_replaces(parse_gomod(KUBERNETES_GOMOD), "")


def test_wrapper_gomod_requires_the_target_and_lists_replaces():
    text = render_wrapper_gomod("k8s.io/kubernetes", "v1.35.4", "1.25.0",
                                [Replace("k8s.io/api", "", "k8s.io/api", "v0.35.4")])
    assert text == (
        "module kubelab.local/build\n\ngo 1.25.0\n\nrequire k8s.io/kubernetes v1.35.4\n\n"
        "replace (\n\tk8s.io/api => k8s.io/api v0.35.4\n)\n"
    )


@pytest.mark.parametrize("version, staging", [("v1.35.4", "v0.35.4"), ("v1.36.0-rc.1", "v0.36.0-rc.1")])
def test_staging_version(version, staging):
    assert staging_version(version) == staging


@pytest.mark.parametrize("bad", ["1.35.4", "v2.0.0", "v1.35", "latest"])
def test_staging_version_refuses_non_release(bad):
    with pytest.raises(ValueError, match="not a Kubernetes release version"):
        staging_version(bad)


@pytest.mark.parametrize("version, ok", [("v1.35.4", True), ("v0.0.0-2024", True), ("1.35.4", False), ("v1.35", False)])
def test_is_semver(version, ok):
    assert is_semver(version) is ok


def test_ldflags_fill_fields_and_name_unknown_ones():
    assert render_ldflags(["-X a.v={version}", "-X a.c={commit}"], {"version": "v1", "commit": "abc"}) == "-X a.v=v1 -X a.c=abc"
    with pytest.raises(ValueError, match="unknown field 'tree'"):
        render_ldflags(["-X a.t={tree}"], {"version": "v1"})


def test_malformed_replace_is_refused():
    with pytest.raises(ValueError, match="malformed replace"):
        parse_gomod("module x\nreplace a b c => d\n")


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("cmd/kubeadm", ("kubeadm", "k8s.io/kubernetes/cmd/kubeadm")),
        ("etcd=.", ("etcd", "k8s.io/kubernetes")),
        ("flannel=plugins/meta/flannel", ("flannel", "k8s.io/kubernetes/plugins/meta/flannel")),
        ("k8s.io/other/cmd/tool", ("tool", "k8s.io/other/cmd/tool")),
    ],
)
def test_split_package(spec, expected):
    assert split_package(spec, "k8s.io/kubernetes") == expected


def build_args(tmp_path, **extra):
    """Arguments whose go command cannot run, so a refusal is the only way the module can end well."""
    return dict({"module": "k8s.io/kubernetes", "version": "v1.35.4", "packages": ["cmd/kubeadm"],
                 "dest": str(tmp_path / "out"), "go_binary": str(tmp_path / "no-go")}, **extra)


@pytest.mark.parametrize("version", ["1.35.4", "v1.35", "latest", "master", ""])
def test_module_refuses_a_version_that_is_not_semver(run_module, tmp_path, version):
    result = run_module(go_module_build.main, build_args(tmp_path, version=version))
    assert result["failed"] is True
    assert result["msg"] == "version %r is not a Go module version like v1.35.4" % version
    assert not (tmp_path / "out").exists()


def test_module_refuses_an_empty_packages_list(run_module, tmp_path):
    result = run_module(go_module_build.main, build_args(tmp_path, packages=[]))
    assert result["failed"] is True
    assert result["msg"] == "packages is empty; name at least one main package such as cmd/kubeadm"
    assert not (tmp_path / "out").exists()


def test_packages_named_as_go_names_them_are_built_by_one_go_build():
    targets = [split_package(spec, "k8s.io/kubernetes") for spec in ["cmd/kubeadm", "cmd/kubelet", "etcd=.", "tool=cmd/kubectl"]]
    commands = go_module_build.build_commands(targets, ["build", "-trimpath"], "/stage", "linux")
    assert commands == [
        ["build", "-trimpath", "-o", "/stage/", "k8s.io/kubernetes/cmd/kubeadm", "k8s.io/kubernetes/cmd/kubelet"],
        ["build", "-trimpath", "-o", "/stage/etcd", "k8s.io/kubernetes"],
        ["build", "-trimpath", "-o", "/stage/tool", "k8s.io/kubernetes/cmd/kubectl"],
    ]


@pytest.mark.parametrize("package, goos", [("go.etcd.io/etcd/server/v3", "linux"), ("cmd/kubeadm", "windows")])
def test_a_binary_go_would_name_otherwise_is_built_to_its_name(package, goos):
    name, path = split_package(package, "k8s.io/kubernetes")
    commands = go_module_build.build_commands([(name, path)], ["build"], "/stage", goos)
    assert commands == [["build", "-o", "/stage/" + name, path]]

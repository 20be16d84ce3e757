from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ansible_collections.kubelab.cluster.plugins.modules import release_binary
from ansible_collections.kubelab.cluster.plugins.modules.release_binary import first_version, names_version

KUBECTL_JSON = '{"clientVersion": {"major": "1", "minor": "36", "gitVersion": "v1.36.4"}}'


@pytest.mark.parametrize(
    "output, version, expected",
    [
        (KUBECTL_JSON, "v1.36.4", True),
        (KUBECTL_JSON, "v1.36.40", False),
        ('"gitVersion": "v1.36.40"', "v1.36.4", False),
        ("v1.38.1\n", "v1.38.1", True),
        ("minikube version: v1.38.1-beta.0", "v1.38.1", False),
        ("", "v1.38.1", False),
    ],
)
def test_names_version_matches_whole_words_only(output, version, expected):
    assert names_version(output, version) is expected


def test_first_version_reads_the_reported_version():
    assert first_version(KUBECTL_JSON) == "v1.36.4"
    assert first_version("Client Version: v1.37.1\nKustomize Version: v5.8.1") == "v1.37.1"
    assert first_version("no version here") == ""


# -- the module, run against a files repository served on loopback --------------------------------------------


UNREACHABLE = "http://127.0.0.1:9"


def tool(version: str, flavour: str = "") -> bytes:
    """A release binary: a script that reports ``version``; ``flavour`` makes another binary of the same version."""
    return ('#!/bin/sh\n# %s\necho "tool version %s"\n' % (flavour, version)).encode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def publish(files_dir: Path, version: str, data: bytes, checksum: str | None = None) -> str:
    """Put a binary and its .sha256 (its own digest unless ``checksum``) in the files repository."""
    where = files_dir / version
    where.mkdir(parents=True, exist_ok=True)
    (where / "tool").write_bytes(data)
    (where / "tool.sha256").write_text((checksum or sha(data)) + "\n")
    return "%s/tool" % version


def install(dest: Path, data: bytes) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    dest.chmod(0o755)
    return dest


def state(directory: Path) -> dict:
    """Name -> (content, inode) of every file, to prove a failed run left the directory as it was."""
    return {p.name: (p.read_bytes(), p.stat().st_ino) for p in directory.iterdir()}


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    (tmp_path / "bin").mkdir()
    return tmp_path / "bin" / "tool"


def args(url: str, dest: Path, version: str, **extra) -> dict:
    return dict({"url": url, "dest": str(dest), "version": version}, **extra)


def test_pinned_sha256_wins_over_the_published_checksum(run_module, files_dir, files_url, dest):
    good = tool("v1.2.3")
    path = publish(files_dir, "v1.2.3", good, checksum="f" * 64)  # the repository's .sha256 is wrong
    result = run_module(release_binary.main, args("%s/%s" % (files_url, path), dest, "v1.2.3", sha256=sha(good).upper()))
    assert result["failed"] is False, result
    assert result["changed"] is True
    assert (result["sha256"], result["sha256_source"]) == (sha(good), "pinned")
    assert dest.read_bytes() == good


def test_pinned_sha256_refuses_another_binary_with_a_matching_published_checksum(
        run_module, files_dir, files_url, dest):
    good_old = install(dest, tool("v1.2.2")).read_bytes()
    wanted = tool("v1.2.3")
    other = tool("v1.2.3", flavour="not the release")  # reports the right version, consistent .sha256
    path = publish(files_dir, "v1.2.3", other)
    before = state(dest.parent)
    result = run_module(release_binary.main, args("%s/%s" % (files_url, path), dest, "v1.2.3", sha256=sha(wanted)))
    assert result["failed"] is True
    assert result["msg"] == (
        "checksum mismatch for %s/%s: the sha256 option pins %s but the download has %s; the binary was not installed"
        % (files_url, path, sha(wanted), sha(other)))
    assert (result["expected_sha256"], result["actual_sha256"]) == (sha(wanted), sha(other))
    assert state(dest.parent) == before  # the old binary is untouched and no partial download is left
    assert dest.read_bytes() == good_old


def test_without_a_pin_a_repository_that_agrees_with_itself_is_trusted(run_module, files_dir, files_url, dest):
    """What the published .sha256 cannot catch, and why the sha256 option exists."""
    other = tool("v1.2.3", flavour="not the release")
    path = publish(files_dir, "v1.2.3", other)
    result = run_module(release_binary.main, args("%s/%s" % (files_url, path), dest, "v1.2.3"))
    assert result["failed"] is False and result["changed"] is True
    assert result["sha256_source"] == "published"
    assert dest.read_bytes() == other


def test_without_a_pin_a_download_that_disagrees_with_its_published_checksum_is_refused(
        run_module, files_dir, files_url, dest):
    install(dest, tool("v1.2.2"))
    path = publish(files_dir, "v1.2.3", tool("v1.2.3"), checksum="e" * 64)
    before = state(dest.parent)
    result = run_module(release_binary.main, args("%s/%s" % (files_url, path), dest, "v1.2.3"))
    assert result["failed"] is True
    assert "the files repository publishes sha256 %s but the download has" % ("e" * 64) in result["msg"]
    assert state(dest.parent) == before


def test_pinned_sha256_replaces_a_binary_of_the_right_version_with_another_digest(run_module, files_dir, files_url,
                                                                                  dest):
    install(dest, tool("v1.2.3", flavour="built elsewhere"))
    wanted = tool("v1.2.3")
    url = "%s/%s" % (files_url, publish(files_dir, "v1.2.3", wanted))
    planned = run_module(release_binary.main, args(url, dest, "v1.2.3", sha256=sha(wanted)), check_mode=True)
    assert (planned["failed"], planned["changed"], planned["previous_version"]) == (False, True, "v1.2.3")
    assert dest.read_bytes() != wanted
    first = run_module(release_binary.main, args(url, dest, "v1.2.3", sha256=sha(wanted)))
    assert (first["failed"], first["changed"]) == (False, True)
    assert dest.read_bytes() == wanted
    # idempotent by digest, and the repository is not even asked again
    again = run_module(release_binary.main, args(UNREACHABLE + "/v1.2.3/tool", dest, "v1.2.3", sha256=sha(wanted)))
    assert (again["failed"], again["changed"]) == (False, False)


@pytest.mark.parametrize("bad", ["abc", "g" * 64, "a" * 63, "a" * 65, "sha256:" + "a" * 64, "a" * 32 + " " + "a" * 32])
def test_a_malformed_sha256_is_refused_naming_the_value(run_module, dest, bad):
    result = run_module(release_binary.main, args(UNREACHABLE + "/v1.2.3/tool", dest, "v1.2.3", sha256=bad))
    assert result["failed"] is True
    assert result["msg"] == ("sha256 %r is not a sha256 digest; expected 64 hex characters as sha256sum prints them, "
                             "or an empty value to use the published checksum" % bad)
    assert list(dest.parent.iterdir()) == []


def test_an_empty_sha256_means_not_pinned(run_module, files_dir, files_url, dest):
    data = tool("v1.2.3")
    result = run_module(release_binary.main,
                        args("%s/%s" % (files_url, publish(files_dir, "v1.2.3", data)), dest, "v1.2.3", sha256=""))
    assert (result["failed"], result["sha256_source"]) == (False, "published")
    assert dest.read_bytes() == data


@pytest.mark.parametrize("mode", ["0999", "rwxr-xr-x", ""])
def test_a_bad_mode_is_refused_naming_the_value(run_module, dest, mode):
    result = run_module(release_binary.main, args(UNREACHABLE + "/v1.2.3/tool", dest, "v1.2.3", mode=mode))
    assert result["failed"] is True
    assert result["msg"] == "mode %r is not an octal file mode like 0755" % mode
    assert list(dest.parent.iterdir()) == []


def test_a_missing_destination_directory_is_refused_naming_it(run_module, files_dir, files_url, tmp_path):
    url = "%s/%s" % (files_url, publish(files_dir, "v1.2.3", tool("v1.2.3")))
    dest = tmp_path / "no" / "such" / "tool"
    result = run_module(release_binary.main, args(url, dest, "v1.2.3"))
    assert result["failed"] is True
    assert result["msg"] == ("directory %s of dest %s does not exist; create it first or choose a dest in an existing "
                             "directory" % (dest.parent, dest))
    assert not (tmp_path / "no").exists()

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from ansible_collections.kubelab.cluster.plugins.modules import release_archive

MTIME = 1_700_000_000


def archive(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    """A .tgz of regular files (./name) and symbolic links, every member dated MTIME."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo("./" + name)
            info.size, info.mtime, info.mode = len(data), MTIME, 0o755
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo("./" + name)
            info.type, info.linkname, info.mtime = tarfile.SYMTYPE, target, MTIME
            tar.addfile(info)
    return buffer.getvalue()


def publish(files_dir: Path, name: str, data: bytes, checksum: str | None = None) -> str:
    (files_dir / name).write_bytes(data)
    (files_dir / (name + ".sha256")).write_text((checksum or hashlib.sha256(data).hexdigest()) + "\n")
    return name


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "cache", tmp_path / "opt" / "cni" / "bin"


def args(files_url: str, names: list[str], dest: Path, cache: Path) -> dict:
    return {"archives": [{"url": "%s/%s" % (files_url, name), "dest": str(dest)} for name in names], "cache": str(cache)}


def test_downloads_unpacks_then_changes_nothing(run_module, files_dir, files_url, dirs):
    cache, dest = dirs
    publish(files_dir, "plugins.tgz", archive({"bridge": b"bridge v1", "loopback": b"loopback v1"}))
    first = run_module(release_archive.main, args(files_url, ["plugins.tgz"], dest, cache))
    assert first["failed"] is False, first
    assert first["changed"] is True
    assert [(a["downloaded"], a["unpacked"], a["files"]) for a in first["archives"]] == [(True, True, 2)]
    assert (dest / "bridge").read_bytes() == b"bridge v1"
    assert int((dest / "bridge").stat().st_mtime) == MTIME
    record = json.loads((cache / "plugins.tgz.unpacked.json").read_text())
    assert record["dest"] == str(dest) and sorted(record["files"]) == ["bridge", "loopback"]
    again = run_module(release_archive.main, args(files_url, ["plugins.tgz"], dest, cache))
    assert again["changed"] is False
    assert [(a["downloaded"], a["unpacked"]) for a in again["archives"]] == [(False, False)]


def test_a_file_removed_or_changed_in_dest_is_put_back(run_module, files_dir, files_url, dirs):
    cache, dest = dirs
    publish(files_dir, "plugins.tgz", archive({"bridge": b"bridge v1", "loopback": b"loopback v1"}))
    run_module(release_archive.main, args(files_url, ["plugins.tgz"], dest, cache))
    (dest / "bridge").unlink()
    (dest / "loopback").write_bytes(b"changed")
    checked = run_module(release_archive.main, args(files_url, ["plugins.tgz"], dest, cache), check_mode=True)
    assert checked["changed"] is True and checked["archives"][0]["unpacked"] is True
    assert not (dest / "bridge").exists()  # check mode changed nothing
    result = run_module(release_archive.main, args(files_url, ["plugins.tgz"], dest, cache))
    assert result["changed"] is True
    assert [(a["downloaded"], a["unpacked"]) for a in result["archives"]] == [(False, True)]
    assert (dest / "bridge").read_bytes() == b"bridge v1" and (dest / "loopback").read_bytes() == b"loopback v1"


def test_a_new_archive_is_downloaded_and_unpacked_over_the_old(run_module, files_dir, files_url, dirs):
    cache, dest = dirs
    publish(files_dir, "plugins.tgz", archive({"bridge": b"bridge v1"}))
    run_module(release_archive.main, args(files_url, ["plugins.tgz"], dest, cache))
    publish(files_dir, "plugins.tgz", archive({"bridge": b"bridge v2", "vlan": b"vlan v2"}))
    result = run_module(release_archive.main, args(files_url, ["plugins.tgz"], dest, cache))
    assert [(a["downloaded"], a["unpacked"], a["files"]) for a in result["archives"]] == [(True, True, 2)]
    assert (dest / "bridge").read_bytes() == b"bridge v2" and (dest / "vlan").exists()


def test_files_unpacked_before_a_record_existed_count_as_unpacked(run_module, files_dir, files_url, dirs):
    cache, dest = dirs
    publish(files_dir, "plugins.tgz", archive({"bridge": b"bridge v1"}))
    run_module(release_archive.main, args(files_url, ["plugins.tgz"], dest, cache))
    (cache / "plugins.tgz.unpacked.json").unlink()
    inode = (dest / "bridge").stat().st_ino
    result = run_module(release_archive.main, args(files_url, ["plugins.tgz"], dest, cache))
    assert result["changed"] is False
    assert (dest / "bridge").stat().st_ino == inode
    assert (cache / "plugins.tgz.unpacked.json").exists()


def test_a_download_that_disagrees_with_its_checksum_is_not_kept(run_module, files_dir, files_url, dirs):
    cache, dest = dirs
    publish(files_dir, "plugins.tgz", archive({"bridge": b"bridge v1"}), checksum="a" * 64)
    result = run_module(release_archive.main, args(files_url, ["plugins.tgz"], dest, cache))
    assert result["failed"] is True
    assert result["msg"].startswith("checksum mismatch for %s/plugins.tgz: the files repository publishes sha256 %s"
                                    % (files_url, "a" * 64))
    assert os.listdir(cache) == [] and os.listdir(dest) == []


@pytest.mark.parametrize("members, links, bad", [
    ({"../escape": b"x"}, None, "member './../escape' is outside"),
    ({"bridge": b"x"}, {"evil": "../../etc/passwd"}, "link './evil' -> '../../etc/passwd' points outside"),
    ({"bridge": b"x"}, {"evil": "/etc/passwd"}, "link './evil' -> '/etc/passwd' points outside"),
])
def test_an_archive_with_a_member_outside_dest_is_refused(run_module, files_dir, files_url, dirs, members, links, bad):
    cache, dest = dirs
    publish(files_dir, "bad.tgz", archive(members, links))
    result = run_module(release_archive.main, args(files_url, ["bad.tgz"], dest, cache))
    assert result["failed"] is True
    assert result["msg"].startswith("refusing to unpack %s/bad.tgz into %s: %s" % (files_url, dest, bad)), result["msg"]
    assert os.listdir(dest) == []


def test_check_mode_on_a_fresh_host_reports_both_steps_and_writes_nothing(run_module, files_dir, files_url, dirs):
    cache, dest = dirs
    publish(files_dir, "plugins.tgz", archive({"bridge": b"bridge v1"}))
    result = run_module(release_archive.main, args(files_url, ["plugins.tgz"], dest, cache), check_mode=True)
    assert result["changed"] is True
    assert [(a["downloaded"], a["unpacked"]) for a in result["archives"]] == [(True, True)]
    assert not cache.exists() and not dest.exists()


@pytest.mark.parametrize("url, dest, msg", [
    ("http://127.0.0.1:1/plugins.zip", "/opt/cni/bin", "archive url 'http://127.0.0.1:1/plugins.zip' must be an http(s) address of a .tar.gz or .tgz file"),
    ("ftp://127.0.0.1/plugins.tgz", "/opt/cni/bin", "archive url 'ftp://127.0.0.1/plugins.tgz' must be an http(s) address"),
    ("http://127.0.0.1:1/plugins.tgz", "opt/cni/bin", "dest 'opt/cni/bin' of http://127.0.0.1:1/plugins.tgz must be an absolute path"),
])
def test_bad_input_is_refused_naming_the_value_before_any_change(run_module, tmp_path, url, dest, msg):
    cache = tmp_path / "cache"
    result = run_module(release_archive.main, {"archives": [{"url": url, "dest": dest}], "cache": str(cache)})
    assert result["failed"] is True and result["msg"].startswith(msg), result["msg"]
    assert not cache.exists()


def test_an_unreachable_repository_fails_naming_the_address(run_module, dirs):
    cache, dest = dirs
    result = run_module(release_archive.main, {"archives": [{"url": "http://127.0.0.1:1/plugins.tgz", "dest": str(dest)}],
                                               "cache": str(cache), "timeout": 2})
    assert result["failed"] is True
    assert result["msg"].startswith("cannot download http://127.0.0.1:1/plugins.tgz.sha256: HTTP -1")

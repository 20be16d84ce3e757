from __future__ import annotations

import os
import stat
from pathlib import Path

from ansible_collections.kubelab.cluster.plugins.modules import config_files


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_files_and_directories_then_changes_nothing(run_module, tmp_path):
    unit = tmp_path / "etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
    args = {"directories": [str(tmp_path / "etc/kubernetes")],
            "files": [{"path": str(unit), "content": "[Service]\n"},
                      {"path": str(tmp_path / "etc/default/kubelet"), "content": "ARGS=\n", "mode": "0600"}]}
    first = run_module(config_files.main, args)
    assert first["failed"] is False, first
    assert first["changed"] is True
    assert first["changed_files"] == [str(unit), str(tmp_path / "etc/default/kubelet")]
    assert str(tmp_path / "etc/systemd/system/kubelet.service.d") in first["created_directories"]
    assert unit.read_text() == "[Service]\n" and mode_of(unit) == 0o644
    assert mode_of(tmp_path / "etc/default/kubelet") == 0o600
    assert mode_of(tmp_path / "etc/kubernetes") == 0o755
    again = run_module(config_files.main, args)
    assert (again["changed"], again["changed_files"], again["created_directories"]) == (False, [], [])


def test_rewrites_a_changed_file_and_reports_its_diff(run_module, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("version = 2\n")
    result = run_module(config_files.main, {"files": [{"path": str(path), "content": "version = 3\n"}]})
    assert result["changed_files"] == [str(path)]
    assert path.read_text() == "version = 3\n"
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")], "a temporary file was left behind"


def test_sets_a_wrong_mode_without_rewriting(run_module, tmp_path):
    path = tmp_path / "hosts.toml"
    path.write_text("server = 'x'\n")
    path.chmod(0o600)
    inode = path.stat().st_ino
    result = run_module(config_files.main, {"files": [{"path": str(path), "content": "server = 'x'\n"}]})
    assert result["changed_files"] == [str(path)]
    assert mode_of(path) == 0o644 and path.stat().st_ino == inode


def test_force_false_keeps_an_existing_file(run_module, tmp_path):
    path = tmp_path / "crictl.yaml"
    path.write_text("runtime-endpoint: unix:///run/crio/crio.sock\n")
    spec = {"path": str(path), "content": "runtime-endpoint: unix:///run/containerd/containerd.sock\n", "force": False}
    kept = run_module(config_files.main, {"files": [spec]})
    assert kept["changed"] is False and "crio" in path.read_text()
    path.unlink()
    written = run_module(config_files.main, {"files": [spec]})
    assert written["changed"] is True and "containerd" in path.read_text()


def test_check_mode_reports_and_writes_nothing(run_module, tmp_path):
    path = tmp_path / "conf.d/10-kubelab-cri.toml"
    result = run_module(config_files.main, {"files": [{"path": str(path), "content": "x\n"}]}, check_mode=True)
    assert result["changed"] is True and result["changed_files"] == [str(path)]
    assert result["created_directories"] == [str(tmp_path / "conf.d")]
    assert not (tmp_path / "conf.d").exists()


def test_diff_names_each_changed_file(run_module, tmp_path):
    path = tmp_path / "resolv.conf"
    path.write_text("nameserver 10.0.0.1\n")
    result = run_module(config_files.main, {"files": [{"path": str(path), "content": "nameserver 10.0.0.2\n"}],
                                            "_ansible_diff": True})
    assert result["diff"] == [{"before_header": str(path), "after_header": str(path),
                               "before": "nameserver 10.0.0.1\n", "after": "nameserver 10.0.0.2\n"}]


def test_bad_input_is_refused_before_anything_is_written(run_module, tmp_path):
    good = {"path": str(tmp_path / "a"), "content": "a\n"}
    for files, named in [
        ([good, {"path": str(tmp_path / "b"), "content": "b\n", "mode": "rw-r--r--"}], "'rw-r--r--'"),
        ([good, {"path": "etc/b", "content": "b\n"}], "'etc/b'"),
        ([good, dict(good)], str(tmp_path / "a")),
    ]:
        result = run_module(config_files.main, {"files": files})
        assert result["failed"] is True and named in result["msg"], result
    assert not (tmp_path / "a").exists()


def test_a_directory_in_the_way_of_a_file_is_refused(run_module, tmp_path):
    (tmp_path / "config.toml").mkdir()
    result = run_module(config_files.main, {"files": [{"path": str(tmp_path / "config.toml"), "content": "x\n"}]})
    assert result["failed"] is True and "must be a regular file" in result["msg"]

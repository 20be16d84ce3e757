"""The prober's figures from its records, and its loop for real against a server on loopback."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import time

import pytest

from ansible_collections.kubelab.cluster.plugins.module_utils.prober import PROBE_LOOP, read_records, summarize
from ansible_collections.kubelab.cluster.plugins.modules import http_prober


def rec(t, target, ok):
    return {"t": t, "target": target, "ok": ok, "status": 200 if ok else None, "error": "" if ok else "refused"}


def test_no_failures_and_the_longest_gap_between_good_answers():
    records = [rec(0.0, "a", True), rec(0.5, "b", True), rec(1.0, "a", True), rec(2.5, "a", True), rec(3.0, "b", True)]
    out = summarize(records, ["a", "b"])
    assert out["requests"] == 5
    assert out["failures"] == 0
    assert out["targets"]["a"] == {"requests": 3, "failures": 0, "longest_gap": 1.5}
    assert out["targets"]["b"]["longest_gap"] == 2.5
    assert out["longest_gap"] == 2.5
    assert out["seconds"] == 3.0


def test_failures_are_listed_with_time_and_target_and_widen_the_gap():
    records = [rec(0.0, "a", True), rec(1.0, "a", False), rec(2.0, "a", False), rec(3.0, "a", True), rec(4.0, "a", True)]
    out = summarize(records)
    assert out["failures"] == 2
    assert [(f["t"], f["target"]) for f in out["failed_requests"]] == [(1.0, "a"), (2.0, "a")]
    assert out["longest_gap"] == 3.0


def test_a_target_that_never_answers_has_a_gap_as_long_as_the_run():
    records = [rec(0.0, "a", True), rec(0.0, "b", False), rec(5.0, "a", True), rec(5.0, "b", False)]
    out = summarize(records)
    assert out["targets"]["b"] == {"requests": 2, "failures": 2, "longest_gap": 5.0}


def test_a_named_target_with_no_request_is_reported():
    out = summarize([rec(0.0, "a", True), rec(2.0, "a", True)], ["a", "never"])
    assert out["targets"]["never"] == {"requests": 0, "failures": 0, "longest_gap": 2.0}


def test_nothing_recorded():
    out = summarize([], ["a"])
    assert out["requests"] == 0 and out["targets"]["a"]["requests"] == 0


def test_lines_cut_short_are_skipped():
    assert read_records(['{"t": 1, "target": "a", "ok": true}', '{"t": 2, "tar', "", '{"x": 1}']) == [
        {"t": 1, "target": "a", "ok": True}]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code = 200 if self.path == "/ok" else 503
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"x")

    def log_message(self, *args):
        """Quiet."""


@pytest.fixture()
def server(http_server):
    return http_server(_Handler)


def test_the_loop_records_good_and_bad_answers_and_stops_by_itself(server, tmp_path):
    config = {"targets": [{"name": "up", "url": server + "/ok"}, {"name": "down", "url": server + "/bad"},
                          {"name": "closed", "url": "http://127.0.0.1:9/"}],
              "interval": 0.05, "timeout": 1, "max_seconds": 30, "max_requests": 30,
              "output": str(tmp_path / "out.jsonl"), "stop_file": str(tmp_path / "stop")}
    (tmp_path / "cfg.json").write_text(json.dumps(config))
    subprocess.run([sys.executable, "-c", PROBE_LOOP, str(tmp_path / "cfg.json")], check=True, timeout=60)
    out = summarize(read_records((tmp_path / "out.jsonl").read_text().splitlines()), ["up", "down", "closed"])
    assert out["requests"] == 30
    assert out["targets"]["up"]["failures"] == 0
    assert out["targets"]["down"]["failures"] == 10
    assert {f["status"] for f in out["failed_requests"] if f["target"] == "down"} == {503}
    assert all("ConnectionRefused" in f["error"] or "URLError" in f["error"]
               for f in out["failed_requests"] if f["target"] == "closed")


def test_the_module_starts_the_prober_in_the_background_and_reports_when_stopped(run_module, server, tmp_path):
    args = {"name": "t", "dir": str(tmp_path), "interval": 0.05, "timeout": 1, "max_seconds": 60}
    started = run_module(http_prober.main, dict(args, state="started",
                                                targets=[{"name": "up", "url": server + "/ok"},
                                                         {"name": "down", "url": server + "/bad", "accept": [503]}]))
    assert started["changed"] and started["running"] and started["pid"] > 0
    again = run_module(http_prober.main, dict(args, state="started", targets=[{"name": "up", "url": server + "/ok"}]))
    assert again == {"changed": False, "running": True, "pid": started["pid"], "failed": False}
    time.sleep(1)
    stopped = run_module(http_prober.main, dict(args, state="stopped"))
    assert stopped["changed"] and not stopped["running"]
    assert stopped["requests"] >= 4
    assert stopped["failures"] == 0, stopped["failed_requests"]
    assert set(stopped["targets"]) == {"up", "down"}
    assert not http_prober.running_pid(http_prober.ProberFiles.named(str(tmp_path), "t"))


@pytest.mark.parametrize("args, message", [
    ({"state": "started"}, "state=started needs targets"),
    ({"state": "started", "targets": [{"name": "a", "url": "ftp://x"}]}, "target a: url 'ftp://x' is not an http(s) URL"),
    ({"state": "started", "targets": [{"name": "a", "url": "http://x"}, {"name": "a", "url": "http://y"}]},
     "target names must differ; got a, a"),
    ({"state": "stopped"}, "prober t has no records"),
])
def test_the_module_refuses_bad_input_naming_it(run_module, tmp_path, args, message):
    result = run_module(http_prober.main, dict(args, name="t", dir=str(tmp_path)))
    assert result["failed"]
    assert message in result["msg"]

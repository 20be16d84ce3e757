"""Run a module's main() in-process and serve files or a fake API on loopback, for the unit tests."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from typing import Callable, Iterator

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ModuleExit(Exception):
    """What a module returned through exit_json or fail_json."""

    def __init__(self, result: dict) -> None:
        super().__init__(result)
        self.result = result


@pytest.fixture
def run_module(monkeypatch) -> Callable[..., dict]:
    """``run_module(main, args, check_mode=False)`` -> the module's result, with ``failed`` True on fail_json."""

    def exit_json(_module, **kwargs):
        raise ModuleExit(dict(kwargs, failed=False))

    def fail_json(_module, msg, **kwargs):
        raise ModuleExit(dict(kwargs, msg=msg, failed=True))

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)

    def run(main: Callable[[], None], args: dict, check_mode: bool = False) -> dict:
        with patch_module_args(dict(args, _ansible_check_mode=check_mode)):
            try:
                main()
            except ModuleExit as done:
                return done.result
        raise AssertionError("the module returned without calling exit_json or fail_json")

    return run


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        """Keep the test output free of access logs."""


@pytest.fixture
def http_server() -> Iterator[Callable[[Callable[..., http.server.BaseHTTPRequestHandler]], str]]:
    """``http_server(handler)`` -> base URL of a real HTTP server on loopback, shut down after the test."""
    servers = []

    def start(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return "http://127.0.0.1:%d" % server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def files_dir(tmp_path: Path) -> Path:
    path = tmp_path / "files"
    path.mkdir()
    return path


@pytest.fixture
def files_url(files_dir: Path, http_server) -> str:
    """A files repository: ``files_dir`` served over HTTP on loopback."""
    return http_server(functools.partial(QuietHandler, directory=str(files_dir)))

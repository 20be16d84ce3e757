"""Run a module's main() in-process and serve files or a fake API on loopback, for the unit tests."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

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


class FakeKubeApi(http.server.BaseHTTPRequestHandler):
    """A Kubernetes API: serves ``objects`` (path -> JSON body, or (status, JSON body)), records every request in
    ``requests``, and refuses every write."""

    objects: dict[str, Any] = {}
    requests: list[tuple[str, str]] = []

    def log_message(self, *args):
        """Keep the test output free of access logs."""

    def reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.requests.append(("GET", self.path))
        path = urlsplit(self.path).path
        if path not in self.objects:
            self.reply(404, api_status(404, "NotFound", "%s not found" % path))
        elif isinstance(self.objects[path], tuple):
            self.reply(*self.objects[path])
        else:
            self.reply(200, self.objects[path])

    def write(self):
        self.requests.append((self.command, self.path))
        self.reply(500, api_status(500, "InternalError", "this test allows no writes"))

    do_PUT = do_PATCH = do_POST = do_DELETE = write


def api_status(code: int, reason: str, message: str) -> dict:
    """The Status object the API server answers a refusal with."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": reason,
            "code": code, "message": message}


@dataclass
class KubeApi:
    kubeconfig: str
    objects: dict[str, Any] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def refuse(self, path: str, code: int, reason: str, message: str) -> None:
        """Answer GET ``path`` with an error status, as the API server does."""
        self.objects[path] = (code, api_status(code, reason, message))

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]


@pytest.fixture
def kube_api(http_server, tmp_path: Path) -> KubeApi:
    """A fake Kubernetes API on loopback and a kubeconfig for it; a test fills ``objects`` and reads ``requests``."""
    api = KubeApi(kubeconfig=str(tmp_path / "kubeconfig"))
    url = http_server(type("Api", (FakeKubeApi,), {"objects": api.objects, "requests": api.requests}))
    Path(api.kubeconfig).write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": url}}],
        "users": [{"name": "fake", "user": {"token": "t"}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}]}))
    return api

from __future__ import annotations

import http.server
import itertools

from ansible_collections.kubelab.cluster.plugins.modules import http_check


def serving(server, not_ready: int = 0):
    """A handler class that answers 503 to its first ``not_ready`` requests, then 200.

    ``server`` is the Server header of every answer, or a function of the request's number (from 0) that gives it.
    """
    counter = itertools.count()
    server_of = server if callable(server) else (lambda number: server)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            """Keep the test output free of access logs."""

        number = 0

        def version_string(self):
            return server_of(self.number)

        def do_GET(self):
            self.number = number = next(counter)
            code = 503 if number < not_ready else 200
            body = b"page\n"
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def test_every_url_answers_every_time_with_the_server(run_module, http_server):
    urls = [http_server(serving("nginx/1.28.0")) + "/", http_server(serving("nginx/1.28.0")) + "/"]
    result = run_module(http_check.main, {"urls": urls, "requests": 3, "server": "nginx/1.28.0"})
    assert result["failed"] is False, result
    assert result["changed"] is False
    assert [(a["url"], a["status"], a["server"], a["error"]) for a in result["answers"]] == \
        [(url, 200, "nginx/1.28.0", "") for url in urls for dummy in range(3)]


def test_a_url_that_keeps_answering_from_another_server_fails_once_the_wait_is_over(run_module, http_server):
    good, old = http_server(serving("nginx/1.28.0")) + "/", http_server(serving("nginx/1.27.5")) + "/"
    result = run_module(http_check.main, {"urls": [good, old], "requests": 2, "server": "nginx/1.28.0",
                                          "wait": 1, "interval": 0.2})
    assert result["failed"] is True
    assert result["msg"] == ("no 2 answers in a row with HTTP 200 and Server 'nginx/1.28.0' within 1 s from "
                             "%s (last: Server 'nginx/1.27.5', not 'nginx/1.28.0')" % old)
    assert [a["url"] for a in result["answers"]] == [old]


def test_the_old_pods_answering_for_a_while_after_a_rollout_are_waited_for(run_module, http_server):
    # as right after a rollout's undo, while a node's kube-proxy still sends some requests to the pods going away
    url = http_server(serving(lambda number: "nginx/1.27.5" if number in (0, 2, 3) else "nginx/1.28.0")) + "/"
    result = run_module(http_check.main, {"urls": [url], "requests": 3, "server": "nginx/1.28.0",
                                          "wait": 5, "interval": 0.1})
    assert result["failed"] is False, result
    assert result["waited"] >= 0.2
    assert [(a["server"], a["error"]) for a in result["answers"]] == [("nginx/1.28.0", "")] * 3


def test_answers_from_both_versions_in_turn_never_pass(run_module, http_server):
    url = http_server(serving(lambda number: "nginx/1.28.0" if number % 2 else "nginx/1.27.5")) + "/"
    result = run_module(http_check.main, {"urls": [url], "requests": 2, "server": "nginx/1.28.0",
                                          "wait": 1, "interval": 0.1})
    assert result["failed"] is True
    assert result["msg"].startswith("no 2 answers in a row with HTTP 200 and Server 'nginx/1.28.0' within 1 s")


def test_every_judged_answer_counts_after_the_wait(run_module, http_server):
    # the answers in a row end the wait; an answer after them from another server still fails the check
    url = http_server(serving(lambda number: "nginx/1.28.0" if number < 2 else "nginx/1.27.5")) + "/"
    result = run_module(http_check.main, {"urls": [url], "requests": 2, "server": "nginx/1.28.0", "wait": 0})
    assert result["failed"] is True
    assert result["msg"] == ("2 of 2 answers were not as expected: %s: Server 'nginx/1.27.5', not 'nginx/1.28.0'; "
                             "%s: Server 'nginx/1.27.5', not 'nginx/1.28.0'" % (url, url))


def test_a_url_that_answers_late_is_waited_for(run_module, http_server):
    url = http_server(serving("nginx/1.28.0", not_ready=2)) + "/"
    result = run_module(http_check.main, {"urls": [url], "requests": 1, "wait": 5, "interval": 0.1})
    assert result["failed"] is False, result
    assert result["waited"] >= 0.2
    assert [a["status"] for a in result["answers"]] == [200]


def test_a_url_that_never_answers_fails_once_the_wait_is_over(run_module, http_server):
    up = http_server(serving("nginx/1.28.0")) + "/"
    down = "http://127.0.0.1:1/"
    result = run_module(http_check.main, {"urls": [up, down], "wait": 1, "interval": 0.2, "timeout": 1})
    assert result["failed"] is True
    assert result["msg"].startswith("no 3 answers in a row with HTTP 200 within 1 s from http://127.0.0.1:1/ "
                                    "(last: no answer: ")
    assert 0.8 <= result["waited"] < 5
    assert [a["url"] for a in result["answers"]] == [down]


def test_a_status_other_than_the_expected_one_is_named(run_module, http_server):
    url = http_server(serving("nginx/1.28.0", not_ready=100)) + "/"
    result = run_module(http_check.main, {"urls": [url], "wait": 0})
    assert result["failed"] is True
    assert result["msg"] == "no 3 answers in a row with HTTP 200 within 0 s from %s (last: HTTP 503, not 200)" % url


def test_bad_input_is_refused_naming_the_value(run_module):
    result = run_module(http_check.main, {"urls": ["http://127.0.0.1:1/", "ftp://x/"]})
    assert result["failed"] is True and result["msg"] == "urls 'ftp://x/' must be http(s) addresses"
    result = run_module(http_check.main, {"urls": ["http://127.0.0.1:1/"], "requests": 0})
    assert result["failed"] is True and result["msg"].startswith("requests (0) must be 1 or more")

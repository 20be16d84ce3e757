#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: http_check
short_description: Check in one call that several URLs answer, each several times, with a status and Server header
version_added: "0.2.0"
description:
  - Waits up to O(wait) seconds until every URL of O(urls) has given O(requests) expected answers in a row - the
    status O(status), and the C(Server) header O(server) when that is set - then sends O(requests) GET requests to
    each and judges every answer.
  - Waiting for the expected answers, not only for an answer, lets a check that follows a change (a rollout, or its
    undo) start before every node's kube-proxy has dropped the pods that are going away; the judged answers come
    after that and must all be as expected.
  - Made for a Service's NodePort on every node - each answer may come from another pod - where one task per
    request would make a playbook's re-run wait for a module start per request.
  - Fails naming every URL and answer that was not as expected; reports each answer either way.
author:
  - kubelab.cluster contributors (@kubelab)
options:
  urls:
    description: The http(s) URLs to check.
    type: list
    elements: str
    required: true
  requests:
    description: GET requests sent to each URL once all of them answer; each answer is judged.
    type: int
    default: 3
  wait:
    description: Seconds to wait, in all, for every URL to give O(requests) expected answers in a row before the
      judged requests are sent.
    type: int
    default: 30
  interval:
    description: Seconds between two tries at a URL whose last answer was not as expected.
    type: float
    default: 2
  timeout:
    description: Seconds one request may take.
    type: float
    default: 10
  status:
    description: The HTTP status every answer must have.
    type: int
    default: 200
  server:
    description: The C(Server) header every answer must carry, for example C(nginx/1.28.0); not judged when empty.
    type: str
    default: ""
extends_documentation_fragment:
  - kubelab.cluster.attributes
attributes:
  check_mode:
    support: none
    details: It changes nothing, but what it checks may not exist yet in check mode; it is skipped there.
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Check that the NodePort of every node serves nginx 1.28.0
  kubelab.cluster.http_check:
    urls: [http://192.168.56.10:30080/, http://192.168.56.11:30080/, http://192.168.56.12:30080/]
    requests: 3
    server: nginx/1.28.0
"""

RETURN = r"""
answers:
  description: Each judged answer, per URL in order and request by request.
  returned: always
  type: list
  elements: dict
  contains:
    url:
      description: The URL.
      type: str
    status:
      description: HTTP status, -1 when there was no answer.
      type: int
    server:
      description: The answer's C(Server) header, empty when it had none.
      type: str
    error:
      description: Why the answer does not count, empty when it does.
      type: str
waited:
  description: Seconds spent waiting for every URL to give the expected answers in a row.
  returned: always
  type: float
"""

import time
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import fetch_url


class HttpCheck:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params

    def get(self, url: str) -> dict[str, Any]:
        resp, info = fetch_url(self.module, url, timeout=self.params["timeout"], force=True)
        if resp is not None:
            resp.read()
        status = int(info.get("status", -1))
        answer = {"url": url, "status": status, "server": info.get("server", "") or "", "error": ""}
        if status == -1:
            answer["error"] = "no answer: %s" % info.get("msg", "")
        elif status != self.params["status"]:
            answer["error"] = "HTTP %d, not %d" % (status, self.params["status"])
        elif self.params["server"] and answer["server"] != self.params["server"]:
            answer["error"] = "Server %r, not %r" % (answer["server"], self.params["server"])
        return answer

    def expected(self) -> str:
        if self.params["server"]:
            return "HTTP %d and Server %r" % (self.params["status"], self.params["server"])
        return "HTTP %d" % self.params["status"]

    def run(self) -> None:
        bad = [url for url in self.params["urls"] if not url.startswith(("http://", "https://"))]
        if bad:
            self.module.fail_json(msg="urls %s must be http(s) addresses" % ", ".join(map(repr, bad)))
        if self.params["requests"] < 1 or self.params["wait"] < 0 or self.params["interval"] <= 0:
            self.module.fail_json(msg="requests (%d) must be 1 or more, wait (%d) 0 or more, interval (%s) more than 0"
                                  % (self.params["requests"], self.params["wait"], self.params["interval"]))
        started = time.monotonic()
        deadline = started + self.params["wait"]
        waiting = list(self.params["urls"])
        last: dict[str, dict[str, Any]] = {}
        while waiting:
            for url in list(waiting):
                for dummy in range(self.params["requests"]):
                    last[url] = self.get(url)
                    if last[url]["error"]:
                        break
                else:
                    waiting.remove(url)
            if not waiting or time.monotonic() + self.params["interval"] > deadline:
                break
            time.sleep(self.params["interval"])
        result: dict[str, Any] = {"changed": False, "waited": round(time.monotonic() - started, 2)}
        if waiting:
            result["answers"] = [last[url] for url in waiting]
            self.module.fail_json(msg="no %d answers in a row with %s within %d s from %s" % (
                self.params["requests"], self.expected(), self.params["wait"],
                "; ".join("%s (last: %s)" % (url, last[url]["error"]) for url in waiting)), **result)
        answers = [self.get(url) for url in self.params["urls"] for dummy in range(self.params["requests"])]
        result["answers"] = answers
        failed = [answer for answer in answers if answer["error"]]
        if failed:
            self.module.fail_json(msg="%d of %d answers were not as expected: %s" % (
                len(failed), len(answers), "; ".join("%s: %s" % (a["url"], a["error"]) for a in failed)), **result)
        self.module.exit_json(**result)


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            urls=dict(type="list", elements="str", required=True),
            requests=dict(type="int", default=3),
            wait=dict(type="int", default=30),
            interval=dict(type="float", default=2),
            timeout=dict(type="float", default=10),
            status=dict(type="int", default=200),
            server=dict(type="str", default=""),
        ),
        supports_check_mode=False,
    )
    HttpCheck(module).run()


if __name__ == "__main__":
    main()

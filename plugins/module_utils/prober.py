# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kubelab.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An availability prober: a bounded loop of HTTP requests, and the figures read from what it recorded.

The loop (PROBE_LOOP) runs on its own, detached, and writes one JSON line per
request: {"t": seconds since the epoch, "target": name, "ok": bool,
"status": HTTP status or null, "error": text, "ms": duration}. summarize()
turns those lines into requests, failures and the longest time a target gave
no good answer; it knows nothing of processes or of Kubernetes.
"""

from __future__ import annotations

import json
from typing import Iterable

# Run as: python -c PROBE_LOOP <config.json> with a Python that has ansible (the
# controller's); config: targets [{name, url, accept}], ca_file, interval,
# timeout, max_seconds, max_requests, output, stop_file.
PROBE_LOOP = r'''
import json, os, sys, time, urllib.error
from ansible.module_utils.urls import open_url
cfg = json.load(open(sys.argv[1]))
end = time.time() + cfg["max_seconds"]
sent = 0
with open(cfg["output"], "a", buffering=1) as out:
    while time.time() < end and sent < cfg["max_requests"] and not os.path.exists(cfg["stop_file"]):
        for target in cfg["targets"]:
            started = time.time()
            record = {"t": round(started, 3), "target": target["name"], "ok": False, "status": None, "error": ""}
            try:
                with open_url(target["url"], timeout=cfg["timeout"], ca_path=cfg.get("ca_file") or None,
                              follow_redirects="none") as resp:
                    resp.read(65536)
                    record["status"] = resp.status
                    record["ok"] = 200 <= resp.status < 400
            except urllib.error.HTTPError as exc:
                record["status"], record["error"] = exc.code, "HTTP %d" % exc.code
                record["ok"] = exc.code in target.get("accept", [])
            except Exception as exc:
                record["error"] = "%s: %s" % (type(exc).__name__, exc)
            record["ms"] = round((time.time() - started) * 1000, 1)
            out.write(json.dumps(record) + "\n")
            sent += 1
        time.sleep(cfg["interval"])
'''


def read_records(lines: Iterable[str]) -> list[dict]:
    """The records of a prober's output; a line cut short by the stop is skipped."""
    out = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and {"t", "target", "ok"} <= set(record):
            out.append(record)
    return out


def _longest_gap(records: list[dict], start: float, end: float) -> float:
    """Longest time within [start, end] with no good answer, measured between good answers."""
    last_good = start
    longest = 0.0
    for record in records:
        if record["ok"]:
            longest = max(longest, record["t"] - last_good)
            last_good = record["t"]
    return round(max(longest, end - last_good), 3)


def summarize(records: list[dict], targets: list[str] | None = None) -> dict:
    """Requests, failures (each with its time and target) and the longest gap, overall and per target.

    A gap is the time between two good answers of a target (or from the first
    request, or to the last); a target that never answered has a gap as long
    as the whole run.
    """
    records = sorted(records, key=lambda r: r["t"])
    names = list(targets or []) + sorted({r["target"] for r in records} - set(targets or []))
    if not records:
        return {"requests": 0, "failures": 0, "seconds": 0.0, "longest_gap": 0.0, "failed_requests": [],
                "targets": {name: {"requests": 0, "failures": 0, "longest_gap": 0.0} for name in names}}
    start, end = records[0]["t"], records[-1]["t"]
    per_target = {}
    for name in names:
        mine = [r for r in records if r["target"] == name]
        per_target[name] = {"requests": len(mine), "failures": sum(1 for r in mine if not r["ok"]),
                            "longest_gap": _longest_gap(mine, start, end) if mine else round(end - start, 3)}
    failed = [{"t": r["t"], "target": r["target"], "status": r.get("status"), "error": r.get("error", "")}
              for r in records if not r["ok"]]
    return {"requests": len(records), "failures": len(failed), "seconds": round(end - start, 3),
            "longest_gap": max(t["longest_gap"] for t in per_target.values()), "failed_requests": failed,
            "targets": per_target}

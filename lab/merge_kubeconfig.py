"""Merge the lab's admin kubeconfig into ~/.kube/config as the context "kubelab", or take it out.

    python lab/merge_kubeconfig.py add LAB_KUBECONFIG [TARGET]
    python lab/merge_kubeconfig.py remove [TARGET]

Only the cluster, user and context named "kubelab" are written; every other
entry of the target stays as it was. The target is backed up first
(TARGET.kubelab-backup). Prints "unchanged" or "changed".
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import yaml

NAME = "kubelab"


def load(path: Path) -> dict:
    if path.exists():
        data = yaml.safe_load(path.read_text()) or {}
    else:
        data = {}
    data.setdefault("apiVersion", "v1")
    data.setdefault("kind", "Config")
    for key in ("clusters", "users", "contexts"):
        data[key] = data.get(key) or []
    return data


def replace(entries: list, entry: dict | None) -> list:
    kept = [e for e in entries if e.get("name") != NAME]
    return kept + ([entry] if entry else [])


def merged(target: dict, lab: dict | None) -> dict:
    out = dict(target)
    if lab is None:
        for key in ("clusters", "users", "contexts"):
            out[key] = replace(out[key], None)
        if out.get("current-context") == NAME:
            out.pop("current-context")
        return out
    cluster = dict(lab["clusters"][0], name=NAME)
    user = dict(lab["users"][0], name=NAME)
    context = {"name": NAME, "context": {"cluster": NAME, "user": NAME}}
    out["clusters"] = replace(out["clusters"], cluster)
    out["users"] = replace(out["users"], user)
    out["contexts"] = replace(out["contexts"], context)
    out.setdefault("current-context", NAME)
    return out


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("add", "remove") or (argv[0] == "add" and len(argv) < 2):
        print(__doc__, file=sys.stderr)
        return 2
    adding = argv[0] == "add"
    rest = argv[2:] if adding else argv[1:]
    target_path = Path(rest[0] if rest else os.path.expanduser("~/.kube/config"))
    target = load(target_path)
    lab = load(Path(argv[1])) if adding else None
    if adding and not (lab and lab["clusters"] and lab["users"]):
        print("%s has no cluster or user to merge" % argv[1], file=sys.stderr)
        return 1
    new = merged(target, lab)
    if new == target and target_path.exists():
        print("unchanged")
        return 0
    target_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if target_path.exists():
        shutil.copy2(target_path, str(target_path) + ".kubelab-backup")
    tmp = target_path.with_name(target_path.name + ".kubelab-new")
    tmp.write_text(yaml.safe_dump(new, default_flow_style=False))
    tmp.chmod(0o600)
    tmp.replace(target_path)
    print("changed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

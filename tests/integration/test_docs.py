"""Every module and role of the collection renders in ansible-doc."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, ansible_env

MODULES = sorted(p.stem for p in (REPO / "plugins/modules").glob("*.py") if p.stem != "__init__")
ROLES = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "meta/argument_specs.yml").exists())
ANSIBLE_DOC = str(Path(sys.executable).parent / "ansible-doc")


def doc(*args: str) -> subprocess.CompletedProcess:
    out = subprocess.run([ANSIBLE_DOC, *args], capture_output=True, text=True, env=ansible_env(), cwd=REPO,
                         timeout=120, check=False)
    out.stdout = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout)
    return out


@pytest.mark.parametrize("module", MODULES)
def test_module_renders(module):
    out = doc("kubelab.cluster." + module)
    assert out.returncode == 0, out.stderr
    assert "kubelab.cluster.%s" % module in out.stdout
    for section in ("OPTIONS", "EXAMPLES", "RETURN VALUES"):
        assert section in out.stdout, section
    assert "WARNING" not in out.stderr, out.stderr


@pytest.mark.parametrize("role", ROLES)
def test_role_renders(role):
    out = doc("-t", "role", "kubelab.cluster." + role)
    assert out.returncode == 0, out.stderr
    assert re.search(r"ENTRY POINT: \W*main\W", out.stdout), out.stdout[:300]
    assert "WARNING" not in out.stderr, out.stderr


def test_network_check_says_what_it_creates_in_check_mode():
    """It deploys probes in check mode too: declared partial, naming what it creates."""
    out = subprocess.run([ANSIBLE_DOC, "--json", "kubelab.cluster.network_check"], capture_output=True, text=True,
                         env=ansible_env(), cwd=REPO, timeout=120, check=True)
    check_mode = json.loads(out.stdout)["kubelab.cluster.network_check"]["doc"]["attributes"]["check_mode"]
    assert check_mode["support"] == "partial"
    details = " ".join(check_mode["details"])
    for created in ("namespace", "DaemonSet", "exec"):
        assert created in details

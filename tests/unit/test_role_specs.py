"""Every role's argument spec and defaults/main.yml agree, variable by variable."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROLES = Path(__file__).resolve().parents[2] / "roles"
ROLE_NAMES = sorted(p.name for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").exists())


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


def test_every_role_has_a_spec():
    assert sorted(p.name for p in ROLES.iterdir() if p.is_dir()) == ROLE_NAMES


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_spec_defaults_equal_role_defaults(role):
    # Every entry point's options together; one variable, one spec.
    options: dict = {}
    for entry in load(ROLES / role / "meta/argument_specs.yml")["argument_specs"].values():
        for name, spec in (entry.get("options") or {}).items():
            if name in options:
                for key in ("type", "default"):
                    assert spec.get(key) == options[name].get(key), "%s has two %ss in two entry points" % (name, key)
            options.setdefault(name, spec)
    defaults = load(ROLES / role / "defaults/main.yml")
    optional = {name: spec for name, spec in options.items() if not spec.get("required")}
    assert sorted(optional) == sorted(defaults), "spec and defaults name different variables"
    for name, spec in optional.items():
        assert spec.get("default") == defaults[name], name
        assert spec.get("description"), "%s has no description" % name
        assert name.startswith(role + "_"), "%s is not prefixed with the role name" % name


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_vars_never_shadow_defaults(role):
    vars_file = ROLES / role / "vars/main.yml"
    if vars_file.exists():
        assert not set(load(vars_file)) & set(load(ROLES / role / "defaults/main.yml"))

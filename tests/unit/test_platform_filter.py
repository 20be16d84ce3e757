"""release_map: the one map from Ansible's facts to release download names."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kubelab.cluster.plugins.filter.platform import FilterModule, release_map


def test_architectures_and_systems():
    assert release_map("architecture") == {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
    assert release_map("system") == {"Linux": "linux", "Darwin": "darwin"}


def test_the_map_is_a_copy():
    release_map("system")["FreeBSD"] = "freebsd"
    assert "FreeBSD" not in release_map("system")


def test_an_unknown_kind_is_named():
    with pytest.raises(AnsibleFilterError, match="'architecture' or 'system', not 'arch'"):
        release_map("arch")


def test_registered():
    assert FilterModule().filters()["release_map"] is release_map

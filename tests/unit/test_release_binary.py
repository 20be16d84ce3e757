from __future__ import annotations

import pytest

from ansible_collections.kubelab.cluster.plugins.modules.release_binary import first_version, names_version

KUBECTL_JSON = '{"clientVersion": {"major": "1", "minor": "36", "gitVersion": "v1.36.4"}}'


@pytest.mark.parametrize(
    "output, version, expected",
    [
        (KUBECTL_JSON, "v1.36.4", True),
        (KUBECTL_JSON, "v1.36.40", False),
        ('"gitVersion": "v1.36.40"', "v1.36.4", False),
        ("v1.38.1\n", "v1.38.1", True),
        ("minikube version: v1.38.1-beta.0", "v1.38.1", False),
        ("", "v1.38.1", False),
    ],
)
def test_names_version_matches_whole_words_only(output, version, expected):
    assert names_version(output, version) is expected


def test_first_version_reads_the_reported_version():
    assert first_version(KUBECTL_JSON) == "v1.36.4"
    assert first_version("Client Version: v1.37.1\nKustomize Version: v5.8.1") == "v1.37.1"
    assert first_version("no version here") == ""

from __future__ import annotations

import hashlib

import pytest

from ansible_collections.kubelab.cluster.plugins.module_utils.checksum import is_sha256, parse_checksum, sha256_file

DIGEST = "a" * 64


@pytest.mark.parametrize("text", [DIGEST, DIGEST + "\n", DIGEST.upper(), DIGEST + "  kubectl\n"])
def test_checksum_forms_are_read(text):
    assert parse_checksum(text) == DIGEST


@pytest.mark.parametrize("text", ["", "a" * 63, "g" * 64, "<html>404</html>"])
def test_non_digests_are_rejected(text):
    assert parse_checksum(text) == ""


def test_sha256_file_matches_hashlib(tmp_path):
    data = b"x" * (3 << 20) + b"tail"
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_file(str(path)) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("value, expected", [
    (DIGEST, True), (DIGEST.upper(), True), ("0123456789abcdef" * 4, True),
    ("", False), ("a" * 63, False), ("a" * 65, False), ("g" * 64, False), (DIGEST + "\n", False),
    (DIGEST + "  kubectl", False), ("sha256:" + DIGEST, False),
])
def test_is_sha256_takes_exactly_64_hex_characters(value, expected):
    assert is_sha256(value) is expected

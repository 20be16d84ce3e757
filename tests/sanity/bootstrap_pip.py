"""Offline stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test creates empty virtualenvs and runs a get-pip script fetched from
its CI file host, which is unreachable from networks that only reach PyPI.
This script does the same job with Python's bundled ensurepip and PyPI:
scripts/test copies it to ~/.ansible/test/cache/get_pip_<version>.py.
"""

from __future__ import annotations

import subprocess
import sys

# Options only the get-pip script understands; pip itself would reject them.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main() -> None:
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"] + args)


if __name__ == "__main__":
    main()

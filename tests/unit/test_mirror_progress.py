"""lab/mirror-progress.awk: what scripts/lab shows of a mirror build."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from helpers import REPO

# As ansible-playbook prints them with callback_result_format=json.
OUTPUT = """\
TASK [kubelab.cluster.mirror : Build the Go binaries] **************************
included: /x/roles/mirror/tasks/build_one.yml for localhost => (item=kubernetes v1.35.4)
TASK [kubelab.cluster.mirror : Build 1 of 14: kubernetes v1.35.4 (its last build took 14 min)] ***
changed: [localhost]
TASK [kubelab.cluster.mirror : Report the build of kubernetes v1.35.4] *********
ok: [localhost] => {
    "msg": "kubernetes v1.35.4 built in 812 s; 1 of 14 done, 13.5 min since the first"
}
TASK [kubelab.cluster.mirror : Build 2 of 14: etcd v3.6.6] *********************
ok: [localhost]
TASK [kubelab.cluster.mirror : Make the Debian root filesystem nginx-bookworm] ***
changed: [localhost]
TASK [kubelab.cluster.mirror : Package the component images] *******************
changed: [localhost] => (item=4/15 flannel:v0.27.4)
ok: [localhost] => (item=5/15 busybox:1.36)
TASK [kubelab.cluster.mirror : Push the images] ********************************
changed: [localhost] => (item=1/2 pause:3.10.1)
fatal: [localhost]: FAILED! => {"changed": false, "msg": "no space left"}
"""


@pytest.mark.parametrize("awk", [a for a in ("mawk", "gawk", "original-awk") if shutil.which(a)] or ["awk"])
def test_the_progress_names_each_build_image_and_failure(awk):
    shown = subprocess.run([awk, "-f", str(REPO / "lab/mirror-progress.awk")], input=OUTPUT, capture_output=True,
                           text=True, check=True).stdout.splitlines()
    assert shown == [
        "kubelab: mirror: Build 1 of 14: kubernetes v1.35.4 (its last build took 14 min)",
        "kubelab: mirror:   kubernetes v1.35.4 built in 812 s; 1 of 14 done, 13.5 min since the first",
        "kubelab: mirror: Build 2 of 14: etcd v3.6.6",
        "kubelab: mirror: Make the Debian root filesystem nginx-bookworm",
        "kubelab: mirror: Package the component images: 4/15 flannel:v0.27.4",
        "kubelab: mirror: Push the images: 1/2 pause:3.10.1",
        'kubelab: mirror: fatal: [localhost]: FAILED! => {"changed": false, "msg": "no space left"}',
    ]

"""The lab_summary filter: the lines playbooks/summary.yml shows."""

from __future__ import annotations

from ansible_collections.kubelab.cluster.plugins.filter.summary import FilterModule, lab_summary


def node(name, ip, ready="True"):
    return {"metadata": {"name": name},
            "status": {"addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
                       "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": ready}]}}


NODES = [node("k8s-master", "192.168.56.10"), node("k8s-node01", "192.168.56.11", ready="Unknown")]
PODS = [{"metadata": {"name": "nginx"}, "status": {"phase": "Running", "podIP": "10.244.1.5"}},
        {"metadata": {"name": "nginx-2"}, "status": {"phase": "Pending"}}]
DEPLOYMENT = {"kind": "Deployment", "metadata": {"name": "nginx-deployment"},
              "spec": {"replicas": 3}, "status": {"readyReplicas": 2}}
RC = {"kind": "ReplicationController", "metadata": {"name": "rc-demo"}, "spec": {"replicas": 3}, "status": {}}


def test_every_part_in_order():
    lines = lab_summary(NODES, pods=PODS, workloads=[RC, DEPLOYMENT],
                        checks={"pod_to_pod": {"passed": True}, "no_nat": {"passed": False}},
                        certificates=[{"name": "apiserver", "days": 364}, {"name": "ca", "days": 3649}], node_port=30080,
                        deployments=[DEPLOYMENT])
    assert lines == [
        "node k8s-master 192.168.56.10 Ready",
        "node k8s-node01 192.168.56.11 NotReady (Unknown)",
        "network: pod_to_pod PASS, no_nat FAIL",
        "pod nginx Running 10.244.1.5",
        "pod nginx-2 Pending -",
        "workload rc-demo ready 0/3",
        "workload nginx-deployment ready 2/3",
        "NodePort: http://192.168.56.10:30080/",
        "NodePort: http://192.168.56.11:30080/",
        "certificates: days left apiserver 364, ca 3649",
    ]


def test_no_urls_without_the_deployment_and_no_check_said_so():
    lines = lab_summary(NODES, workloads=[RC])
    assert "network: not checked in this run" in lines
    assert not [line for line in lines if line.startswith("NodePort")]
    assert not [line for line in lines if line.startswith("certificates")]


def test_the_deployment_name_is_a_parameter():
    renamed = dict(DEPLOYMENT, metadata={"name": "web"})
    assert "NodePort: http://192.168.56.10:31000/" in lab_summary(NODES, deployments=[renamed], node_port=31000, service="web")
    assert not [line for line in lab_summary(NODES, deployments=[renamed]) if line.startswith("NodePort")]


def test_only_a_deployment_of_that_name_counts():
    # objects listed by the API may come without kind: a controller of another kind named like the Service
    # is not the Deployment behind it
    namesake = {"metadata": {"name": "nginx-deployment"}, "spec": {"replicas": 1}, "status": {}}
    lines = lab_summary(NODES, workloads=[namesake], deployments=[])
    assert "workload nginx-deployment ready 0/1" in lines
    assert not [line for line in lines if line.startswith("NodePort")]


def test_a_node_without_a_ready_condition_or_address():
    bare = {"metadata": {"name": "new"}, "status": {}}
    assert lab_summary([bare])[0] == "node new  NotReady (no Ready condition)"


def test_registered():
    assert FilterModule().filters()["lab_summary"] is lab_summary

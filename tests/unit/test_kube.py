"""The Kubernetes client layer: one import guard, one set of connection options, documented once."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible_collections.kubelab.cluster.plugins.doc_fragments import kube_connection
from ansible_collections.kubelab.cluster.plugins.module_utils import kube
from ansible_collections.kubelab.cluster.plugins.modules import deployment_rollout, network_check

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
KUBE_MODULES = {"deployment_rollout": deployment_rollout, "network_check": network_check}
FRAGMENT = yaml.safe_load(kube_connection.ModuleDocFragment.DOCUMENTATION)


def test_the_fragment_documents_exactly_the_connection_arguments():
    assert {name: option["type"] for name, option in FRAGMENT["options"].items()} == {
        name: spec["type"] for name, spec in kube.CONNECTION_ARG_SPEC.items()}
    for name, spec in kube.CONNECTION_ARG_SPEC.items():
        assert FRAGMENT["options"][name].get("default") == spec.get("default"), name


@pytest.mark.parametrize("name", sorted(KUBE_MODULES))
def test_a_module_that_talks_to_a_cluster_takes_its_connection_from_the_client_layer(name):
    module = KUBE_MODULES[name]
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert "kubelab.cluster.kube_connection" in doc["extends_documentation_fragment"]
    assert not set(doc["options"]) & set(kube.CONNECTION_ARG_SPEC), "documented again in the module"
    assert {k: module.ARGUMENT_SPEC[k] for k in kube.CONNECTION_ARG_SPEC} == kube.CONNECTION_ARG_SPEC
    assert module.ARGUMENT_SPEC["kubeconfig"] is not kube.CONNECTION_ARG_SPEC["kubeconfig"], "merged without a copy"


def test_only_the_client_layer_imports_the_kubernetes_library():
    importers = sorted(str(path.relative_to(PLUGINS)) for path in PLUGINS.rglob("*.py")
                       if any(line.strip().startswith(("import kubernetes", "from kubernetes"))
                              for line in path.read_text().splitlines()))
    assert importers == ["module_utils/kube.py"]


@pytest.mark.parametrize("name", sorted(KUBE_MODULES))
def test_a_missing_kubernetes_library_fails_naming_it_with_the_import_error(run_module, monkeypatch, name):
    module = KUBE_MODULES[name]

    def no_cluster(*_args):
        raise AssertionError("without the library nothing may reach for the cluster")

    monkeypatch.setattr(kube, "HAS_K8S", False)
    monkeypatch.setattr(kube, "K8S_IMP_ERR", "Traceback: No module named 'kubernetes'")
    monkeypatch.setattr(module, "load_configuration", no_cluster)
    result = run_module(module.main, {"name": "web", "image": "nginx:1.13"} if name == "deployment_rollout" else {})
    assert result["failed"] is True
    assert "Failed to import the required Python library (kubernetes)" in result["msg"]
    assert result["exception"] == "Traceback: No module named 'kubernetes'"

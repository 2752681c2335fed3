"""The policy rejects what must never be created: each rule shown failing, and the dev stack passing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.graph import resource_graph, run_program
from infra.mocks import SECRET
from infra.policy import SA_KEY, WIF_PROVIDER, check
from provisioning.outputs import Outputs
from provisioning.spec import load_spec
from tests.unit.infra_helpers import DEPLOYMENT, DEV_YAML, NOW, REPO, one, spec_with

Graph = list[dict[str, Any]]


@pytest.fixture(scope="module")
def wif_graph() -> Graph:
    caller = {"service_account_id": "llm-caller", "workload_identity": {"github_repository": "acme/app"}}
    return resource_graph(spec_with(caller=caller), now=NOW)


def rules(graph: Graph) -> list[str]:
    return [violation.rule for violation in check(graph)]


def test_dev_stack_and_federated_stack_pass(wif_graph: Graph) -> None:
    assert check(resource_graph(load_spec(DEV_YAML), now=NOW)) == []
    assert check(wif_graph) == []


def test_gpu_endpoint_without_expires_at_is_rejected() -> None:
    graph = resource_graph(spec_with(ttl=None), now=NOW)  # the program itself, with no TTL in the spec
    violations = check(graph)
    assert [v.rule for v in violations] == ["gpu-expires-at"]
    assert violations[0].resource == one(graph, DEPLOYMENT)["id"]


def test_gpu_endpoint_without_max_replicas_is_rejected(wif_graph: Graph) -> None:
    graph = copy.deepcopy(wif_graph)
    del one(graph, DEPLOYMENT)["inputs"]["deployConfig"]["dedicatedResources"]["maxReplicaCount"]
    assert rules(graph) == ["gpu-max-replicas"]


@pytest.mark.parametrize(
    "condition",
    [None, "", 'assertion.repository_owner == "acme"', 'assertion.repository != "acme/app"', "true"],
)
def test_unpinned_workload_identity_provider_is_rejected(wif_graph: Graph, condition: str | None) -> None:
    graph = copy.deepcopy(wif_graph)
    inputs = one(graph, WIF_PROVIDER)["inputs"]
    if condition is None:
        del inputs["attributeCondition"]
    else:
        inputs["attributeCondition"] = condition
    assert rules(graph) == ["wif-open-pool"]


def test_binding_a_whole_pool_is_rejected(wif_graph: Graph) -> None:
    graph = copy.deepcopy(wif_graph)
    binding = one(graph, "gcp:serviceaccount/iAMMember:IAMMember")["inputs"]
    binding["member"] = binding["member"].split("/attribute.repository/")[0] + "/*"
    assert rules(graph) == ["wif-open-pool"]


def test_plain_text_token_is_rejected(wif_graph: Graph) -> None:
    graph = copy.deepcopy(wif_graph)
    model_config = one(graph, DEPLOYMENT)["inputs"]["modelConfig"]
    assert model_config["huggingFaceAccessToken"] == SECRET
    model_config["huggingFaceAccessToken"] = "hf_plain"
    violations = check(graph)
    assert [v.rule for v in violations] == ["plain-token"]
    assert "modelConfig.huggingFaceAccessToken" in violations[0].message


def test_any_service_account_key_is_rejected(wif_graph: Graph) -> None:
    key = {"id": f"{SA_KEY}::k", "type": SA_KEY, "name": "k", "inputs": {"serviceAccountId": "llm-caller"}}
    assert rules([*wif_graph, key]) == ["no-sa-keys"]


@pytest.mark.parametrize(
    "example",
    sorted(str(p.relative_to(REPO)) for p in (REPO / "examples").rglob("*.yaml") if p.name != "bad.yaml"),
)
def test_every_example_builds_passes_policy_and_gives_contract_outputs(example: str) -> None:
    graph, outputs = run_program(load_spec(REPO / example), now=NOW)
    assert check(graph) == []
    assert Outputs.model_validate(outputs).project == load_spec(REPO / example).project.id

"""The policy rejects what must never be created: each rule shown failing, and the dev stack passing."""

from __future__ import annotations

import copy
import os
from typing import Any

import pulumi
import pytest

from infra.graph import fresh_mock_runtime, resource_graph, run_program
from infra.mocks import SECRET, FakeGoogleCloud, RecordingMonitor
from infra.policy import SA_KEY, WIF_PROVIDER, check
from infra.preflight import _child_environment
from infra.program import stack_main
from provisioning.outputs import Outputs
from provisioning.spec import load_spec
from tests.unit.infra_helpers import DEPLOYMENT, DEV_YAML, NOW, REPO, TOKEN, dev_data, one, spec_with

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


class InlineConfig:
    """Stack config holding the spec inline (`vertex-bootstrap:spec`), as `pulumi.Config` would."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def get(self, key: str) -> str | None:
        return None

    def get_object(self, key: str) -> object | None:
        return self.spec if key == "spec" else None


def pulumi_up(spec: dict[str, Any]) -> tuple[list[str], RecordingMonitor]:
    """`stack_main` (what `pulumi up` runs) under Pulumi's mocks: the RunErrors raised, the registrations."""
    mocks = FakeGoogleCloud()
    monitor = RecordingMonitor(mocks)
    fresh_mock_runtime()
    pulumi.runtime.set_mocks(mocks, project="vertex-bootstrap", preview=False, monitor=monitor)
    errors: list[str] = []

    @pulumi.runtime.test
    def up() -> None:
        try:
            stack_main(InlineConfig(spec), REPO, {"HF_TOKEN": TOKEN}, NOW)
        except pulumi.RunError as error:
            errors.append(str(error))

    up()
    return errors, monitor


def test_pulumi_up_registers_a_clean_stack() -> None:
    errors, monitor = pulumi_up(dev_data())
    assert errors == []
    assert one(monitor.nodes, DEPLOYMENT, "llama-8b-vllm")
    assert check(monitor.nodes) == []


def test_pulumi_up_refuses_a_gpu_endpoint_without_ttl_before_any_resource() -> None:
    errors, monitor = pulumi_up(dev_data(ttl=None))
    assert monitor.nodes == []  # not even the project
    assert len(errors) == 1
    assert "breaks the vertex-bootstrap policy (1 violation(s))" in errors[0]
    assert f"{DEPLOYMENT}::llama-8b-vllm: [gpu-expires-at]" in errors[0]
    assert "fix: set ttl: in the spec" in errors[0]
    assert TOKEN not in errors[0]


def test_pulumi_up_lists_every_violation() -> None:
    second = {"name": "qwen-tgi", "model": "qwen2.5-7b-instruct", "framework": "tgi"}
    errors, monitor = pulumi_up(dev_data(ttl=None, endpoints=[*dev_data()["endpoints"], second]))
    assert monitor.nodes == []
    assert "(2 violation(s))" in errors[0]
    for name in ("llama-8b-vllm", "qwen-tgi"):
        assert f"{DEPLOYMENT}::{name}: [gpu-expires-at]" in errors[0]


def test_the_preflight_child_gets_neither_the_token_nor_the_pulumi_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setenv("PULUMI_CONFIG", '{"vertex-bootstrap:hfToken": "x"}')
    env = _child_environment(load_spec(DEV_YAML), REPO)
    assert "HF_TOKEN" not in env and not [k for k in env if k.startswith("PULUMI_")]
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(REPO)

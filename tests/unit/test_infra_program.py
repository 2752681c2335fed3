"""The Pulumi program built from examples/dev.yaml (and variants), under mocks: what `pulumi up` would do."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime import MockResourceArgs

from infra.caller import CALLER_ROLE, WIF_ROLE
from infra.graph import fresh_mock_runtime, run_program
from infra.mocks import PROJECT_NUMBER, SECRET, FakeGoogleCloud, RecordingMonitor, dedicated_host
from infra.program import build, hf_tokens, stack_main
from provisioning.desired import endpoint as desired_endpoint
from provisioning.errors import BadInputError, SpecError
from provisioning.outputs import Outputs, read_outputs
from provisioning.recommend import recommend_shape
from provisioning.spec import load_spec
from tests.unit.infra_helpers import (
    DEPLOYMENT,
    DEV_YAML,
    ENABLE,
    NOW,
    PROJECT,
    REPO,
    SERVICE,
    TOKEN,
    dev_data,
    of_type,
    one,
    spec_with,
)

Graph = list[dict[str, Any]]


@pytest.fixture(scope="module")
def dev() -> tuple[Graph, dict[str, Any]]:
    return run_program(load_spec(DEV_YAML), environ={"HF_TOKEN": TOKEN}, now=NOW)


def test_foundation_creates_the_project_with_billing_labels_and_no_default_network(dev: Any) -> None:
    graph, _ = dev
    project = one(graph, PROJECT)["inputs"]
    assert project["projectId"] == "acme-genai-dev"
    assert project["billingAccount"] == "012345-6789AB-CDEF01"
    assert project["orgId"] == "123456789012"
    assert project["autoCreateNetwork"] is False
    # The same labels `provision apply` puts on the project, so reap and destroy know either engine's work.
    assert project["labels"] == {
        "cost-center": "cc-1234",
        "managed-by": "provision",
        "environment": "dev",
        "owner": "platform-team",
        "expires-at": "20261127t000000z",  # NOW + ttl 72h
    }
    assert one(graph, PROJECT)["ignore_changes"] == ['labels["expires-at"]']
    assert one(graph, PROJECT)["parent"] == "vertexbootstrap:index:Foundation::acme-genai-dev"


def test_every_required_api_is_enabled_after_the_project_and_left_on_at_destroy(dev: Any) -> None:
    graph, _ = dev
    services = of_type(graph, SERVICE)
    assert sorted(s["inputs"]["service"] for s in services) == sorted(load_spec(DEV_YAML).required_apis())
    for service in services:
        assert service["inputs"]["disableOnDestroy"] is False
        assert f"{PROJECT}::acme-genai-dev" in service["depends_on"]


def test_nothing_vertex_starts_before_the_aiplatform_api_is_on(dev: Any) -> None:
    graph, _ = dev
    vertex = [n for n in graph if n["type"].startswith("gcp:vertex/") and "read_id" not in n]
    assert {n["type"] for n in vertex} == {ENABLE, DEPLOYMENT}
    for node in vertex:
        assert f"{SERVICE}::aiplatform" in node["depends_on"], node["id"]


def test_maas_enablement_needs_procurement_api_and_runs_through_a_regional_provider(dev: Any) -> None:
    graph, _ = dev
    enable = one(graph, ENABLE, "enable-gpt-oss-20b-maas")
    assert enable["inputs"]["publisherModelName"] == "publishers/openai/models/gpt-oss-20b-maas"
    assert f"{SERVICE}::cloudcommerceconsumerprocurement" in enable["depends_on"]
    provider = one(graph, "pulumi:providers:gcp", enable["provider"].split("::")[1])
    assert provider["inputs"]["region"] == "us-central1"


def test_deploy_waits_for_the_gated_model_enablement_and_accepts_its_eula(dev: Any) -> None:
    graph, _ = dev
    deploy = one(graph, DEPLOYMENT, "llama-8b-vllm")
    enable = one(graph, ENABLE, "enable-llama3-1@llama-3.1-8b-instruct")
    assert enable["id"] in deploy["depends_on"]
    assert deploy["inputs"]["modelConfig"]["acceptEula"] is True
    assert deploy["inputs"]["publisherModelName"] == "publishers/meta/models/llama3-1@llama-3.1-8b-instruct"


def test_gpu_endpoint_shape_replicas_dedicated_and_labels(dev: Any) -> None:
    graph, _ = dev
    deploy = one(graph, DEPLOYMENT, "llama-8b-vllm")
    inputs = deploy["inputs"]
    resources = inputs["deployConfig"]["dedicatedResources"]
    assert resources["machineSpec"] == {
        "machineType": "g2-standard-12",
        "acceleratorType": "NVIDIA_L4",
        "acceleratorCount": 1,
    }
    assert (resources["minReplicaCount"], resources["maxReplicaCount"]) == (1, 2)
    assert inputs["endpointConfig"]["dedicatedEndpointEnabled"] is True
    assert inputs["location"] == "us-central1"
    assert inputs["deletionPolicy"] == "DELETE"
    labels = inputs["deployConfig"]["systemLabels"]
    assert labels["managed-by"] == "provision"  # what `provision reap` looks for
    assert (labels["environment"], labels["owner"]) == ("dev", "platform-team")
    assert labels["expires-at"] == "20261127t000000z"  # NOW + ttl 72h
    # Re-computing expires-at on the next `pulumi up` must not replace a running GPU endpoint.
    assert deploy["ignore_changes"] == ['deployConfig.systemLabels["expires-at"]']


def test_gpu_deploy_timeout_allows_at_least_two_hours(dev: Any) -> None:
    graph, _ = dev
    create = one(graph, DEPLOYMENT)["custom_timeouts"]["create"]
    number, unit = int(create[:-1]), create[-1]
    assert number * {"h": 60, "m": 1}[unit] >= 120


def test_hf_token_is_only_ever_a_secret(dev: Any) -> None:
    graph, outputs = dev
    deploy = one(graph, DEPLOYMENT)
    assert deploy["inputs"]["modelConfig"]["huggingFaceAccessToken"] == SECRET
    assert deploy["secret_inputs"] == ["modelConfig.huggingFaceAccessToken"]
    assert "modelConfig" in deploy["additional_secret_outputs"]
    assert TOKEN not in json.dumps(graph)
    assert TOKEN not in json.dumps(outputs)


def test_hf_token_output_reports_itself_secret() -> None:
    fresh_mock_runtime()
    pulumi.runtime.set_mocks(FakeGoogleCloud(), preview=False)
    seen: list[bool] = []

    @pulumi.runtime.test
    def check() -> Any:
        token = hf_tokens(load_spec(DEV_YAML), {"HF_TOKEN": TOKEN})["llama-8b-vllm"]
        return pulumi.Output.from_input(token.is_secret()).apply(seen.append)

    check()
    assert seen == [True]


def test_caller_gets_exactly_aiplatform_user_and_no_keys(dev: Any) -> None:
    graph, _ = dev
    account = one(graph, "gcp:serviceaccount/account:Account")
    assert account["inputs"]["accountId"] == "llm-caller"
    assert f"{SERVICE}::iam" in account["depends_on"]
    grants = of_type(graph, "gcp:projects/iAMMember:IAMMember")
    assert [(g["inputs"]["role"], g["inputs"]["member"]) for g in grants] == [
        (CALLER_ROLE, "serviceAccount:llm-caller@acme-genai-dev.iam.gserviceaccount.com")
    ]
    assert not [n for n in graph if n["type"].startswith("gcp:serviceaccount/key")]
    assert not [n for n in graph if n["type"].startswith("gcp:iam/workloadIdentityPool")]


def test_workload_identity_is_pinned_to_one_repository() -> None:
    spec = spec_with(
        caller={
            "service_account_id": "llm-caller",
            "workload_identity": {"github_repository": "acme/inference-app"},
        }
    )
    graph, outputs = run_program(spec, now=NOW)
    provider = one(graph, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")["inputs"]
    assert provider["attributeCondition"] == 'assertion.repository == "acme/inference-app"'
    assert provider["oidc"]["issuerUri"] == "https://token.actions.githubusercontent.com"
    assert provider["attributeMapping"]["attribute.repository"] == "assertion.repository"
    binding = one(graph, "gcp:serviceaccount/iAMMember:IAMMember")["inputs"]
    assert binding["role"] == WIF_ROLE
    assert binding["member"] == (
        f"principalSet://iam.googleapis.com/projects/{PROJECT_NUMBER}/locations/global/"
        "workloadIdentityPools/ci-pool/attribute.repository/acme/inference-app"
    )
    assert binding["serviceAccountId"].endswith("llm-caller@acme-genai-dev.iam.gserviceaccount.com")
    assert outputs["workload_identity_provider"].endswith("/workloadIdentityPools/ci-pool/providers/github")
    assert not [n for n in graph if n["type"].startswith("gcp:serviceaccount/key")]


def test_budget_on_the_billing_account_scoped_to_the_project(dev: Any) -> None:
    graph, _ = dev
    budget = one(graph, "gcp:billing/budget:Budget")
    assert budget["inputs"]["billingAccount"] == "012345-6789AB-CDEF01"
    assert budget["inputs"]["amount"]["specifiedAmount"] == {
        "currencyCode": "USD",
        "units": "2000",
        "nanos": 0,
    }
    assert [r["thresholdPercent"] for r in budget["inputs"]["thresholdRules"]] == [0.5, 0.9, 1]
    assert budget["inputs"]["budgetFilter"]["projects"] == [f"projects/{PROJECT_NUMBER}"]
    assert f"{SERVICE}::billingbudgets" in budget["depends_on"]


def test_no_budget_resource_without_a_budget() -> None:
    graph, _ = run_program(spec_with(budget=None), now=NOW)
    assert not of_type(graph, "gcp:billing/budget:Budget")
    assert "billingbudgets" not in {n["name"] for n in of_type(graph, SERVICE)}


def test_stack_outputs_follow_the_cli_outputs_contract(dev: Any, tmp_path: Path) -> None:
    _, outputs = dev
    contract = Outputs.model_validate(outputs)
    assert (contract.project, contract.region) == ("acme-genai-dev", "us-central1")
    assert contract.caller_service_account == "llm-caller@acme-genai-dev.iam.gserviceaccount.com"
    maas, endpoint = contract.targets
    assert (maas.kind, maas.model) == ("maas", "openai/gpt-oss-20b-maas")
    assert maas.base_url == (
        "https://us-central1-aiplatform.googleapis.com/v1/projects/acme-genai-dev/locations/us-central1/endpoints/openapi"
    )
    assert (endpoint.kind, endpoint.framework) == ("endpoint", "vllm")
    assert (
        endpoint.dedicated_dns
        == f"{endpoint.endpoint_id}.us-central1-{PROJECT_NUMBER}.prediction.vertexai.goog"
    )
    assert endpoint.base_url == (
        f"https://{endpoint.dedicated_dns}/v1/projects/acme-genai-dev/locations/us-central1/endpoints/"
        f"{endpoint.endpoint_id}"
    )
    # What `provision smoke --outputs <(pulumi stack output --json)` reads.
    file = tmp_path / "stack.json"
    file.write_text(json.dumps(outputs))
    assert read_outputs(file) == contract


ENDPOINT_READ = "gcp:vertex/aiEndpoint:AiEndpoint"


class DnsAnsweredAs(FakeGoogleCloud):
    """The endpoint read answers `dedicatedEndpointDns` in `form` ({host}: the bare host)."""

    def __init__(self, form: str) -> None:
        self.form = form

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        resource_id, outputs = super().new_resource(args)
        if "dedicatedEndpointDns" in outputs:
            host = outputs["dedicatedEndpointDns"].removeprefix("https://")
            outputs["dedicatedEndpointDns"] = self.form.format(host=host)
        return resource_id, outputs


@pytest.mark.parametrize(
    "form",
    [
        "https://{host}",  # pulumi-gcp's documented format
        "https://{host}/",
        "{host}",  # what the REST API (and the emulator) answer
    ],
)
def test_dedicated_dns_is_the_bare_host_and_base_url_follows_the_contract(form: str) -> None:
    graph, outputs = run_program(load_spec(DEV_YAML), now=NOW, mocks=DnsAnsweredAs(form))
    endpoint = Outputs.model_validate(outputs).targets[-1]
    host = dedicated_host(endpoint.endpoint_id, "us-central1")
    path = f"/v1/projects/acme-genai-dev/locations/us-central1/endpoints/{endpoint.endpoint_id}"
    # DESIGN.md: "base_url": "https://<dedicated-dns>/v1/projects/<project>/locations/<region>/endpoints/<id>"
    assert endpoint.dedicated_dns == host
    assert endpoint.base_url == f"https://{host}{path}"
    assert one(graph, ENDPOINT_READ)["read_id"] == path.removeprefix("/v1/")


def test_shared_endpoint_is_refused_before_any_resource_not_deployed_dedicated() -> None:
    # Model Garden deploys dedicated unless `endpointConfig.dedicatedEndpointDisabled` is set (what apply
    # sends); pulumi-gcp's deployment has no such argument, and `dedicatedEndpointEnabled: false` does not
    # turn it off. Sending that and writing the shared host into the outputs was the bug.
    shared = {**dev_data()["endpoints"][0], "dedicated_endpoint": False}
    spec = spec_with(endpoints=[shared])
    assert desired_endpoint.deploy_request(spec, spec.endpoints[0], "us-central1", NOW)["endpointConfig"][
        "dedicatedEndpointDisabled"
    ]
    mocks = FakeGoogleCloud()
    monitor = RecordingMonitor(mocks)
    fresh_mock_runtime()
    pulumi.runtime.set_mocks(mocks, preview=False, monitor=monitor)
    with pytest.raises(BadInputError, match=r"dedicated_endpoint: false cannot be deployed with Pulumi"):
        build(spec, {"HF_TOKEN": TOKEN}, NOW)
    assert monitor.nodes == []


def test_a_dedicated_endpoint_is_asked_for_as_the_desired_request_says(dev: Any) -> None:
    graph, _ = dev
    spec = load_spec(DEV_YAML)
    wanted = desired_endpoint.deploy_request(spec, spec.endpoints[0], "us-central1", NOW)["endpointConfig"]
    sent = one(graph, DEPLOYMENT)["inputs"]["endpointConfig"]
    assert sent["dedicatedEndpointEnabled"] is not wanted["dedicatedEndpointDisabled"]
    assert sent["endpointDisplayName"] == wanted["endpointDisplayName"]
    assert one(graph, ENDPOINT_READ)  # the dedicated DNS is read back for the outputs


def test_adopted_project_is_used_not_created() -> None:
    spec = spec_with(project={"id": "acme-existing", "adopt": True}, budget=None)
    graph, outputs = run_program(spec, now=NOW)
    assert not of_type(graph, PROJECT)
    assert {s["inputs"]["project"] for s in of_type(graph, SERVICE)} == {"acme-existing"}
    assert outputs["project"] == "acme-existing"


def test_adopting_with_a_budget_but_no_billing_account_is_refused() -> None:
    spec = spec_with(project={"id": "acme-existing", "adopt": True})
    with pytest.raises(SpecError, match="billing account"):
        run_program(spec, now=NOW)


def test_missing_hf_token_variable_is_refused() -> None:
    with pytest.raises(BadInputError, match="HF_TOKEN is not set"):
        run_program(load_spec(DEV_YAML), environ={}, now=NOW)


def test_gated_model_without_accepted_eula_is_refused() -> None:
    endpoint = {"name": "llama", "model": "llama-3.1-8b-instruct", "hf_token_env": "HF_TOKEN"}
    with pytest.raises(SpecError, match="accept_eula: true"):
        run_program(spec_with(endpoints=[endpoint]), now=NOW)


def test_tgi_endpoint_gets_an_explicit_container_and_the_hugging_face_route() -> None:
    endpoint = {"name": "qwen-tgi", "model": "qwen2.5-7b-instruct", "framework": "tgi", "max_replicas": 1}
    graph, outputs = run_program(spec_with(endpoints=[endpoint]), now=NOW)
    inputs = one(graph, DEPLOYMENT, "qwen-tgi")["inputs"]
    assert inputs["huggingFaceModelId"] == "Qwen/Qwen2.5-7B-Instruct"
    assert "publisherModelName" not in inputs
    container = inputs["modelConfig"]["containerSpec"]
    assert "text-generation-inference" in container["imageUri"]
    assert {"name": "MODEL_ID", "value": "Qwen/Qwen2.5-7B-Instruct"} in container["envs"]
    assert outputs["targets"][-1]["framework"] == "tgi"
    # No EULA, no gated model: nothing to enable for it.
    assert "enable-" + "qwen" not in json.dumps([n["name"] for n in of_type(graph, ENABLE)])


def _deployed_machine(spec_endpoint: dict[str, Any]) -> dict[str, Any]:
    graph, _ = run_program(spec_with(endpoints=[spec_endpoint]), now=NOW)
    inputs = one(graph, DEPLOYMENT, spec_endpoint["name"])["inputs"]
    return dict(inputs["deployConfig"]["dedicatedResources"]["machineSpec"])


def test_shape_is_the_one_plan_recommends() -> None:
    for model in ("llama-3.1-8b-instruct", "gemma-3-27b-it"):
        machine = _deployed_machine({"name": "e", "model": model, "accept_eula": True})
        recommended = recommend_shape(model, "vllm", "us-central1").shape
        assert (machine["machineType"], machine["acceleratorType"]) == (
            recommended.machine_type,
            recommended.accelerator,
        )


def test_spec_machine_type_wins_over_the_recommendation() -> None:
    machine = _deployed_machine(
        {"name": "e", "model": "llama-3.1-8b-instruct", "accept_eula": True, "machine_type": "a2-highgpu-1g"}
    )
    assert machine["acceleratorType"] == "NVIDIA_TESLA_A100"


class FileConfig:
    def __init__(self, spec_file: str) -> None:
        self.spec_file = spec_file

    def get(self, key: str) -> str | None:
        return self.spec_file if key == "specFile" else None

    def get_object(self, key: str) -> object | None:
        return None


def test_bad_spec_stops_pulumi_up_with_the_spec_error_and_registers_nothing() -> None:
    mocks = FakeGoogleCloud()
    monitor = RecordingMonitor(mocks)
    fresh_mock_runtime()
    pulumi.runtime.set_mocks(mocks, preview=False, monitor=monitor)
    errors: list[str] = []

    @pulumi.runtime.test
    def up() -> None:
        try:
            stack_main(FileConfig("examples/bad.yaml"), REPO, {}, NOW)
        except pulumi.RunError as error:
            errors.append(str(error))

    up()
    assert len(errors) == 1
    assert "the spec is not valid" in errors[0] and "project.id" in errors[0] and "fix:" in errors[0]
    assert monitor.nodes == []


def test_pulumi_entry_point_reads_the_spec_file_from_stack_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    mocks = FakeGoogleCloud()
    monitor = RecordingMonitor(mocks)
    fresh_mock_runtime()
    pulumi.runtime.set_mocks(mocks, project="vertex-bootstrap", preview=False, monitor=monitor)
    pulumi.runtime.set_all_config({"vertex-bootstrap:specFile": "examples/dev.yaml"})
    monkeypatch.setattr(
        pulumi.runtime.settings.SETTINGS, "root_directory", str(REPO)
    )  # Pulumi.yaml's directory

    @pulumi.runtime.test
    def up() -> None:
        runpy.run_path(str(REPO / "infra" / "__main__.py"), run_name="__main__")

    try:
        up()
    finally:
        pulumi.runtime.set_all_config({})
    assert one(monitor.nodes, DEPLOYMENT, "llama-8b-vllm")
    assert one(monitor.nodes, PROJECT)["inputs"]["projectId"] == "acme-genai-dev"

"""`provision apply` builds what the Pulumi program builds (issue 5/6): the spec's budget, GitHub Workload
Identity Federation pinned to one repository, and labels on the models Model Garden creates. Each is created
once, found again on a second apply (zero mutating calls), and updated when the spec changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import yaml

from emulator.contract import validate
from emulator.testing import EmulatorProcess
from provisioning.identity import GITHUB_ISSUER, WIF_ROLE
from provisioning.outputs import read_outputs
from tests.conftest import EMULATOR_TOKEN
from tests.e2e.engine_support import EXAMPLES, clear_requests, events, google, mutating, provision

ACCOUNT = "billingAccounts/012345-6789AB-CDEF01"
CI_PROJECT = "acme-genai-ci"


def ci_spec(tmp_path: Path, **changes: Any) -> Path:
    """examples/ci.yaml (it sets workload_identity) plus a budget, with `changes` on top."""
    data = yaml.safe_load((EXAMPLES / "ci.yaml").read_text())
    data["budget"] = {"monthly_amount_usd": 150.5, "thresholds": [1.0, 0.5]}
    data.update(changes)
    path = tmp_path / "ci.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def apply(spec: Path) -> list[dict[str, Any]]:
    result = provision("apply", "--spec", str(spec), "--outputs", "out.json", "--json")
    assert result.exit_code == 0, result.output
    return events(result.output)


def summaries(applied: list[dict[str, Any]]) -> dict[str, str]:
    return {e["step"]: e["summary"] for e in applied if e["event"] == "step_done"}


def project_number(emulator: EmulatorProcess) -> str:
    return str(google(emulator, "GET", f"/v3/projects/{CI_PROJECT}")["name"]).removeprefix("projects/")


def budgets(emulator: EmulatorProcess) -> list[dict[str, Any]]:
    return list(google(emulator, "GET", f"/v1/{ACCOUNT}/budgets").get("budgets", []))


def test_budget_is_scoped_to_the_project_with_the_spec_thresholds(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    apply(ci_spec(tmp_path))

    [budget] = budgets(engine_env)
    assert budget["displayName"] == f"{CI_PROJECT} monthly"
    assert budget["budgetFilter"]["projects"] == [f"projects/{project_number(engine_env)}"]
    assert budget["amount"]["specifiedAmount"] == {
        "currencyCode": "USD",
        "units": "150",
        "nanos": 500_000_000,
    }
    assert [r["thresholdPercent"] for r in budget["thresholdRules"]] == [0.5, 1.0]
    assert validate(budget, "billingbudgets.v1#GoogleCloudBillingBudgetsV1Budget") == []


def test_changed_budget_is_updated_in_place_not_duplicated(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    apply(ci_spec(tmp_path))
    [before] = budgets(engine_env)
    clear_requests(engine_env)

    done = summaries(apply(ci_spec(tmp_path, budget={"monthly_amount_usd": 300, "thresholds": [0.9]})))

    [after] = budgets(engine_env)
    assert after["name"] == before["name"]
    assert after["amount"]["specifiedAmount"]["units"] == "300"
    assert [r["thresholdPercent"] for r in after["thresholdRules"]] == [0.9]
    assert [m for m in mutating(engine_env) if "budgets" in m] == [f"PATCH /v1/{before['name']}"]
    assert done["budget"].startswith("updated amount, thresholdRules")


def test_federation_pins_the_provider_to_the_one_repository(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    apply(ci_spec(tmp_path))

    number = project_number(engine_env)
    pools = f"/v1/projects/{CI_PROJECT}/locations/global/workloadIdentityPools"
    assert google(engine_env, "GET", f"{pools}/ci-pool")["state"] == "ACTIVE"
    provider = google(engine_env, "GET", f"{pools}/ci-pool/providers/github")
    assert provider["attributeCondition"] == 'assertion.repository == "acme/genai-platform"'
    assert provider["attributeMapping"] == {
        "google.subject": "assertion.sub",
        "attribute.repository": "assertion.repository",
    }
    assert provider["oidc"]["issuerUri"] == GITHUB_ISSUER
    assert validate(provider, "iam.v1#WorkloadIdentityPoolProvider") == []
    email = f"ci-llm-caller@{CI_PROJECT}.iam.gserviceaccount.com"
    policy = google(engine_env, "POST", f"/v1/projects/{CI_PROJECT}/serviceAccounts/{email}:getIamPolicy", {})
    assert policy["bindings"] == [
        {
            "role": WIF_ROLE,
            "members": [
                f"principalSet://iam.googleapis.com/projects/{number}/locations/global/workloadIdentityPools/"
                "ci-pool/attribute.repository/acme/genai-platform"
            ],
        }
    ]
    outputs = read_outputs("out.json")
    assert outputs.model_extra == {
        "workload_identity_provider": (
            f"projects/{number}/locations/global/workloadIdentityPools/ci-pool/providers/github"
        )
    }


def test_a_provider_whose_condition_drifted_is_pinned_again(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    apply(ci_spec(tmp_path))
    name = f"/v1/projects/{CI_PROJECT}/locations/global/workloadIdentityPools/ci-pool/providers/github"
    google(engine_env, "PATCH", name, {"attributeCondition": "true"}, updateMask="attributeCondition")

    done = summaries(apply(ci_spec(tmp_path)))

    assert (
        google(engine_env, "GET", name)["attributeCondition"]
        == 'assertion.repository == "acme/genai-platform"'
    )
    assert "provider updated attributeCondition" in done["workload_identity"]


def test_emulator_refuses_a_github_provider_without_a_condition(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    apply(ci_spec(tmp_path))
    reply = httpx.post(
        f"{engine_env.url}/v1/projects/{CI_PROJECT}/locations/global/workloadIdentityPools/ci-pool/providers",
        params={"workloadIdentityPoolProviderId": "open-door"},
        json={"attributeMapping": {"google.subject": "assertion.sub"}, "oidc": {"issuerUri": GITHUB_ISSUER}},
        headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
        timeout=10,
    )
    assert reply.status_code == 400
    assert "attribute condition" in reply.json()["error"]["message"]


def test_model_garden_models_carry_our_labels(engine_env: EmulatorProcess, tmp_path: Path) -> None:
    apply(ci_spec(tmp_path))

    [endpoint] = google(engine_env, "GET", f"/v1/projects/{CI_PROJECT}/locations/us-central1/endpoints")[
        "endpoints"
    ]
    [deployed] = endpoint["deployedModels"]
    labels = google(engine_env, "GET", f"/v1/{deployed['model']}").get("labels", {})
    assert (
        labels["managed-by"] == "provision" and labels["environment"] == "ci" and labels["owner"] == "ci-bot"
    )
    assert labels["expires-at"] == endpoint["labels"]["expires-at"]  # reap sees the same TTL on both


def test_second_apply_with_budget_and_federation_mutates_nothing(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    spec = ci_spec(tmp_path)
    apply(spec)
    first = Path("out.json").read_text()
    clear_requests(engine_env)

    done = summaries(apply(spec))

    assert mutating(engine_env) == []
    assert Path("out.json").read_text() == first
    assert done["budget"].startswith("exists")
    assert done["workload_identity"].startswith("pool exists; provider exists")


def test_destroy_keeps_the_budget_unless_the_project_goes(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    spec = ci_spec(tmp_path)
    apply(spec)

    kept = provision("destroy", "--spec", str(spec), "--json", "--yes")
    assert kept.exit_code == 0, kept.output
    assert "deleted only with --delete-project" in summaries(events(kept.output))["budget"]
    assert len(budgets(engine_env)) == 1

    gone = provision("destroy", "--spec", str(spec), "--delete-project", "--json", "--yes")
    assert gone.exit_code == 0, gone.output
    assert budgets(engine_env) == []


def test_budget_on_an_adopted_project_without_account_is_bad_input_before_any_call(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    project = {"id": CI_PROJECT, "adopt": True}
    clear_requests(engine_env)
    result = provision("apply", "--spec", str(ci_spec(tmp_path, project=project)), "--json")
    assert result.exit_code == 2
    assert "billing account" in result.output
    assert engine_env.requests() == []


def test_plan_lists_the_budget_and_federation_steps(engine_env: EmulatorProcess, tmp_path: Path) -> None:
    result = provision("plan", "--spec", str(ci_spec(tmp_path)), "--json")
    steps = {s["id"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["budget"]["action"] == steps["workload_identity"]["action"] == "ensure"
    assert 'assertion.repository == "acme/genai-platform"' in steps["workload_identity"]["detail"]

"""`provision doctor` against the emulator: each finding kind fires on a state seeded for it, and doctor never
sends a mutating call (the emulator's request log is the witness)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from emulator.testing import EmulatorProcess
from provisioning.cli import app
from provisioning.doctor import Report, run_doctor
from provisioning.doctor.findings import Status
from provisioning.gcp.connection import Connection
from provisioning.spec import parse_spec

REPO = Path(__file__).resolve().parents[2]
REFERENCE = yaml.safe_load((REPO / "examples" / "dev.yaml").read_text())
PROJECT = "acme-genai-dev"
OPEN_ACCOUNT = "billingAccounts/012345-6789AB-CDEF01"
CLOSED_ACCOUNT = "01DEAD-BEEF00-C105ED"
L4_QUOTA = "CustomModelServingL4GPUsPerProjectPerRegion"
L4_METRIC = "aiplatform.googleapis.com/custom_model_serving_nvidia_l4_gpus"
REQUIRED_APIS = [
    "aiplatform.googleapis.com",
    "iam.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudcommerceconsumerprocurement.googleapis.com",
    "billingbudgets.googleapis.com",
    "cloudquotas.googleapis.com",
]


def spec_with(**changes: Any) -> Any:
    data = copy.deepcopy(REFERENCE)
    data.update(changes)
    return parse_spec(data, "test")


def endpoint(**changes: Any) -> dict[str, Any]:
    base = copy.deepcopy(REFERENCE["endpoints"][0])
    base.update(changes)
    return base


def seed_project(emulator: EmulatorProcess, services: list[str] = REQUIRED_APIS) -> None:
    """The project as a previous apply left it: ours, billed to the open account, APIs on."""
    emulator.seed(
        {
            "projects": [
                {
                    "projectId": PROJECT,
                    "parent": "organizations/123456789012",
                    "labels": {"managed-by": "provision", "environment": "dev"},
                    "billingAccountName": OPEN_ACCOUNT,
                    "enabledServices": services,
                }
            ]
        }
    )


def seed_l4_usage(emulator: EmulatorProcess, usage: int) -> None:
    project = httpx.get(
        f"{emulator.url}/v3/projects/{PROJECT}", headers={"Authorization": "Bearer t"}, timeout=10
    ).json()
    number = project["name"].split("/")[1]
    emulator.seed(
        {
            "quota_usage": [
                {
                    "name": f"{number}/us-central1/{L4_METRIC}",
                    "usage": usage,
                    "region": "us-central1",
                    "metric": L4_METRIC,
                }
            ]
        }
    )


def doctor(emulator: EmulatorProcess, spec: Any, *, retried: bool = False, **options: Any) -> Report:
    """Run doctor: no mutating call, and (unless calls were retried) exactly the reads it counts."""
    before = len(emulator.requests())
    report, _ = run_doctor(spec, Connection.from_settings(), **options)
    assert emulator.requests(mutating_only=True) == [], "doctor must not change anything"
    if not retried:
        assert len(emulator.requests()) - before == report.read_calls
    return report


def finding(report: Report, id_: str) -> Any:
    matches = [f for f in report.findings if f.id == id_]
    assert matches, f"no finding {id_}: {[f.id for f in report.findings]}"
    return matches[0]


def test_reference_spec_on_a_fresh_emulator(emulator_env: EmulatorProcess) -> None:
    report = doctor(emulator_env, spec_with())
    assert report.exit_code == 0
    assert finding(report, "project").status is Status.OK
    assert finding(report, "billing-account").status is Status.OK
    assert finding(report, "quota:us-central1:NVIDIA_L4").status is Status.UNKNOWN  # no project yet
    assert finding(report, "maas:gpt-oss-20b").status is Status.UNKNOWN
    assert "apply will enable it" in finding(report, "maas:gpt-oss-20b").evidence
    assert report.read_calls <= 15
    assert report.cost.min_per_hour == pytest.approx(1.15) and report.cost.max_per_hour == pytest.approx(2.30)


def test_existing_healthy_project_reads_quota_limit_minus_usage(emulator_env: EmulatorProcess) -> None:
    seed_project(emulator_env)
    seed_l4_usage(emulator_env, 3)
    report = doctor(emulator_env, spec_with())
    assert report.exit_code == 0
    quota = finding(report, "quota:us-central1:NVIDIA_L4")
    # default seed: L4 limit 16 in us-central1; 16 − 3 = 13 free ≥ 2 needed at max replicas
    assert quota.status is Status.OK
    assert "limit 16 − usage 3 = 13 free" in quota.evidence
    assert finding(report, "billing-enabled").status is Status.OK
    assert finding(report, "api:aiplatform.googleapis.com").status is Status.OK
    assert report.read_calls <= 15


def seed_l4_limits(emulator: EmulatorProcess, limits: dict[str, int]) -> None:
    emulator.seed(
        {
            "quotas": [
                {
                    "name": L4_QUOTA,
                    "service": "aiplatform.googleapis.com",
                    "metric": L4_METRIC,
                    "limits": limits,
                    "default": 0,
                }
            ]
        }
    )


def test_quota_zero_fails_and_ranks_fallbacks(emulator_env: EmulatorProcess) -> None:
    seed_project(emulator_env)
    seed_l4_limits(emulator_env, {"us-central1": 0, "us-west1": 4})  # us-west1 is not a spec fallback
    report = doctor(emulator_env, spec_with())
    quota = finding(report, "quota:us-central1:NVIDIA_L4")
    assert quota.status is Status.FAIL
    assert report.exit_code == 1
    # us-west1 (4 free) ranks ahead of us-east4 (a spec fallback, but 0 free)
    assert quota.evidence.index("us-west1 (4 free of 4)") < quota.evidence.index("us-east4 (0 free of 0)")
    assert f"--quota-id={L4_QUOTA}" in quota.fix


def test_quota_zero_with_a_fallback_that_has_quota_warns_of_the_failover(
    emulator_env: EmulatorProcess,
) -> None:
    seed_project(emulator_env)
    seed_l4_limits(emulator_env, {"us-central1": 0, "europe-west4": 4})
    report = doctor(emulator_env, spec_with())
    quota = finding(report, "quota:us-central1:NVIDIA_L4")
    assert quota.status is Status.WARN
    assert "apply will fail over to europe-west4 (4 free of 4" in quota.evidence
    assert report.exit_code == 0

    plan = CliRunner().invoke(app, ["plan", "--spec", str(REPO / "examples" / "dev.yaml"), "--json"])
    assert plan.exit_code == 0, plan.output
    steps = {s["id"]: s for s in json.loads(plan.output)["steps"]}
    predicted = steps["endpoint:llama-8b-vllm"]["predicted"]
    assert any("apply will fail over to europe-west4" in f["evidence"] for f in predicted)


def test_gpu_absent_in_region_with_a_fallback_that_has_it_warns_of_the_failover(
    emulator_env: EmulatorProcess,
) -> None:
    seed_project(emulator_env)
    emulator_env.seed(
        {
            "quotas": [
                {
                    "name": "CustomModelServingH100GPUsPerProjectPerRegion",
                    "service": "aiplatform.googleapis.com",
                    "metric": "aiplatform.googleapis.com/custom_model_serving_nvidia_h100_gpus",
                    "limits": {"us-east4": 2},
                    "default": 0,
                }
            ]
        }
    )
    # europe-west1 offers no H100 (catalog); the spec's first fallback us-east4 has it, with quota
    spec = spec_with(region="europe-west1", endpoints=[endpoint(machine_type="a3-highgpu-1g")])
    report = doctor(emulator_env, spec)
    gpu = finding(report, "gpu-region:llama-8b-vllm")
    assert gpu.status is Status.WARN
    assert "apply will fail over to us-east4 (2 free of 2" in gpu.evidence


def test_usage_at_limit_fails(emulator_env: EmulatorProcess) -> None:
    seed_project(emulator_env)
    seed_l4_usage(emulator_env, 16)
    quota = finding(doctor(emulator_env, spec_with()), "quota:us-central1:NVIDIA_L4")
    assert quota.status is Status.FAIL
    assert "limit 16 − usage 16 = 0 free" in quota.evidence


def test_usage_leaving_room_for_min_but_not_max_warns(emulator_env: EmulatorProcess) -> None:
    seed_project(emulator_env)
    seed_l4_usage(emulator_env, 15)
    quota = finding(doctor(emulator_env, spec_with()), "quota:us-central1:NVIDIA_L4")
    assert quota.status is Status.WARN
    assert "cannot scale to max replicas" in quota.evidence


def test_closed_billing_account_fails(emulator_env: EmulatorProcess) -> None:
    project = dict(REFERENCE["project"], billing_account=CLOSED_ACCOUNT)
    report = doctor(emulator_env, spec_with(project=project))
    account = finding(report, "billing-account")
    assert account.status is Status.FAIL
    assert "closed" in account.evidence
    assert report.exit_code == 1


def test_api_off_warns_with_the_enable_command(emulator_env: EmulatorProcess) -> None:
    seed_project(emulator_env, services=[s for s in REQUIRED_APIS if s != "aiplatform.googleapis.com"])
    api = finding(doctor(emulator_env, spec_with()), "api:aiplatform.googleapis.com")
    assert api.status is Status.WARN
    assert api.fix == f"gcloud services enable aiplatform.googleapis.com --project {PROJECT}"


def test_maas_not_enabled_is_found_by_the_probe(emulator_env: EmulatorProcess) -> None:
    seed_project(emulator_env)
    maas = finding(doctor(emulator_env, spec_with(), probe_maas=True), "maas:gpt-oss-20b")
    assert maas.status is Status.WARN
    assert "not allowed to use publishers/openai/models/gpt-oss-20b-maas" in maas.evidence


def test_gpu_absent_in_region_fails_with_ranked_regions(emulator_env: EmulatorProcess) -> None:
    # europe-west1 offers only T4 and L4 (catalog); a2-ultragpu-1g carries an A100 80GB; no fallback region
    spec = spec_with(
        fallback_regions=[], endpoints=[endpoint(region="europe-west1", machine_type="a2-ultragpu-1g")]
    )
    report = doctor(emulator_env, spec)
    gpu = finding(report, "gpu-region:llama-8b-vllm")
    assert gpu.status is Status.FAIL
    assert "NVIDIA_A100_80GB" in gpu.evidence and "europe-west1" in gpu.evidence
    assert "us-central1" in gpu.fix
    assert report.exit_code == 1


def test_gpu_absent_in_region_with_fallbacks_and_no_quota_read_warns_of_the_regions_apply_tries(
    emulator_env: EmulatorProcess,
) -> None:
    # the project does not exist yet, so no quota is read; us-east4 and europe-west4 offer the A100 80GB
    spec = spec_with(endpoints=[endpoint(region="europe-west1", machine_type="a2-ultragpu-1g")])
    gpu = finding(doctor(emulator_env, spec), "gpu-region:llama-8b-vllm")
    assert gpu.status is Status.WARN
    assert (
        "apply will try us-east4, europe-west4 (fallback_regions; their quota was not read)" in gpu.evidence
    )


def test_model_too_big_for_the_chosen_gpu_fails(emulator_env: EmulatorProcess) -> None:
    # gemma-3-27b: 50.29 GiB weights + 3.88 GiB KV + 1 GiB > 21.6 GiB usable on one L4
    spec = spec_with(endpoints=[endpoint(model="gemma-3-27b-it", machine_type="g2-standard-12")])
    fit = finding(doctor(emulator_env, spec), "model-fit:llama-8b-vllm")
    assert fit.status is Status.FAIL
    assert "need 50.29 + 3.88 + 1 × 1 = 55.17 GiB" in fit.evidence
    assert "machine_type: g2-standard-48" in fit.fix


def test_cli_json_exit_codes_and_bad_input(emulator_env: EmulatorProcess, tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(app, ["doctor", "--spec", str(REPO / "examples" / "dev.yaml"), "--json"])
    assert good.exit_code == 0, good.output
    assert '"read_calls"' in good.output
    before = len(emulator_env.requests())
    bad = runner.invoke(app, ["doctor", "--spec", str(REPO / "examples" / "bad.yaml")])
    assert bad.exit_code == 2
    assert len(emulator_env.requests()) == before  # bad input: no API call


def test_rejected_token_fails_credentials(
    emulator_env: EmulatorProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDSDK_AUTH_ACCESS_TOKEN", "expired-token")
    emulator_env.expire_token("expired-token")
    report = doctor(emulator_env, spec_with(), retried=True)  # a 401 is retried once with a fresh token
    assert finding(report, "credentials").status is Status.FAIL
    assert "rejected the token" in finding(report, "credentials").evidence
    assert report.exit_code == 1


def _cli_finding(spec_data: dict[str, Any], tmp_path: Path, id_: str) -> dict[str, Any]:
    """`provision doctor --spec FILE --json` as a user runs it: exit 1 and the printed finding `id_`."""
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(spec_data))
    result = CliRunner().invoke(app, ["doctor", "--spec", str(spec_file), "--json"])
    assert result.exit_code == 1, result.output
    printed = json.loads(result.stdout)
    matches = [f for f in printed["findings"] if f["id"] == id_]
    assert matches, f"no finding {id_}: {[f['id'] for f in printed['findings']]}"
    return dict(matches[0])


def test_eula_not_accepted_fails_with_the_fix(emulator_env: EmulatorProcess, tmp_path: Path) -> None:
    seed_project(emulator_env)
    data = copy.deepcopy(REFERENCE)
    data["endpoints"][0]["accept_eula"] = False  # Llama 3.1 has a licence to accept

    found = _cli_finding(data, tmp_path, "model:llama-8b-vllm")

    assert found["status"] == "fail" and found["step"] == "endpoint:llama-8b-vllm"
    assert "EULA" in found["evidence"] and "does not accept it" in found["evidence"]
    assert found["fix"] == (
        "read the licence of meta-llama/Llama-3.1-8B-Instruct, "
        "then set accept_eula: true on endpoint llama-8b-vllm"
    )
    assert emulator_env.requests(mutating_only=True) == []


def test_billing_disabled_with_no_account_in_the_spec_fails_with_the_fix(
    emulator_env: EmulatorProcess, tmp_path: Path
) -> None:
    emulator_env.seed(
        {
            "projects": [
                {
                    "projectId": PROJECT,
                    "parent": "organizations/123456789012",
                    "enabledServices": REQUIRED_APIS,
                }
            ]
        }
    )
    data = copy.deepcopy(REFERENCE)
    data["project"] = {"id": PROJECT, "adopt": True}  # no billing_account to link
    data.pop("budget")  # a budget needs a billing account: that would be bad input, not this finding

    found = _cli_finding(data, tmp_path, "billing-enabled")

    assert found["status"] == "fail" and found["step"] == "billing"
    assert (
        found["evidence"]
        == f"billing is not enabled on {PROJECT} and the spec names no billing_account to link"
    )
    assert found["fix"] == (
        f"gcloud billing projects link {PROJECT} --billing-account ACCOUNT, or set project.billing_account"
    )
    assert emulator_env.requests(mutating_only=True) == []

"""`provision apply` of every example spec against the emulator: a valid outputs file pointing at what exists,
then `provision smoke` on it; a second apply changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from emulator.testing import EmulatorProcess
from provisioning.catalog import load_catalog
from provisioning.outputs import maas_base_url, read_outputs
from provisioning.spec import load_spec
from tests.e2e.engine_support import (
    EXAMPLES,
    clear_requests,
    endpoints,
    events,
    google,
    mutating,
    provision,
)

SINGLE_SPECS = ["dev.yaml", "laptop.yaml", "team.yaml", "ci.yaml"]


@pytest.mark.parametrize("name", SINGLE_SPECS)
def test_example_applies_and_outputs_name_what_exists(
    engine_env: EmulatorProcess, tmp_path: Path, name: str
) -> None:
    spec = load_spec(EXAMPLES / name)
    result = provision("apply", "--spec", str(EXAMPLES / name), "--outputs", "out.json", "--json")
    assert result.exit_code == 0, result.output

    outputs = read_outputs(tmp_path / "out.json")  # validates the contract
    project = spec.project.id
    assert (outputs.project, outputs.region) == (project, spec.region)
    accounts = google(engine_env, "GET", f"/v1/projects/{project}/serviceAccounts").get("accounts", [])
    assert outputs.caller_service_account in [a["email"] for a in accounts]

    maas = [t for t in outputs.targets if t.kind == "maas"]
    catalog = load_catalog()
    assert [(t.name, t.model) for t in maas] == [
        (m.name, catalog.models[m.name].maas.model)  # type: ignore[union-attr]
        for m in spec.maas_models
    ]
    for target, model in zip(maas, spec.maas_models, strict=True):
        assert target.base_url == maas_base_url(project, spec.maas_location(model), engine_env.url)

    served = {e["name"].rsplit("/", 1)[-1]: e for e in endpoints(engine_env, project)}
    dedicated = [t for t in outputs.targets if t.kind == "endpoint"]
    assert [t.name for t in dedicated] == [e.name for e in spec.endpoints]
    for target in dedicated:
        assert target.endpoint_id in served
        live = served[target.endpoint_id]
        assert target.dedicated_dns == live["dedicatedEndpointDns"]
        assert target.base_url.endswith(f"/locations/us-central1/endpoints/{target.endpoint_id}")
        assert len(live["deployedModels"]) == 1
        labels = live["labels"]
        assert labels["managed-by"] == "provision" and labels["environment"] == spec.environment
        assert ("expires-at" in labels) == (spec.ttl is not None)


def test_dev_outputs_pass_smoke(engine_env: EmulatorProcess) -> None:
    applied = provision("apply", "--spec", str(EXAMPLES / "dev.yaml"), "--outputs", "out.json", "--json")
    assert applied.exit_code == 0, applied.output

    smoked = provision("smoke", "--outputs", "out.json", "--json-file", "smoke.json")

    assert smoked.exit_code == 0, smoked.output
    assert json.loads(Path("smoke.json").read_text())["ok"] is True


def test_deployed_vllm_endpoint_answers_its_own_model_and_refuses_others(engine_env: EmulatorProcess) -> None:
    assert provision("apply", "--spec", str(EXAMPLES / "dev.yaml"), "--outputs", "out.json").exit_code == 0
    target = next(t for t in read_outputs("out.json").targets if t.kind == "endpoint")
    chat = f"{target.base_url.removeprefix(engine_env.url)}/chat/completions"
    hello = [{"role": "user", "content": "hi"}]

    answer = google(engine_env, "POST", chat, {"model": "", "messages": hello, "max_tokens": 2})

    assert answer["choices"][0]["message"]["content"]
    with pytest.raises(httpx.HTTPStatusError) as refused:
        google(engine_env, "POST", chat, {"model": "no-such-model", "messages": hello})
    assert refused.value.response.status_code == 404


def test_second_apply_makes_no_mutating_call(engine_env: EmulatorProcess, tmp_path: Path) -> None:
    spec = str(EXAMPLES / "dev.yaml")
    assert provision("apply", "--spec", spec, "--outputs", "out.json", "--json").exit_code == 0
    first = (tmp_path / "out.json").read_text()
    clear_requests(engine_env)

    again = provision("apply", "--spec", spec, "--outputs", "out.json", "--json")

    assert again.exit_code == 0, again.output
    assert mutating(engine_env) == []
    assert engine_env.requests(), "the second apply read nothing, so it checked nothing"
    assert (tmp_path / "out.json").read_text() == first
    done = {e["step"]: e["summary"] for e in events(again.output) if e["event"] == "step_done"}
    assert done["endpoint:llama-8b-vllm"].startswith("deployed (exists)")


def test_second_apply_without_state_file_still_mutates_nothing(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    """The state file is a resume point, not the source of truth: lose it, and nothing is created again (only
    Model Garden's enablement, which has no read, is asked again; it is idempotent on Google's side)."""
    spec = str(EXAMPLES / "dev.yaml")
    assert provision("apply", "--spec", spec, "--json").exit_code == 0
    (tmp_path / ".provision" / "acme-genai-dev.state.json").unlink()
    clear_requests(engine_env)

    again = provision("apply", "--spec", spec, "--json")

    assert again.exit_code == 0, again.output
    assert [m for m in mutating(engine_env) if "modelGardenEula" not in m and "enableModel" not in m] == []

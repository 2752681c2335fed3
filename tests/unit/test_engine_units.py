"""Engine parts without a server: labels, state file, DAG scheduling, shape choice, CLI bad input."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provisioning.cli import app
from provisioning.engine import serving
from provisioning.engine.dag import Step, run_dag
from provisioning.engine.events import JsonReporter, QuietReporter
from provisioning.engine.labels import format_expiry, is_expired, parse_expiry, resource_labels
from provisioning.engine.state import StateFile
from provisioning.errors import BadInputError, ProvisionError
from provisioning.gcp.operations import OperationRef
from provisioning.recommend import recommend_shape
from provisioning.spec import load_spec

DEV = Path(__file__).resolve().parents[2] / "examples" / "dev.yaml"


def test_expiry_label_round_trips_and_is_label_safe() -> None:
    moment = datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)
    text = format_expiry(moment)
    assert text == "20260301t123005z"
    assert parse_expiry(text) == moment
    assert parse_expiry("next tuesday") is None
    assert is_expired({"expires-at": text}, moment + timedelta(seconds=1))
    assert not is_expired({"expires-at": text}, moment - timedelta(seconds=1))
    assert not is_expired({}, moment)


def test_resource_labels_carry_ownership_and_ttl() -> None:
    spec = load_spec(DEV)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    labels = resource_labels(spec, now)
    assert labels["managed-by"] == "provision"
    assert labels["environment"] == "dev" and labels["owner"] == "platform-team"
    assert labels["cost-center"] == "cc-1234"
    assert parse_expiry(labels["expires-at"]) == now + timedelta(hours=72)


def test_state_file_is_atomic_and_bound_to_its_project(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    state = StateFile(path, "acme-genai-dev")
    state.save_operation("project", OperationRef("cloudresourcemanager", "operations/cp.1"))
    state.put("endpoints", "a", {"name": "x"})
    again = StateFile(path, "acme-genai-dev")
    assert again.operation("project") == OperationRef("cloudresourcemanager", "operations/cp.1")
    assert again.get("endpoints") == {"a": {"name": "x"}}
    assert list(tmp_path.iterdir()) == [path]  # no temp files left behind
    with pytest.raises(BadInputError):
        StateFile(path, "other-project")


def test_dag_runs_independent_steps_concurrently_and_skips_dependents_of_failures() -> None:
    barrier = threading.Barrier(2, timeout=2)

    def meet() -> str:
        barrier.wait()  # deadlocks (and fails) unless both run at the same time
        return "ok"

    def fail() -> str:
        raise ProvisionError("broken")

    steps = [
        Step("root", lambda: "ok"),
        Step("a", meet, ("root",)),
        Step("b", meet, ("root",)),
        Step("bad", fail, ("root",)),
        Step("after-bad", lambda: "never", ("bad",)),
        Step("end", lambda: "ok", ("a", "b")),
    ]
    result = run_dag(steps, QuietReporter())
    assert set(result.summaries) == {"root", "a", "b", "end"}
    assert set(result.errors) == {"bad"}
    assert result.skipped == ["after-bad"]
    assert not result.ok


def test_dag_skips_the_whole_chain_below_a_failure_and_refuses_a_cycle() -> None:
    def fail() -> str:
        raise ProvisionError("broken")

    chain = [Step("bad", fail), Step("mid", lambda: "never", ("bad",)), Step("leaf", lambda: "x", ("mid",))]
    result = run_dag(chain, QuietReporter())
    assert (set(result.errors), result.skipped) == ({"bad"}, ["mid", "leaf"])
    with pytest.raises(ValueError, match="wait on each other"):
        run_dag([Step("a", lambda: "x", ("b",)), Step("b", lambda: "x", ("a",))], QuietReporter())


def test_dag_wall_clock_follows_the_critical_path() -> None:
    def sleeper(seconds: float) -> Step:
        return Step(f"s{seconds}", lambda: time.sleep(seconds) or "ok", ("root",))

    steps = [Step("root", lambda: "ok"), sleeper(0.2), sleeper(0.3), sleeper(0.25)]
    start = time.monotonic()
    run_dag(steps, QuietReporter())
    assert time.monotonic() - start < 0.3 * 1.5


def test_json_events_are_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    run_dag([Step("one", lambda: "done")], JsonReporter(environment="dev"))
    lines = capsys.readouterr().out.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["event"] for e in events] == ["step_started", "step_done"]
    assert events[1]["summary"] == "done" and events[1]["environment"] == "dev"


def test_deploy_request_uses_the_recommended_shape_unless_the_spec_pins_one() -> None:
    spec = load_spec(DEV)
    endpoint = spec.endpoints[0]
    recommended = recommend_shape(endpoint.model, endpoint.framework, "us-central1").shape
    request = serving.deploy_request(spec, "us-central1", endpoint, datetime.now(UTC), None)
    machine = request.deploy_config.dedicated_resources.machine_spec
    assert (machine.machine_type, machine.accelerator_type.name) == (
        recommended.machine_type,
        recommended.accelerator,
    )
    pinned = endpoint.model_copy(update={"machine_type": "a2-highgpu-1g"})
    request = serving.deploy_request(spec, "us-central1", pinned, datetime.now(UTC), None)
    assert request.deploy_config.dedicated_resources.machine_spec.machine_type == "a2-highgpu-1g"


@pytest.mark.parametrize(
    "args",
    [
        ["apply", "--spec", "does-not-exist.yaml"],
        ["apply", "--spec", str(DEV), "--parallel", "0"],
        ["apply", "--spec", str(DEV), "--bogus-flag"],
        ["destroy", "--spec", "does-not-exist.yaml"],
        ["reap"],
        ["reap", "--projects", " , "],
    ],
)
def test_bad_input_exits_2_before_any_call(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 9 (discard) on loopback: any API call would fail with exit 1, not 2.
    monkeypatch.setenv("PROVISION_API_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("CLOUDSDK_AUTH_ACCESS_TOKEN", "test-token")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output


def test_missing_hf_token_variable_is_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVISION_API_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("CLOUDSDK_AUTH_ACCESS_TOKEN", "test-token")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["apply", "--spec", str(DEV), "--json"])
    assert result.exit_code == 2
    assert "HF_TOKEN" in result.output

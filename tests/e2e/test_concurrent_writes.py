"""Another writer at the same time: a service account created between apply's read and its create is read back
and used; an IAM policy changed between apply's read and its write (ABORTED, stale etag) is read again and
written again, keeping the other writer's change, a bounded number of times. The emulator's knobs make the
other writer land first (emulator/services/iam, resourcemanager)."""

from __future__ import annotations

from typing import Any

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import EXAMPLES, events, google, provision

CONCURRENT = {"role": "roles/viewer", "members": ["user:concurrent-writer@example.com"]}


def _step(output: str, step: str) -> dict[str, Any]:
    ends = ("step_done", "step_failed")
    (found,) = [e for e in events(output) if e.get("step") == step and e["event"] in ends]
    return found


def _set_policy_calls(emulator: EmulatorProcess, suffix: str) -> list[int]:
    return [r["status"] for r in emulator.requests() if r["path"].endswith(suffix + ":setIamPolicy")]


def test_a_service_account_created_concurrently_is_read_back(engine_env: EmulatorProcess) -> None:
    engine_env.configure(concurrent_account_creates=1)

    result = provision("apply", "--spec", str(EXAMPLES / "dev.yaml"), "--json")

    assert result.exit_code == 0, result.output
    assert "created concurrently" in _step(result.stdout, "caller")["summary"]
    listed = google(engine_env, "GET", "/v1/projects/acme-genai-dev/serviceAccounts")
    assert [a["email"] for a in listed["accounts"]] == ["llm-caller@acme-genai-dev.iam.gserviceaccount.com"]


def test_a_stale_project_policy_write_is_retried_and_keeps_the_other_writer(
    engine_env: EmulatorProcess,
) -> None:
    engine_env.configure(concurrent_project_policy_writes=2)

    result = provision("apply", "--spec", str(EXAMPLES / "dev.yaml"), "--json")

    assert result.exit_code == 0, result.output
    assert _set_policy_calls(engine_env, "/projects/acme-genai-dev") == [409, 409, 200]
    bindings = google(engine_env, "POST", "/v3/projects/acme-genai-dev:getIamPolicy", {})["bindings"]
    assert CONCURRENT in bindings  # not lost to our write
    assert any(
        "serviceAccount:llm-caller@acme-genai-dev.iam.gserviceaccount.com" in b["members"] for b in bindings
    )


def test_a_stale_service_account_policy_write_is_retried(engine_env: EmulatorProcess) -> None:
    engine_env.configure(concurrent_account_policy_writes=1)

    result = provision("apply", "--spec", str(EXAMPLES / "ci.yaml"), "--json")

    assert result.exit_code == 0, result.output
    assert _set_policy_calls(engine_env, "iam.gserviceaccount.com") == [409, 200]
    email = "ci-llm-caller@acme-genai-ci.iam.gserviceaccount.com"
    path = f"/v1/projects/acme-genai-ci/serviceAccounts/{email}:getIamPolicy"
    policy = google(engine_env, "POST", path, {})
    assert CONCURRENT in policy["bindings"] and len(policy["bindings"]) == 2


def test_policy_write_retries_are_bounded(engine_env: EmulatorProcess) -> None:
    engine_env.configure(concurrent_project_policy_writes=100)

    result = provision("apply", "--spec", str(EXAMPLES / "dev.yaml"), "--json")

    assert result.exit_code == 1
    failed = _step(result.stdout, "caller")
    assert failed["event"] == "step_failed" and "ABORTED" in failed["why"]
    assert len(_set_policy_calls(engine_env, "/projects/acme-genai-dev")) == 5

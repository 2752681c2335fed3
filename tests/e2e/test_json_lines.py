"""`--json` is JSON Lines for the whole run: every stdout line of apply, destroy, reap, smoke and a fleet
apply is one JSON object (CI pipes it into `jq -c` or reads it line by line), the final summary included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import EXAMPLES, provision

DEV = str(EXAMPLES / "dev.yaml")


def _lines(*args: str, exit_code: int = 0) -> list[dict[str, Any]]:
    result = provision(*args, "--json")
    assert result.exit_code == exit_code, result.output
    lines = result.stdout.splitlines()
    assert lines, f"`provision {' '.join(args)} --json` printed nothing"
    parsed = [json.loads(line) for line in lines]  # raises on any line that is not one whole object
    assert all(isinstance(item, dict) and "event" in item for item in parsed), lines
    return parsed


def test_apply_destroy_and_reap_print_one_json_object_per_line(engine_env: EmulatorProcess) -> None:
    applied = _lines("apply", "--spec", DEV)
    assert applied[-1]["event"] == "applied" and applied[-1]["project"] == "acme-genai-dev"
    assert {"step_started", "step_done"} <= {e["event"] for e in applied}
    again = _lines("apply", "--spec", DEV)
    assert again[-1]["event"] == "applied"

    reaped = _lines("reap", "--spec", DEV, "--dry-run")
    assert reaped == [{"event": "reaped", "dry_run": True, "expired": []}]

    destroyed = _lines("destroy", "--spec", DEV, "--yes")
    assert {e["step"] for e in destroyed if e["event"] == "step_done"} >= {
        "endpoint:llama-8b-vllm",
        "project",
    }


def test_a_failing_apply_still_prints_only_json_lines(engine_env: EmulatorProcess, tmp_path: Path) -> None:
    spec = tmp_path / "closed.yaml"
    spec.write_text(Path(DEV).read_text().replace("012345-6789AB-CDEF01", "01DEAD-BEEF00-C105ED"))
    events = _lines("apply", "--spec", str(spec), exit_code=1)
    assert [e["step"] for e in events if e["event"] == "step_failed"] == ["billing"]


def test_fleet_apply_prints_one_json_object_per_line(engine_env: EmulatorProcess) -> None:
    events = _lines("apply", "--spec", str(EXAMPLES / "fleet"), "--parallel", "3", "--outputs", "outs")
    assert events[-1]["event"] == "fleet_summary"
    assert all(row["ok"] for row in events[-1]["environments"])
    assert {e["environment"] for e in events[:-1]} == {row["project"] for row in events[-1]["environments"]}


def test_smoke_json_is_one_line_per_check_then_the_summary(engine_env: EmulatorProcess) -> None:
    _lines("apply", "--spec", str(EXAMPLES / "laptop.yaml"), "--outputs", "out.json")
    smoked = _lines("smoke", "--outputs", "out.json")
    checks = [e for e in smoked[:-1] if e["event"] == "check"]
    assert len(checks) == len(smoked) - 1 and checks[0]["target"] == "gpt-oss-20b"
    assert smoked[-1]["event"] == "smoke" and smoked[-1]["ok"] is True
    assert smoked[-1]["counts"]["pass"] == sum(c["status"] == "pass" for c in checks)

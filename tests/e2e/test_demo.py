"""`make demo` runs the whole flow against the emulator and reports each step's real exit code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from provisioning import demo

ROOT = Path(__file__).resolve().parents[2]


def _row(output: str, step: str) -> list[str]:
    """The cells of the result table's row for `step` (first line of the row)."""
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0] == step:
            return cells
    raise AssertionError(f"no row for {step} in the result table:\n{output}")


def test_demo_runs_every_step_against_the_emulator_and_exits_0() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "provisioning.demo"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    output = done.stdout
    assert "fakes" in output  # it says the tokens are not real
    rows = {step: _row(output, step) for step in ("doctor", "apply", "smoke", "destroy")}
    failed = {step: cells for step, cells in rows.items() if cells[1] != "ok" or cells[2] != "0"}
    assert failed == {}, output[-4000:] + done.stderr[-4000:]
    assert rows["doctor"][4] == "0"  # doctor made no mutating call
    assert re.search(r"checks: \d+ passed, 0 failed", rows["smoke"][5])
    assert "demo ok" in output
    assert done.returncode == 0


def test_a_failing_step_is_reported_as_failed_and_the_demo_exits_1(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(demo, "SPEC", "examples/bad.yaml")
    monkeypatch.setenv("COLUMNS", "200")
    assert demo.main() == 1
    output = capfd.readouterr().out
    assert _row(output, "doctor")[1:3] == ["failed", "2"]  # a bad spec: exit 2, nothing sent
    assert _row(output, "apply")[1:3] == ["failed", "2"]
    assert _row(output, "smoke")[1:3] == ["not run", "-"]
    assert "demo failed" in output

"""What a person sees in a 120-column terminal (tmux, see tests/e2e/terminal.py): live rows whose elapsed
timer keeps moving during a long wait, rows that never exceed the width however long the names, one row per
step (no row keyed by a state-file detail such as `apis:0`), a live waiting line for `--wait-ready` and a
summary that leads with the failure, and one live row per environment in a fleet apply."""

from __future__ import annotations

import time
from pathlib import Path

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import EXAMPLES, events, provision, provision_process
from tests.e2e.terminal import Terminal, elapsed_s, needs_tmux, provision_terminal, row

WIDTH = 120
SLOW_DEPLOY = 0.004  # lro_scale: the 25-minute Model Garden deploy takes 6 s
LONG_NAME = "llama-3-1-8b-instruct-vllm-endpoint-with-a-long-name"  # longer than its column


def _terminal(tmp_path: Path, *args: str) -> Terminal:
    return provision_terminal(tmp_path, *args, width=WIDTH)


def _within_width(screen: list[str]) -> None:
    wide = [line for line in screen if len(line) > WIDTH]
    assert not wide, f"rows wider than {WIDTH} columns:\n" + "\n".join(wide)


def _long_spec(tmp_path: Path) -> Path:
    spec = tmp_path / "long.yaml"
    spec.write_text((EXAMPLES / "dev.yaml").read_text().replace("name: llama-8b-vllm", f"name: {LONG_NAME}"))
    return spec


@needs_tmux
def test_apply_timer_advances_during_a_long_deploy_and_rows_fit_120_columns(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    engine_env.configure(lro_scale=SLOW_DEPLOY)
    terminal = _terminal(tmp_path, "apply", "--spec", str(_long_spec(tmp_path)))
    try:
        waiting = terminal.wait_for(
            lambda s: any(line[2:].startswith("endpoint:") and "waiting on" in line for line in s)
        )
        first = row(waiting, "endpoint:")
        later = terminal.wait_for(lambda s: elapsed_s(row(s, "endpoint:")) >= elapsed_s(first) + 2)
        assert "waiting on" in row(later, "endpoint:")  # still the same wait, and its timer moved
        for screen in (waiting, later):
            _within_width(screen)
        assert LONG_NAME not in first and "endpoint:llama-3-1-8b" in first and "…" in first  # ellipsized
        assert terminal.exit_code() == 0
        final = terminal.capture()
    finally:
        terminal.close()
    _within_width(final)
    labels = [line[2:].split(" ")[0] for line in final if line[:1] in "✓✗-" and len(line) > 2]
    assert labels and not [label for label in labels if label.startswith("apis:")]  # no ghost row
    assert any(line.startswith("applied acme-genai-dev") for line in final)


def test_apply_in_a_pipe_logs_each_step_as_it_starts_not_only_when_it_ends(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    """A CI log (stderr not a terminal): the first line names what is applied, and the endpoint step's start
    line is read while its 6 s deploy is still running, seconds before its outcome."""
    engine_env.configure(lro_scale=SLOW_DEPLOY)
    process = provision_process(tmp_path, "apply", "--spec", str(EXAMPLES / "dev.yaml"))
    assert process.stderr is not None
    read: list[tuple[float, str]] = [(time.monotonic(), line.rstrip("\n")) for line in process.stderr]
    assert process.wait() == 0, read
    assert read[0][1].startswith("applying ") and "acme-genai-dev" in read[0][1]
    started = next(at for at, line in read if line.startswith("▸ endpoint:llama-8b-vllm"))
    finished = next(at for at, line in read if line.startswith("✓ endpoint:llama-8b-vllm"))
    assert finished - started >= 3, read


def test_progress_notes_are_reported_on_the_step_that_waits(engine_env: EmulatorProcess) -> None:
    """Every note names a DAG step, never the state-file key of an operation (`apis:0`, `replicas:NAME`)."""
    result = provision("apply", "--spec", str(EXAMPLES / "dev.yaml"), "--json")
    assert result.exit_code == 0, result.output
    seen = events(result.stdout)
    started = {e["step"] for e in seen if e["event"] == "step_started"}
    notes = [e for e in seen if e["event"] == "note"]
    assert any(n["step"] == "apis" and n["message"].startswith("waiting on") for n in notes)
    assert {n["step"] for n in notes} <= started


@needs_tmux
def test_smoke_wait_ready_shows_a_live_waiting_line_then_leads_with_the_failure(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    assert provision("apply", "--spec", str(EXAMPLES / "laptop.yaml")).exit_code == 0
    absent = f"{engine_env.url}/v1/projects/jdoe-genai-sandbox/locations/us-central1/endpoints/404404"
    terminal = _terminal(
        tmp_path,
        "smoke",
        "--base-url",
        absent,
        "--kind",
        "endpoint",
        "--wait-ready",
        "5",
        "--max-retries",
        "0",
    )
    try:
        first = terminal.wait_for(lambda s: any("waiting for the chat route" in line for line in s))
        line = next(line for line in first if "waiting for the chat route" in line)
        later = terminal.wait_for(
            lambda s: any("waiting for the chat route" in x and elapsed_s(x) > elapsed_s(line) for x in s)
        )
        _within_width(first)
        _within_width(later)
        assert terminal.exit_code() == 1
        final = terminal.capture()
    finally:
        terminal.close()
    table = [line for line in final if "│" in line]
    assert "ready" in table[0] and "fail" in table[0]  # the failure is the first row
    skipped = next(line for line in final if line.startswith("skipped: "))
    assert "(target not ready)" in skipped  # the checks it could not run: one line, not a row each
    assert not [line for line in table if " skip " in line]


@needs_tmux
def test_fleet_apply_shows_one_live_row_per_environment(engine_env: EmulatorProcess, tmp_path: Path) -> None:
    engine_env.configure(lro_scale=SLOW_DEPLOY / 4)
    terminal = _terminal(tmp_path, "apply", "--spec", str(EXAMPLES / "fleet"), "--parallel", "3")
    try:
        live = terminal.wait_for(
            lambda s: sum(line[2:].startswith(("alpha", "beta", "gamma")) for line in s) == 3
        )
        _within_width(live)
        assert terminal.exit_code() == 0
        final = terminal.capture()
    finally:
        terminal.close()
    _within_width(final)
    for project in ("alpha-genai-dev", "beta-genai-dev", "gamma-genai-dev"):
        assert row(final, project).startswith("✓"), final


@needs_tmux
def test_smoke_shows_each_check_live_while_it_runs(engine_env: EmulatorProcess, tmp_path: Path) -> None:
    applied = provision("apply", "--spec", str(EXAMPLES / "laptop.yaml"), "--outputs", "out.json")
    assert applied.exit_code == 0, applied.output
    engine_env.configure(chat_first_token_delay_ms=1500)
    terminal = _terminal(tmp_path, "smoke", "--outputs", str(Path.cwd() / "out.json"))
    try:
        running = terminal.wait_for(lambda s: any("gpt-oss-20b" in x and "running (" in x for x in s))
        done_while_running = [line for line in running if line.startswith("✓ gpt-oss-20b")]
        _within_width(running)
        later = terminal.wait_for(lambda s: len([x for x in s if x.startswith("✓ gpt-oss-20b")]) > 1)
        assert len([x for x in later if x.startswith("✓ gpt-oss-20b")]) > len(done_while_running)
        assert terminal.exit_code() == 0
    finally:
        terminal.close()

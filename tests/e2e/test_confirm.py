"""Destructive commands ask first: on a terminal they wait for a yes (tmux types the answer), where nobody
can answer they refuse with exit 2 and the fix, and `--yes` skips the question. Nothing is deleted unasked."""

from __future__ import annotations

from pathlib import Path

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import EXAMPLES, clear_requests, endpoints, mutating, provision
from tests.e2e.terminal import needs_tmux, provision_terminal

DEV = str(EXAMPLES / "dev.yaml")


def test_destroy_and_reap_refuse_without_yes_where_nobody_can_answer(engine_env: EmulatorProcess) -> None:
    assert provision("apply", "--spec", DEV, "--json").exit_code == 0
    clear_requests(engine_env)

    destroy = provision("destroy", "--spec", DEV, "--delete-project")
    reap = provision("reap", "--spec", DEV)

    assert destroy.exit_code == 2
    assert "not confirmed: delete the endpoints and models of acme-genai-dev (llama-8b-vllm) and delete " in (
        destroy.output
    )
    assert f"`provision destroy --spec {DEV} --delete-project --yes`" in destroy.output
    assert reap.exit_code == 2 and f"`provision reap --spec {DEV} --yes`" in reap.output
    assert mutating(engine_env) == []
    assert provision("reap", "--spec", DEV, "--dry-run").exit_code == 0  # a dry run asks nothing


def _answer(folder: Path, answer: str, *args: str) -> int:
    """Run destroy in a terminal, wait for its question, type `answer`; its exit code."""
    folder.mkdir()
    terminal = provision_terminal(folder, "destroy", *args, height=20)
    try:
        terminal.wait_for(lambda s: any("Continue? [y/N]" in line for line in s))
        terminal.type(answer)
        code = terminal.exit_code()
        if answer == "n":
            assert any("cancelled; nothing was changed" in line for line in terminal.capture())
        return code
    finally:
        terminal.close()


@needs_tmux
def test_destroy_asks_on_a_terminal_and_a_no_changes_nothing(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    assert provision("apply", "--spec", DEV, "--json").exit_code == 0
    state = str(Path.cwd() / ".provision/acme-genai-dev.state.json")

    assert _answer(tmp_path / "no", "n", "--spec", DEV, "--state", state) == 1
    assert len(endpoints(engine_env, "acme-genai-dev")) == 1
    assert _answer(tmp_path / "yes", "y", "--spec", DEV, "--state", state) == 0
    assert endpoints(engine_env, "acme-genai-dev") == []

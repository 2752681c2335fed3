"""`provision --help` reads in workflow order, shows no type placeholder after a flag, offers shell
completion, and every command's help carries an example that parses as a valid command line."""

from __future__ import annotations

import re
import shlex

import pytest
import typer
from typer.testing import CliRunner

from provisioning.cli import app
from provisioning.cli_help import WORKFLOW_ORDER

runner = CliRunner()
COMMANDS = [name for name in WORKFLOW_ORDER if name in typer.main.get_command(app).list_commands(None)]  # type: ignore[attr-defined]


def _help(*args: str) -> str:
    done = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "120"})
    assert done.exit_code == 0, done.output
    return done.output


def test_commands_are_listed_in_workflow_order_with_completion_offered() -> None:
    text = _help()
    listed = [name for name in re.findall(r"^│ (\w+) ", text, re.MULTILINE) if name in COMMANDS]
    assert listed[:7] == ["validate", "doctor", "plan", "apply", "smoke", "destroy", "reap"]
    assert listed == COMMANDS
    assert "--install-completion" in text and "--show-completion" in text


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_no_bool_or_list_placeholders(command: str) -> None:
    text = _help(*([command] if command else []))
    assert "<bool>" not in text and "list[" not in text, text


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_has_an_example_that_parses(command: str) -> None:
    found = re.search(r"Example: (provision .+)", _help(command))
    assert found, f"no example in `provision {command} --help`"
    words = shlex.split(found.group(1).strip(" │"))
    assert words[1] == command
    group = typer.main.get_command(app)
    parent = group.make_context("provision", words[1:], resilient_parsing=True)
    sub = group.get_command(parent, command)  # type: ignore[attr-defined]
    sub.make_context(command, words[2:], parent=parent)  # raises on an unknown option or a missing one

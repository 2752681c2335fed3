"""`provision`: a thin Typer layer over the library. No logic of its own beyond parsing and exit codes.

Here: the app, `--version`, and the registration of every command, in the order `provision --help` had them.
Each command's body lives in provisioning/commands/ (one module per workflow stage) and imports its heavy
modules lazily."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from provisioning import __version__
from provisioning.cli_help import WorkflowGroup
from provisioning.commands import apply, destroy, doctor, emulator, fleet, plan, reap, smoke, unlock, validate
from provisioning.commands.console import out_console
from provisioning.errors import EXIT_BAD_INPUT

app = typer.Typer(
    name="provision",
    help="From nothing to a verified OpenAI-compatible chat-completions endpoint on Vertex AI.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    cls=WorkflowGroup,
)


def _version_callback(value: bool) -> None:
    if value:
        out_console.print(f"provision {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Provision, check and verify Vertex AI OpenAI-compatible endpoints."""


app.command()(validate.validate)
app.command()(smoke.smoke)
app.command("emulator")(emulator.emulator_command)
app.command()(doctor.doctor)
app.command()(plan.plan)
app.command()(apply.apply)
app.command()(destroy.destroy)
app.command()(reap.reap)
# -- team scale: locks and fleets (logic in provisioning/engine/state.py, locking.py, fleet.py) ------
app.command()(unlock.unlock)
app.add_typer(fleet.fleet_app, name="fleet")


def run() -> None:
    """Entry point used by `python -m provisioning`; usage errors from Click exit with 2 as well."""
    try:
        app(standalone_mode=True)
    except SystemExit as exit_:
        sys.exit(exit_.code if exit_.code is not None else 0)


__all__ = ["EXIT_BAD_INPUT", "app", "run"]

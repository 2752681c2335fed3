"""`provision unlock`: clear a lock left by a run that is gone (logic in provisioning/engine/state.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from provisioning.commands.console import err_console, guarded, out_console
from provisioning.commands.options import AccessTokenFileOption, StateOption, YesOption, connection_for
from provisioning.errors import BadInputError


def unlock(
    project: Annotated[
        str | None, typer.Argument(help="The environment's project id (or pass --spec).")
    ] = None,
    spec: Annotated[Path | None, typer.Option("--spec", help="The environment's spec.")] = None,
    state: StateOption = None,
    yes: YesOption = False,
    access_token_file: AccessTokenFileOption = None,
) -> None:
    """Clear an environment's lock left by a run that is gone (asks first; --yes in scripts).

    Example: provision unlock acme-genai-dev --state gs://acme-provision-state/envs"""

    def run() -> None:
        if (project is None) == (spec is None):
            raise BadInputError(
                "give exactly one of PROJECT or --spec FILE", fix="e.g. provision unlock acme-genai-dev"
            )
        from provisioning.confirm import confirm_destructive
        from provisioning.engine.reap import parse_project_ids
        from provisioning.spec import load_spec

        env = load_spec(spec) if spec is not None else None
        from provisioning.engine.state import open_backend, state_location

        project_id = env.project.id if env is not None else parse_project_ids(project or "")[0]
        location = state_location(state, env) if env is not None else state
        command = f"provision unlock {project}" if project else f"provision unlock --spec {spec}"
        if not yes and not sys.stdin.isatty():  # refused before any call, as confirm_destructive would
            confirm_destructive(f"clear the lock of {project_id}", command, yes)
        connection = connection_for(None, access_token_file)
        backend = open_backend(location, project_id, connection)
        backend.check()
        held = backend.read_lock()
        if held is None:
            out_console.print(f"{backend.location}: no lock held")
            return
        err_console.print(f"{backend.location} is locked by {held.describe()}", soft_wrap=True)
        confirm_destructive("clear this lock (only if that run is gone)", command, yes)
        backend.break_lock(held)
        out_console.print(f"[green]unlocked[/] {backend.location}")

    guarded(run)

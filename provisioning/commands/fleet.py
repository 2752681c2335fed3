"""`provision fleet`: folders of specs (logic in provisioning/engine/fleet.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from provisioning.commands.console import guarded, out_console
from provisioning.commands.options import JsonOption
from provisioning.errors import BadInputError

fleet_app = typer.Typer(
    help="Folders of specs: list the environments (for a CI matrix).", no_args_is_help=True
)


@fleet_app.command("list")
def fleet_list_command(
    spec: Annotated[Path, typer.Option("--spec", help="Folder of specs.", show_default=False)],
    json_output: JsonOption = False,
) -> None:
    """The folder's environments, sorted by file name (offline). --json prints a JSON list for a CI matrix."""

    def run() -> None:
        from provisioning.engine.fleet import fleet_list

        if not spec.is_dir():
            raise BadInputError(
                f"{spec}: not a folder", fix="pass the folder of specs, e.g. --spec examples/fleet"
            )
        rows = fleet_list(spec)
        if json_output:
            sys.stdout.write(json.dumps(rows) + "\n")
        else:
            for row in rows:
                out_console.print(f"{row['spec']}  {row['project']}  ({row['environment']}, {row['owner']})")

    guarded(run)

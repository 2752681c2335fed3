"""Where every command writes: the two consoles, our errors as what / why / fix with their exit code, and the
one-JSON-object-per-line output of `--json` runs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

from provisioning.errors import ProvisionError

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)

T = TypeVar("T")


def guarded(action: Callable[[], T]) -> T:
    """Run a command body; turn our errors into a message (what / why / fix) and the right exit code."""
    try:
        return action()
    except ProvisionError as error:
        err_console.print(f"[bold red]error:[/] {error.what}", soft_wrap=True)
        if error.why:
            err_console.print(f"  [bold]why:[/] {error.why}", soft_wrap=True)
        if error.fix:
            err_console.print(f"  [bold]fix:[/] {error.fix}", soft_wrap=True)
        raise typer.Exit(error.exit_code) from None


def print_json_line(data: dict[str, object]) -> None:
    """One JSON object on one line of stdout: the last line of a `--json` run that emitted events before it
    (apply, destroy, reap print nothing else on stdout, so every line parses)."""
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()

"""`provision emulator`: run the local Google Cloud emulator (emulator/cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def emulator_command(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 = a free port).")] = 8790,
    state: Annotated[Path | None, typer.Option(help="SQLite state file (survives restarts).")] = None,
    seed: Annotated[Path | None, typer.Option(help="Seed file (YAML) instead of the default world.")] = None,
    lro_scale: Annotated[float | None, typer.Option(help="Multiply operation latencies by this.")] = None,
) -> None:
    """Run the local Google Cloud emulator (same as `python -m emulator`); docs/emulator.md lists its knobs.

    Example: provision emulator --port 8790"""
    from emulator.cli import main as emulator_main

    argv = ["--host", host, "--port", str(port)]
    argv += ["--state", str(state)] if state else []
    argv += ["--seed", str(seed)] if seed else []
    argv += ["--lro-scale", str(lro_scale)] if lro_scale is not None else []
    raise typer.Exit(emulator_main(argv))

"""How `provision --help` reads: commands in the order people use them, and no type placeholder after a flag
(`--json`, not `--json <bool>`). The CLI's group class; cli.py registers the commands."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from typer.core import TyperGroup

# typer (0.29) vendors its own click: its contexts and commands are not the `click` package's types.
Context = Any

WORKFLOW_ORDER = ("validate", "doctor", "plan", "apply", "smoke", "destroy", "reap", "unlock", "emulator")


def _bare_flags(params: Iterable[Any]) -> None:
    for param in params:
        if getattr(param, "is_flag", False):
            param.metavar = ""  # typer shows the metavar, when set, instead of `<bool>`


class WorkflowGroup(TyperGroup):
    def list_commands(self, ctx: Context) -> list[str]:
        names = super().list_commands(ctx)
        ordered = [name for name in WORKFLOW_ORDER if name in names]
        return ordered + [name for name in names if name not in ordered]

    def get_params(self, ctx: Context) -> list[Any]:
        params = super().get_params(ctx)
        _bare_flags(params)
        return params

    def get_command(self, ctx: Context, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _bare_flags(command.get_params(ctx))
        return command

"""Confirmation before a destructive command (destroy, reap, unlock): asked on a terminal unless `--yes`;
refused, with the fix, in a shell that cannot answer (CI, a pipe), so nothing is deleted by accident."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from provisioning.errors import BadInputError, ProvisionError


def confirm_destructive(
    action: str,
    command: str,
    assume_yes: bool,
    *,
    interactive: Callable[[], bool] = lambda: sys.stdin.isatty(),
) -> None:
    """Return when the user agreed to `action` (or passed --yes); raise otherwise, before any call.
    `command` is the command line to repeat with --yes, shown in the fix."""
    if assume_yes:
        return
    if not interactive():
        raise BadInputError(
            f"not confirmed: {action}",
            "this command deletes things and asks first, but this shell is not interactive",
            f"pass --yes to confirm: `{command} --yes`",
        )
    if not click.confirm(f"{action}. Continue?", default=False, err=True):
        raise ProvisionError("cancelled; nothing was changed", fix=f"`{command} --yes` skips this question")

"""Running apply or destroy for one environment: the reporter its output mode needs (JSON Lines or the
progress board), the lock settings, and exit 1 with the failed steps listed when the run did not converge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from provisioning.commands.console import err_console
from provisioning.commands.options import lock_settings
from provisioning.errors import EXIT_FINDINGS


def run_engine(
    run: Callable[..., Any], json_output: bool, lock_timeout: float | None, lock_ttl: float | None
) -> Any:
    """`run(reporter, lock=...)`, returning its result when it is ok."""
    from provisioning.engine import render
    from provisioning.engine.events import JsonReporter, RichReporter

    if json_output:
        json_reporter = JsonReporter()
        result = run(json_reporter, lock=lock_settings(json_reporter, True, lock_timeout, lock_ttl))
    else:
        with RichReporter(err_console) as reporter:
            result = run(reporter, lock=lock_settings(reporter, False, lock_timeout, lock_ttl))
    if not result.ok:
        if not json_output:
            render.print_failures(err_console, result.dag)
        raise typer.Exit(EXIT_FINDINGS)
    return result

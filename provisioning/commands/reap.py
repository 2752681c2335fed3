"""`provision reap`: undeploy endpoints past their expires-at label (logic in provisioning/engine/reap.py)."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Annotated

import typer

from provisioning.commands.console import err_console, guarded, out_console, print_json_line
from provisioning.commands.options import (
    AccessTokenFileOption,
    ApiEndpointOption,
    JsonOption,
    LockTimeoutOption,
    LockTtlOption,
    StateOption,
    YesOption,
    connection_for,
    lock_settings,
)
from provisioning.errors import BadInputError


def reap(
    spec: Annotated[
        Path | None, typer.Option("--spec", help="Reap in this spec's project and regions.")
    ] = None,
    projects: Annotated[str | None, typer.Option("--projects", help="Comma-separated project ids.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be undeployed.")] = False,
    state: StateOption = None,
    lock_timeout: LockTimeoutOption = None,
    lock_ttl: LockTtlOption = None,
    json_output: JsonOption = False,
    api_endpoint: ApiEndpointOption = None,
    access_token_file: AccessTokenFileOption = None,
    yes: YesOption = False,
) -> None:
    """Undeploy endpoints whose expires-at label has passed. Asks first unless --dry-run or --yes.

    Example: provision reap --projects acme-genai-dev,acme-genai-ci --dry-run"""

    def run() -> None:
        if (spec is None) == (projects is None):
            raise BadInputError(
                "pass exactly one of --spec or --projects", fix="e.g. --projects acme-dev,acme-ci"
            )
        from provisioning.spec import load_spec  # pydantic and the catalog: not for --version

        env = load_spec(spec) if spec is not None else None  # before the Google clients load
        from dataclasses import asdict

        from provisioning.catalog import load_catalog
        from provisioning.engine import render
        from provisioning.engine.events import JsonReporter, RichReporter
        from provisioning.engine.reap import parse_project_ids, spec_regions
        from provisioning.engine.reap import reap as reap_expired
        from provisioning.engine.state import state_location
        from provisioning.state_url import check_state_location, is_gcs

        location = state_location(state, env) if env is not None else state
        if location is not None:
            check_state_location(location)
        if env is not None:
            targets = [(env.project.id, spec_regions(env))]
        else:
            ids = parse_project_ids(projects or "")
            regions = sorted(load_catalog().regions)
            targets = [(p, regions) for p in ids]
            if location is not None and not is_gcs(location) and len(ids) > 1:
                raise BadInputError(
                    "a local --state file holds one environment",
                    fix="leave it out, or use gs://BUCKET/PREFIX",
                )
        connection = connection_for(api_endpoint, access_token_file)
        if not dry_run:
            from provisioning.confirm import confirm_destructive

            where = ", ".join(p for p, _ in targets)
            confirm_destructive(
                f"undeploy every endpoint past its expires-at label in {where}",
                f"provision reap {f'--spec {spec}' if spec is not None else f'--projects {projects}'}",
                yes,
            )
        run_reap = functools.partial(reap_expired, connection, targets, dry_run=dry_run, state=location)
        if json_output:
            rows = run_reap(lock=lock_settings(JsonReporter(sys.stderr), True, lock_timeout, lock_ttl))
        else:
            with RichReporter(err_console) as reporter:
                rows = run_reap(lock=lock_settings(reporter, False, lock_timeout, lock_ttl))
        if json_output:
            print_json_line({"event": "reaped", "dry_run": dry_run, "expired": [asdict(r) for r in rows]})
        else:
            out_console.print(render.reap_table(rows, dry_run))

    guarded(run)

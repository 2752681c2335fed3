"""`provision apply`: one spec or a folder of them (logic in provisioning/engine)."""

from __future__ import annotations

import contextlib
import functools
from typing import Annotated

import typer

from provisioning.commands.console import err_console, guarded, out_console, print_json_line
from provisioning.commands.engine_run import run_engine
from provisioning.commands.options import (
    AccessTokenFileOption,
    ApiEndpointOption,
    JsonOption,
    LockTimeoutOption,
    LockTtlOption,
    OutputsOption,
    ShardOption,
    SpecOption,
    StateOption,
    connection_for,
    lock_settings,
)
from provisioning.errors import EXIT_FINDINGS, BadInputError


def apply(
    spec: SpecOption,
    outputs: OutputsOption = None,
    state: StateOption = None,
    parallel: Annotated[int, typer.Option("--parallel", help="Environments at a time (folder --spec).")] = 1,
    shard: ShardOption = None,
    lock_timeout: LockTimeoutOption = None,
    lock_ttl: LockTtlOption = None,
    deadline: Annotated[
        float | None,
        typer.Option("--deadline", help="Longest wait on one operation, in seconds (default 3 hours)."),
    ] = None,
    json_output: JsonOption = False,
    api_endpoint: ApiEndpointOption = None,
    access_token_file: AccessTokenFileOption = None,
) -> None:
    """Create or adopt the project, link billing, enable APIs and models, deploy endpoints, write outputs.

    Resumable: run it again after a failure. State lives in .provision/<project>.state.json (--state).

    Example: provision apply --spec examples/dev.yaml --outputs outputs.json"""

    def run() -> None:
        from provisioning.spec import load_spec  # pydantic and the catalog: not for --version

        env = None if spec.is_dir() else load_spec(spec)  # bad input fails before the Google clients load
        if outputs is not None:
            from provisioning.outputs import check_outputs_path

            check_outputs_path(outputs, spec)
        if env is not None and not json_output:  # the first line, before the engine and the clients load
            err_console.print(  # one line: cut to the width on a terminal, whole in a log
                f"applying {spec}: project {env.project.id} in {env.region}",
                highlight=False,
                no_wrap=True,
                overflow="ellipsis",
                soft_wrap=not err_console.is_terminal,
            )
        from provisioning.engine import render
        from provisioning.engine.apply import apply_spec, check_deadline
        from provisioning.engine.events import QuietReporter
        from provisioning.engine.fleet import apply_fleet, check_parallel, parse_shard
        from provisioning.progress import board_for
        from provisioning.state_url import check_state_location, is_gcs

        check_parallel(parallel)
        deadline_s = check_deadline(deadline)
        if state is not None:
            check_state_location(state)
        if shard is not None and env is not None:
            raise BadInputError(
                "--shard splits a folder of specs", fix="pass a folder as --spec, or leave it out"
            )
        if env is None:
            if state is not None and not is_gcs(state):
                raise BadInputError(
                    "a local --state file holds one environment",
                    fix="leave it out, or use gs://BUCKET/PREFIX",
                )
            connection = connection_for(api_endpoint, access_token_file)
            board = None if json_output else board_for(err_console)  # one live row per environment
            with board or contextlib.nullcontext():
                rows = apply_fleet(
                    spec,
                    connection,
                    parallel=parallel,
                    json_events=json_output,
                    outputs_dir=outputs,
                    deadline_s=deadline_s,
                    rows=board,
                    shard=parse_shard(shard) if shard is not None else None,
                    state=state,
                    lock=lock_settings(QuietReporter(), True, lock_timeout, lock_ttl),
                )
            if json_output:
                print_json_line({"event": "fleet_summary", "environments": render.fleet_json(rows)})
            else:
                out_console.print(render.fleet_table(rows))
            if not all(r.ok for r in rows):
                raise typer.Exit(EXIT_FINDINGS)
            return
        connection = connection_for(api_endpoint, access_token_file)
        run_apply = functools.partial(
            apply_spec, env, connection, state_path=state, outputs_path=outputs, deadline_s=deadline_s
        )
        result = run_engine(run_apply, json_output, lock_timeout, lock_ttl)
        if json_output:
            print_json_line(
                {"event": "applied", "project": env.project.id, "outputs": str(result.outputs_path)}
            )
        else:
            out_console.print(f"[green]applied[/] {env.project.id}; outputs in {result.outputs_path}")

    guarded(run)

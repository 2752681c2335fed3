"""`provision plan`: the steps apply would take or the Pulumi graph (provisioning/plan.py, pulumi_plan.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from provisioning.commands.console import guarded, out_console
from provisioning.commands.options import (
    AccessTokenFileOption,
    ApiEndpointOption,
    JsonOption,
    ProbeMaasOption,
    SpecOption,
    StateOption,
    connection_for,
)
from provisioning.errors import BadInputError


def plan(
    spec: SpecOption,
    api_endpoint: ApiEndpointOption = None,
    access_token_file: AccessTokenFileOption = None,
    json_output: JsonOption = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the GPU sizing and cost arithmetic.")
    ] = False,
    probe_maas: ProbeMaasOption = False,
    state: StateOption = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="engine: the steps `provision apply` would take (reads the API); "
            "pulumi: the resource graph `pulumi up` would register and its policy verdict (offline).",
        ),
    ] = "engine",
) -> None:
    """The steps apply would take, the failures predicted for each, and the cost per hour. Changes nothing.

    Example: provision plan --spec examples/dev.yaml --explain"""

    def run() -> int:
        if engine not in ("engine", "pulumi"):
            raise BadInputError(f"--engine must be engine or pulumi, got {engine!r}", fix="--engine pulumi")
        from provisioning.spec import load_spec  # pydantic and the catalog: not for --version

        env = load_spec(spec)
        from provisioning.plan import print_plan, run_plan
        from provisioning.pulumi_plan import print_pulumi_plan, pulumi_plan

        if engine == "pulumi":
            graph = pulumi_plan(env)
            if json_output:
                out_console.print_json(data=graph.to_json())
            else:
                print_pulumi_plan(graph, out_console)
            return graph.exit_code
        from provisioning.engine.state import state_status
        from provisioning.state_url import check_state_location

        if state is not None:
            check_state_location(state)
        connection = connection_for(api_endpoint, access_token_file)
        stored = state_status(env, state, connection)  # read only: plan takes no lock
        result = run_plan(
            env, connection, explain=explain, probe_maas=probe_maas, served=frozenset(stored["served"])
        )
        if json_output:
            out_console.print_json(data={**result.to_json(), "state": stored})
        else:
            print_plan(result, out_console)
            lock = stored["lock"]
            out_console.print(
                f"state: {stored['location']} ({'saved' if stored['exists'] else 'none yet'}); lock: "
                + (f"held by {lock['holder']}" + (" (stale)" if lock["stale"] else "") if lock else "free"),
                soft_wrap=True,
            )
        return result.exit_code

    raise typer.Exit(guarded(run))

"""`provision destroy`: undeploy and delete the spec's endpoints and models (logic in provisioning/engine)."""

from __future__ import annotations

import functools
from typing import Annotated

import typer

from provisioning.commands.console import guarded
from provisioning.commands.engine_run import run_engine
from provisioning.commands.options import (
    AccessTokenFileOption,
    ApiEndpointOption,
    JsonOption,
    LockTimeoutOption,
    LockTtlOption,
    SpecOption,
    StateOption,
    YesOption,
    connection_for,
)


def destroy(
    spec: SpecOption,
    delete_project: Annotated[
        bool, typer.Option("--delete-project", help="Also delete the project, if provision created it.")
    ] = False,
    state: StateOption = None,
    lock_timeout: LockTimeoutOption = None,
    lock_ttl: LockTtlOption = None,
    json_output: JsonOption = False,
    api_endpoint: ApiEndpointOption = None,
    access_token_file: AccessTokenFileOption = None,
    yes: YesOption = False,
) -> None:
    """Undeploy and delete the spec's endpoints and models; APIs stay enabled. Asks first (--yes: don't).

    Example: provision destroy --spec examples/dev.yaml --delete-project --yes"""

    def run() -> None:
        from provisioning.spec import load_spec  # pydantic and the catalog: not for --version

        env = load_spec(spec)  # bad input fails before the Google clients load
        from provisioning.confirm import confirm_destructive
        from provisioning.engine.destroy import describe_destroy, destroy_spec

        connection = connection_for(api_endpoint, access_token_file)
        from provisioning.state_url import check_state_location

        if state is not None:
            check_state_location(state)  # a bad --state is refused before the question
        confirm_destructive(
            describe_destroy(env, delete_project),
            f"provision destroy --spec {spec}" + (" --delete-project" if delete_project else ""),
            yes,
        )
        run_destroy = functools.partial(
            destroy_spec, env, connection, delete_project=delete_project, state_path=state
        )
        run_engine(run_destroy, json_output, lock_timeout, lock_ttl)

    guarded(run)

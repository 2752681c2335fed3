"""`provision doctor`: the read-only preflight (logic in provisioning/doctor)."""

from __future__ import annotations

import typer

from provisioning.commands.console import guarded, out_console
from provisioning.commands.options import (
    AccessTokenFileOption,
    ApiEndpointOption,
    JsonOption,
    ProbeMaasOption,
    SpecOption,
    connection_for,
)


def doctor(
    spec: SpecOption,
    api_endpoint: ApiEndpointOption = None,
    access_token_file: AccessTokenFileOption = None,
    json_output: JsonOption = False,
    probe_maas: ProbeMaasOption = False,
) -> None:
    """Read-only preflight: what would make apply fail, and each fix. Exit 0 ok, 1 blocking, 2 bad input.

    Example: provision doctor --spec examples/dev.yaml"""

    def run() -> int:
        from provisioning.spec import load_spec  # pydantic and the catalog: not for --version

        env = load_spec(spec)
        from provisioning.doctor import print_report, run_doctor  # after the spec: Google clients take ~2 s

        report, _ = run_doctor(env, connection_for(api_endpoint, access_token_file), probe_maas=probe_maas)
        if json_output:
            out_console.print_json(data=report.to_json())
        else:
            print_report(report, out_console)
        return report.exit_code

    raise typer.Exit(guarded(run))

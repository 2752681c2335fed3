"""`provision smoke`: verify chat completions on every target (logic in provisioning/smoke)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provisioning.commands.console import err_console, guarded, out_console, print_json_line
from provisioning.commands.options import AccessTokenFileOption, ApiEndpointOption, JsonOption
from provisioning.errors import BadInputError
from provisioning.gcp.connection import resolve_api_endpoint


def smoke(
    outputs: Annotated[Path | None, typer.Option("--outputs", help="Outputs file of apply / pulumi.")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="One target's openai base_url.")] = None,
    model: Annotated[str, typer.Option("--model", help='`model` for --base-url ("" = dedicated).')] = "",
    kind: Annotated[str, typer.Option("--kind", help="maas or endpoint, for --base-url.")] = "maas",
    target: Annotated[
        list[str] | None, typer.Option("--target", metavar="NAME", help="Only these targets (repeatable).")
    ] = None,
    access_token_file: AccessTokenFileOption = None,
    api_endpoint: ApiEndpointOption = None,
    wait_ready: Annotated[
        float | None, typer.Option("--wait-ready", help="Poll the chat route up to N seconds.")
    ] = None,
    concurrency: Annotated[int | None, typer.Option("--concurrency", help="Load probe workers.")] = None,
    requests: Annotated[int | None, typer.Option("--requests", help="Load probe requests in all.")] = None,
    gcs_image: Annotated[str | None, typer.Option("--gcs-image", help="gs:// image for Gemini.")] = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens", help="max_tokens of the probes.")] = 200,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per request.")] = 60.0,
    max_retries: Annotated[int, typer.Option("--max-retries", help="SDK retries (429, 5xx).")] = 2,
    json_file: Annotated[
        Path | None, typer.Option("--json-file", help="Write the JSON report here (- = stdout).")
    ] = None,
    junit_file: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML here.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Verify chat completions on every target (openai SDK, refreshing Google token).

    With --api-endpoint (or PROVISION_API_ENDPOINT) every Google host in the targets, dedicated DNS included,
    is sent to that base URL instead. Exit 0 when every required check passed, 1 otherwise, 2 on bad input
    (nothing sent).

    Example: provision smoke --outputs outputs.json --wait-ready 600 --junit smoke.xml"""
    from provisioning import smoke as smoke_lib

    def run_() -> int:
        if (outputs is None) == (base_url is None):
            raise BadInputError(
                "give exactly one of --outputs FILE or --base-url URL",
                fix="e.g. --outputs .provision/acme-genai-dev.outputs.json",
            )
        endpoint = resolve_api_endpoint(api_endpoint)
        targets = (
            smoke_lib.targets_from_outputs(outputs, target, endpoint)
            if outputs is not None
            else [smoke_lib.target_from_flags(base_url or "", model, None, kind, "google", endpoint)]
        )
        from provisioning.progress import board_for

        with board_for(err_console, transient=True) as board:  # each check live; the table follows
            report = smoke_lib.run_smoke(
                smoke_lib.SmokeRun(
                    targets=targets,
                    access_token_file=access_token_file,
                    options=smoke_lib.SmokeOptions(max_tokens=max_tokens, gcs_image=gcs_image),
                    wait_ready_s=wait_ready,
                    concurrency=concurrency,
                    requests=requests,
                    timeout_s=timeout,
                    max_retries=max_retries,
                ),
                rows=board,
            )
        if json_file is not None:
            smoke_lib.write_json(report, json_file)
        if junit_file is not None:
            smoke_lib.write_junit(report, junit_file)
        if json_output:
            for line in smoke_lib.json_lines(report):
                print_json_line(line)
        else:
            smoke_lib.print_table(report, err_console if str(json_file) == "-" else out_console)
        return report.exit_code

    raise typer.Exit(guarded(run_))

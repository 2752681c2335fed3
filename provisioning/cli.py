"""`provision`: a thin Typer layer over the library. No logic of its own beyond parsing and exit codes."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from provisioning import __version__
from provisioning.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, BadInputError, ProvisionError
from provisioning.gcp.connection import Connection, resolve_api_endpoint

app = typer.Typer(
    name="provision",
    help="From nothing to a verified OpenAI-compatible chat-completions endpoint on Vertex AI.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)

T = TypeVar("T")

SpecOption = Annotated[Path, typer.Option("--spec", help="Environment spec (YAML).", show_default=False)]
ApiEndpointOption = Annotated[
    str | None,
    typer.Option(
        "--api-endpoint",
        envvar="PROVISION_API_ENDPOINT",
        help="Point every Google API host at this base URL (the emulator's), e.g. http://127.0.0.1:8790.",
    ),
]
AccessTokenFileOption = Annotated[
    Path | None,
    typer.Option("--access-token-file", help="File holding a Google access token (else env, else ADC)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output (JSON).")]


def guarded(action: Callable[[], T]) -> T:
    """Run a command body; turn our errors into a message (what / why / fix) and the right exit code."""
    try:
        return action()
    except ProvisionError as error:
        err_console.print(f"[bold red]error:[/] {error.what}", soft_wrap=True)
        if error.why:
            err_console.print(f"  [bold]why:[/] {error.why}", soft_wrap=True)
        if error.fix:
            err_console.print(f"  [bold]fix:[/] {error.fix}", soft_wrap=True)
        raise typer.Exit(error.exit_code) from None


def print_json_line(data: dict[str, object]) -> None:
    """One JSON object on one line of stdout: the last line of a `--json` run that emitted events before it
    (apply, destroy, reap print nothing else on stdout, so every line parses)."""
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def _version_callback(value: bool) -> None:
    if value:
        out_console.print(f"provision {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Provision, check and verify Vertex AI OpenAI-compatible endpoints."""


@app.command()
def validate(spec: SpecOption, json_output: JsonOption = False) -> None:
    """Validate a spec file offline (no API calls): exit 0 when valid, 2 with the problems otherwise."""

    def run() -> None:
        from provisioning.spec import load_spec  # pydantic and the catalog: not for --version

        env = load_spec(spec)
        if json_output:
            out_console.print_json(data={"spec": str(spec), "valid": True, "project": env.project.id})
        else:
            out_console.print(f"[green]valid[/]: {spec} (project {env.project.id}, region {env.region})")

    guarded(run)


@app.command()
def smoke(
    outputs: Annotated[Path | None, typer.Option("--outputs", help="Outputs file of apply / pulumi.")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="One target's openai base_url.")] = None,
    model: Annotated[str, typer.Option("--model", help='`model` for --base-url ("" = dedicated).')] = "",
    kind: Annotated[str, typer.Option("--kind", help="maas or endpoint, for --base-url.")] = "maas",
    target: Annotated[
        list[str] | None, typer.Option("--target", help="Only these targets (repeatable).")
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
        Path | None, typer.Option("--json", help="Write the JSON report here (- = stdout).")
    ] = None,
    junit_file: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML here.")] = None,
) -> None:
    """Verify chat completions on every target (openai SDK, refreshing Google token).

    With --api-endpoint (or PROVISION_API_ENDPOINT) every Google host in the targets, dedicated DNS included,
    is sent to that base URL instead. Exit 0 when every required check passed, 1 otherwise, 2 on bad input
    (nothing sent)."""
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
            )
        )
        if json_file is not None:
            smoke_lib.write_json(report, json_file)
        if junit_file is not None:
            smoke_lib.write_junit(report, junit_file)
        smoke_lib.print_table(report, err_console if str(json_file) == "-" else out_console)
        return report.exit_code

    raise typer.Exit(guarded(run_))


@app.command("emulator")
def emulator_command(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 = a free port).")] = 8790,
    state: Annotated[Path | None, typer.Option(help="SQLite state file (survives restarts).")] = None,
    seed: Annotated[Path | None, typer.Option(help="Seed file (YAML) instead of the default world.")] = None,
    lro_scale: Annotated[float | None, typer.Option(help="Multiply operation latencies by this.")] = None,
) -> None:
    """Run the local Google Cloud emulator (same as `python -m emulator`)."""
    from emulator.cli import main as emulator_main

    argv = ["--host", host, "--port", str(port)]
    argv += ["--state", str(state)] if state else []
    argv += ["--seed", str(seed)] if seed else []
    argv += ["--lro-scale", str(lro_scale)] if lro_scale is not None else []
    raise typer.Exit(emulator_main(argv))


def run() -> None:
    """Entry point used by `python -m provisioning`; usage errors from Click exit with 2 as well."""
    try:
        app(standalone_mode=True)
    except SystemExit as exit_:
        sys.exit(exit_.code if exit_.code is not None else 0)


__all__ = ["EXIT_BAD_INPUT", "app", "run"]


ProbeMaasOption = Annotated[
    bool,
    typer.Option(
        "--probe-maas",
        help="Send one 1-token chat call per MaaS model to learn whether it is enabled (no read API exists).",
    ),
]


def _connection(api_endpoint: str | None, access_token_file: Path | None) -> Connection:
    return Connection.from_settings(api_endpoint, str(access_token_file) if access_token_file else None)


@app.command()
def doctor(
    spec: SpecOption,
    api_endpoint: ApiEndpointOption = None,
    access_token_file: AccessTokenFileOption = None,
    json_output: JsonOption = False,
    probe_maas: ProbeMaasOption = False,
) -> None:
    """Read-only preflight: what would make apply fail, and each fix. Exit 0 ok, 1 blocking, 2 bad input."""

    def run() -> int:
        from provisioning.spec import load_spec  # pydantic and the catalog: not for --version

        env = load_spec(spec)
        from provisioning.doctor import print_report, run_doctor  # after the spec: Google clients take ~2 s

        report, _ = run_doctor(env, _connection(api_endpoint, access_token_file), probe_maas=probe_maas)
        if json_output:
            out_console.print_json(data=report.to_json())
        else:
            print_report(report, out_console)
        return report.exit_code

    raise typer.Exit(guarded(run))


@app.command()
def plan(
    spec: SpecOption,
    api_endpoint: ApiEndpointOption = None,
    access_token_file: AccessTokenFileOption = None,
    json_output: JsonOption = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the GPU sizing and cost arithmetic.")
    ] = False,
    probe_maas: ProbeMaasOption = False,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="engine: the steps `provision apply` would take (reads the API); "
            "pulumi: the resource graph `pulumi up` would register and its policy verdict (offline).",
        ),
    ] = "engine",
) -> None:
    """The steps apply would take, the failures predicted for each, and the cost per hour. Changes nothing."""

    def run() -> int:
        if engine not in ("engine", "pulumi"):
            raise BadInputError(f"--engine must be engine or pulumi, got {engine!r}", fix="--engine pulumi")
        from provisioning.spec import load_spec  # pydantic and the catalog: not for --version

        env = load_spec(spec)
        from provisioning.plan import print_plan, print_pulumi_plan, pulumi_plan, run_plan

        if engine == "pulumi":
            graph = pulumi_plan(env)
            if json_output:
                out_console.print_json(data=graph.to_json())
            else:
                print_pulumi_plan(graph, out_console)
            return graph.exit_code
        result = run_plan(
            env, _connection(api_endpoint, access_token_file), explain=explain, probe_maas=probe_maas
        )
        if json_output:
            out_console.print_json(data=result.to_json())
        else:
            print_plan(result, out_console)
        return result.exit_code

    raise typer.Exit(guarded(run))


# -- engine: apply / destroy / reap (logic in provisioning/engine) -------------------------------------------
OutputsOption = Annotated[Path | None, typer.Option("--outputs", help="Write the outputs JSON here.")]
StateOption = Annotated[
    Path | None, typer.Option("--state", help="State file (default .provision/<project>.state.json).")
]


@app.command()
def apply(
    spec: SpecOption,
    outputs: OutputsOption = None,
    state: StateOption = None,
    parallel: Annotated[int, typer.Option("--parallel", help="Environments at a time (folder --spec).")] = 1,
    deadline: Annotated[
        float | None,
        typer.Option("--deadline", help="Longest wait on one operation, in seconds (default 3 hours)."),
    ] = None,
    json_output: JsonOption = False,
    api_endpoint: ApiEndpointOption = None,
    access_token_file: AccessTokenFileOption = None,
) -> None:
    """Create or adopt the project, link billing, enable APIs and models, deploy endpoints, write outputs."""

    def run() -> None:
        from provisioning.spec import load_spec  # pydantic and the catalog: not for --version

        env = None if spec.is_dir() else load_spec(spec)  # bad input fails before the Google clients load
        from provisioning.engine import render
        from provisioning.engine.apply import apply_spec, check_deadline
        from provisioning.engine.events import JsonReporter, RichReporter
        from provisioning.engine.fleet import apply_fleet, check_parallel

        check_parallel(parallel)
        deadline_s = check_deadline(deadline)
        if env is None:
            if state is not None:
                raise BadInputError("--state applies to one spec", fix="leave it out with a folder --spec")
            connection = Connection.from_settings(api_endpoint, str(access_token_file or "") or None)
            rows = apply_fleet(
                spec,
                connection,
                parallel=parallel,
                json_events=json_output,
                outputs_dir=outputs,
                deadline_s=deadline_s,
            )
            if json_output:
                print_json_line({"event": "fleet_summary", "environments": render.fleet_json(rows)})
            else:
                out_console.print(render.fleet_table(rows))
            if not all(r.ok for r in rows):
                raise typer.Exit(EXIT_FINDINGS)
            return
        connection = Connection.from_settings(api_endpoint, str(access_token_file or "") or None)
        run_apply = functools.partial(
            apply_spec, env, connection, state_path=state, outputs_path=outputs, deadline_s=deadline_s
        )
        if json_output:
            result = run_apply(JsonReporter())
        else:
            with RichReporter(err_console) as reporter:
                result = run_apply(reporter)
        if not result.ok:
            if not json_output:
                render.print_failures(err_console, result.dag)
            raise typer.Exit(EXIT_FINDINGS)
        if json_output:
            print_json_line(
                {"event": "applied", "project": env.project.id, "outputs": str(result.outputs_path)}
            )
        else:
            out_console.print(f"[green]applied[/] {env.project.id}; outputs in {result.outputs_path}")

    guarded(run)


@app.command()
def destroy(
    spec: SpecOption,
    delete_project: Annotated[
        bool, typer.Option("--delete-project", help="Also delete the project, if provision created it.")
    ] = False,
    state: StateOption = None,
    json_output: JsonOption = False,
    api_endpoint: ApiEndpointOption = None,
    access_token_file: AccessTokenFileOption = None,
) -> None:
    """Undeploy and delete the spec's endpoints and models; APIs stay enabled."""

    def run() -> None:
        from provisioning.spec import load_spec  # pydantic and the catalog: not for --version

        env = load_spec(spec)  # bad input fails before the Google clients load
        from provisioning.engine import render
        from provisioning.engine.destroy import destroy_spec
        from provisioning.engine.events import JsonReporter, RichReporter

        connection = Connection.from_settings(api_endpoint, str(access_token_file or "") or None)
        if json_output:
            result = destroy_spec(
                env, connection, JsonReporter(), delete_project=delete_project, state_path=state
            )
        else:
            with RichReporter(err_console) as reporter:
                result = destroy_spec(
                    env, connection, reporter, delete_project=delete_project, state_path=state
                )
        if not result.ok:
            if not json_output:
                render.print_failures(err_console, result.dag)
            raise typer.Exit(EXIT_FINDINGS)

    guarded(run)


@app.command()
def reap(
    spec: Annotated[
        Path | None, typer.Option("--spec", help="Reap in this spec's project and regions.")
    ] = None,
    projects: Annotated[str | None, typer.Option("--projects", help="Comma-separated project ids.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be undeployed.")] = False,
    json_output: JsonOption = False,
    api_endpoint: ApiEndpointOption = None,
    access_token_file: AccessTokenFileOption = None,
) -> None:
    """Undeploy endpoints whose expires-at label has passed."""

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
        from provisioning.engine.reap import parse_project_ids, spec_regions
        from provisioning.engine.reap import reap as reap_expired

        if env is not None:
            targets = [(env.project.id, spec_regions(env))]
        else:
            ids = parse_project_ids(projects or "")
            regions = sorted(load_catalog().regions)
            targets = [(p, regions) for p in ids]
        connection = Connection.from_settings(api_endpoint, str(access_token_file or "") or None)
        rows = reap_expired(connection, targets, dry_run=dry_run)
        if json_output:
            print_json_line({"event": "reaped", "dry_run": dry_run, "expired": [asdict(r) for r in rows]})
        else:
            out_console.print(render.reap_table(rows, dry_run))

    guarded(run)

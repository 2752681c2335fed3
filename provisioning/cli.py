"""`provision`: a thin Typer layer over the library. No logic of its own beyond parsing and exit codes."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

from provisioning import __version__
from provisioning.cli_help import WorkflowGroup
from provisioning.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, BadInputError, ProvisionError
from provisioning.gcp.connection import Connection, resolve_api_endpoint

if TYPE_CHECKING:
    from provisioning.engine.events import Reporter
    from provisioning.engine.locking import LockOptions

app = typer.Typer(
    name="provision",
    help="From nothing to a verified OpenAI-compatible chat-completions endpoint on Vertex AI.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    cls=WorkflowGroup,
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
YesOption = Annotated[
    bool,
    typer.Option("--yes", "-y", help="Do it without asking (required where nobody can answer, e.g. CI)."),
]


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
    """Validate a spec file offline (no API calls): exit 0 when valid, 2 with the problems otherwise.

    Example: provision validate --spec examples/dev.yaml"""

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
        from provisioning.progress import Board

        with Board(err_console, transient=True) as board:  # each check live; the table follows
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


@app.command("emulator")
def emulator_command(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 = a free port).")] = 8790,
    state: Annotated[Path | None, typer.Option(help="SQLite state file (survives restarts).")] = None,
    seed: Annotated[Path | None, typer.Option(help="Seed file (YAML) instead of the default world.")] = None,
    lro_scale: Annotated[float | None, typer.Option(help="Multiply operation latencies by this.")] = None,
) -> None:
    """Run the local Google Cloud emulator (same as `python -m emulator`); docs/emulator.md lists its knobs.

    Example: provision emulator --port 8790"""
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
    """Read-only preflight: what would make apply fail, and each fix. Exit 0 ok, 1 blocking, 2 bad input.

    Example: provision doctor --spec examples/dev.yaml"""

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
        connection = _connection(api_endpoint, access_token_file)
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


# -- engine: apply / destroy / reap (logic in provisioning/engine) -------------------------------------------
OutputsOption = Annotated[Path | None, typer.Option("--outputs", help="Write the outputs JSON here.")]
StateOption = Annotated[
    str | None,
    typer.Option(
        "--state",
        help="State: a file, or gs://BUCKET/PREFIX shared by a team (default: the spec's state:, else "
        ".provision/<project>.state.json).",
    ),
]
LockTimeoutOption = Annotated[
    float | None,
    typer.Option("--lock-timeout", help="Seconds to wait for another run's lock on the environment (60)."),
]
LockTtlOption = Annotated[
    float | None,
    typer.Option(
        "--lock-ttl", help="Seconds a killed run's gs:// lock stays valid (300; refreshed while running)."
    ),
]
ShardOption = Annotated[
    str | None, typer.Option("--shard", help="K/N: only the K-th of N shards of a folder --spec.")
]


def _lock_options(
    reporter: Reporter, json_output: bool, timeout: float | None, ttl: float | None
) -> LockOptions:
    """`--lock-timeout` / `--lock-ttl` checked (exit 2), and the "waiting for the lock" line."""
    from provisioning.engine.lock_wait import lock_options
    from provisioning.engine.locking import check_lock_options

    timeout_s, ttl_s = check_lock_options(timeout, ttl)
    return lock_options(
        reporter, timeout_s, ttl_s, live=not json_output, echo=None if json_output else err_console
    )


@app.command()
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
        from provisioning.engine import render
        from provisioning.engine.apply import apply_spec, check_deadline
        from provisioning.engine.events import JsonReporter, QuietReporter, RichReporter
        from provisioning.engine.fleet import apply_fleet, check_parallel, parse_shard
        from provisioning.progress import Board
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
            connection = Connection.from_settings(api_endpoint, str(access_token_file or "") or None)
            board = None if json_output else Board(err_console)  # one live row per environment
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
                    lock=_lock_options(QuietReporter(), True, lock_timeout, lock_ttl),
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
            json_reporter = JsonReporter()
            result = run_apply(json_reporter, lock=_lock_options(json_reporter, True, lock_timeout, lock_ttl))
        else:
            with RichReporter(err_console) as reporter:
                result = run_apply(reporter, lock=_lock_options(reporter, False, lock_timeout, lock_ttl))
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
        from provisioning.engine import render
        from provisioning.engine.destroy import describe_destroy, destroy_spec
        from provisioning.engine.events import JsonReporter, RichReporter

        connection = Connection.from_settings(api_endpoint, str(access_token_file or "") or None)
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
        if json_output:
            json_reporter = JsonReporter()
            result = run_destroy(
                json_reporter, lock=_lock_options(json_reporter, True, lock_timeout, lock_ttl)
            )
        else:
            with RichReporter(err_console) as reporter:
                result = run_destroy(reporter, lock=_lock_options(reporter, False, lock_timeout, lock_ttl))
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
        connection = Connection.from_settings(api_endpoint, str(access_token_file or "") or None)
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
            rows = run_reap(lock=_lock_options(JsonReporter(sys.stderr), True, lock_timeout, lock_ttl))
        else:
            with RichReporter(err_console) as reporter:
                rows = run_reap(lock=_lock_options(reporter, False, lock_timeout, lock_ttl))
        if json_output:
            print_json_line({"event": "reaped", "dry_run": dry_run, "expired": [asdict(r) for r in rows]})
        else:
            out_console.print(render.reap_table(rows, dry_run))

    guarded(run)


# -- team scale: locks and fleets (logic in provisioning/engine/state.py, locking.py, fleet.py) ------
@app.command()
def unlock(
    project: Annotated[
        str | None, typer.Argument(help="The environment's project id (or pass --spec).")
    ] = None,
    spec: Annotated[Path | None, typer.Option("--spec", help="The environment's spec.")] = None,
    state: StateOption = None,
    yes: YesOption = False,
    access_token_file: AccessTokenFileOption = None,
) -> None:
    """Clear an environment's lock left by a run that is gone (asks first; --yes in scripts).

    Example: provision unlock acme-genai-dev --state gs://acme-provision-state/envs"""

    def run() -> None:
        if (project is None) == (spec is None):
            raise BadInputError(
                "give exactly one of PROJECT or --spec FILE", fix="e.g. provision unlock acme-genai-dev"
            )
        from provisioning.confirm import confirm_destructive
        from provisioning.engine.reap import parse_project_ids
        from provisioning.spec import load_spec

        env = load_spec(spec) if spec is not None else None
        from provisioning.engine.state import open_backend, state_location

        project_id = env.project.id if env is not None else parse_project_ids(project or "")[0]
        location = state_location(state, env) if env is not None else state
        command = f"provision unlock {project}" if project else f"provision unlock --spec {spec}"
        if not yes and not sys.stdin.isatty():  # refused before any call, as confirm_destructive would
            confirm_destructive(f"clear the lock of {project_id}", command, yes)
        connection = Connection.from_settings(None, str(access_token_file or "") or None)
        backend = open_backend(location, project_id, connection)
        backend.check()
        held = backend.read_lock()
        if held is None:
            out_console.print(f"{backend.location}: no lock held")
            return
        err_console.print(f"{backend.location} is locked by {held.describe()}", soft_wrap=True)
        confirm_destructive("clear this lock (only if that run is gone)", command, yes)
        backend.break_lock(held)
        out_console.print(f"[green]unlocked[/] {backend.location}")

    guarded(run)


fleet_app = typer.Typer(
    help="Folders of specs: list the environments (for a CI matrix).", no_args_is_help=True
)
app.add_typer(fleet_app, name="fleet")


@fleet_app.command("list")
def fleet_list_command(
    spec: Annotated[Path, typer.Option("--spec", help="Folder of specs.", show_default=False)],
    json_output: JsonOption = False,
) -> None:
    """The folder's environments, sorted by file name (offline). --json prints a JSON list for a CI matrix."""

    def run() -> None:
        from provisioning.engine.fleet import fleet_list

        if not spec.is_dir():
            raise BadInputError(
                f"{spec}: not a folder", fix="pass the folder of specs, e.g. --spec examples/fleet"
            )
        rows = fleet_list(spec)
        if json_output:
            sys.stdout.write(json.dumps(rows) + "\n")
        else:
            for row in rows:
                out_console.print(f"{row['spec']}  {row['project']}  ({row['environment']}, {row['owner']})")

    guarded(run)

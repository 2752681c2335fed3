"""Turning engine results into what the CLI prints: failures as what/why/fix, fleet and reap tables."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from provisioning.engine.dag import DagResult
from provisioning.engine.fleet import FleetRow
from provisioning.engine.reap import Expired


def print_failures(console: Console, dag: DagResult) -> None:
    """The run's outcome, failures first: a headline with the counts, then each failure's what / why / fix."""
    failed = ", ".join(dag.errors)
    console.print(
        f"[bold red]FAILED[/]: {len(dag.errors)} step(s) failed ({failed}), {len(dag.skipped)} skipped, "
        f"{len(dag.summaries)} ok",
        soft_wrap=True,
    )
    for step, error in dag.errors.items():
        console.print(f"[bold red]error[/] in step {step}: {error.what}", soft_wrap=True)
        if error.why:
            console.print(f"  [bold]why:[/] {error.why}", soft_wrap=True)
        if error.fix:
            console.print(f"  [bold]fix:[/] {error.fix}", soft_wrap=True)
    if dag.skipped:
        console.print(f"skipped (a step they depend on failed): {', '.join(dag.skipped)}")


def fleet_table(rows: list[FleetRow]) -> Table:
    table = Table(title="provision apply (fleet)")
    for column in ("spec", "project", "result", "detail", "seconds"):
        table.add_column(column)
    for row in sorted(rows, key=lambda r: r.ok):  # failures first
        result = "[green]ok[/]" if row.ok else "[red]failed[/]"
        table.add_row(str(row.spec), row.project, result, row.detail, f"{row.elapsed_s:.1f}")
    return table


def fleet_json(rows: list[FleetRow]) -> list[dict[str, object]]:
    return [
        {
            "spec": str(r.spec),
            "project": r.project,
            "ok": r.ok,
            "detail": r.detail,
            "elapsed_s": round(r.elapsed_s, 3),
            "outputs": str(r.outputs) if r.outputs else None,
        }
        for r in rows
    ]


def reap_table(rows: list[Expired], dry_run: bool) -> Table:
    table = Table(title="expired endpoints" + (" (dry run: nothing changed)" if dry_run else ""))
    for column in ("project", "endpoint", "expires-at", "deployed models", "action"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.project, row.endpoint, row.expires_at, str(row.deployed_models), row.action)
    return table

"""`provision doctor`: read-only preflight. Reads what apply depends on, predicts where it would fail, and
says how to fix each finding. Never changes anything (tests assert no mutating call reaches the emulator).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from provisioning.doctor import checks
from provisioning.doctor.cost import CostEstimate, estimate_cost
from provisioning.doctor.findings import Finding, Status, exit_code
from provisioning.doctor.observe import Observations, observe
from provisioning.doctor.offline import endpoint_findings, resolve_shapes, usable_shapes
from provisioning.errors import BadInputError
from provisioning.gcp.clients import Clients
from provisioning.gcp.connection import Connection
from provisioning.gcp.retry import RetryPolicy
from provisioning.recommend import EndpointShape
from provisioning.spec import EnvironmentSpec

# A preflight answers quickly: retry transient failures for at most 10 s (apply keeps the default 120 s).
READ_RETRY = RetryPolicy(total_s=10.0)
STATUS_STYLE = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "bold red", Status.UNKNOWN: "cyan"}


@dataclass
class Report:
    project: str
    target: str
    findings: list[Finding]
    cost: CostEstimate
    read_calls: int
    shapes: dict[str, EndpointShape | BadInputError] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return exit_code(self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "target": self.target,
            "findings": [f.to_json() for f in self.findings],
            "cost": self.cost.to_json(),
            "read_calls": self.read_calls,
            "exit_code": self.exit_code,
        }


def evaluate(
    spec: EnvironmentSpec, obs: Observations, resolved: dict[str, EndpointShape | BadInputError]
) -> list[Finding]:
    findings = [checks.credentials(obs)]
    if findings[0].status is Status.FAIL:
        return findings
    findings.append(checks.project(spec, obs))
    account = checks.billing_account(spec, obs)
    if account is not None:
        findings.append(account)
    findings.append(checks.billing_enabled(spec, obs))
    findings.extend(checks.apis(spec, obs))
    findings.extend(checks.maas(spec, obs))
    shapes = usable_shapes(resolved)
    for endpoint in spec.endpoints:
        findings.extend(endpoint_findings(spec, endpoint, resolved[endpoint.name], obs))
    for need in checks.quota_needs(spec, shapes, obs.placed):
        outcome = obs.quotas.get((need.accelerator, need.spot))
        findings.append(checks.quota(spec, need, outcome, obs))
    return findings


def run_doctor(
    spec: EnvironmentSpec, connection: Connection, *, probe_maas: bool = False, for_plan: bool = False
) -> tuple[Report, Observations]:
    """Read what the spec needs and judge it (doctor; plan builds on it). An endpoint override with nothing
    listening is bad input at once, as in apply, not minutes of read retries ending in unknown rows."""
    connection.check_reachable()
    resolved = resolve_shapes(spec)
    clients = Clients(connection, READ_RETRY)
    try:
        obs = observe(spec, clients, usable_shapes(resolved), probe_maas=probe_maas, for_plan=for_plan)
    finally:
        clients.close()
    report = Report(
        project=spec.project.id,
        target=obs.target,
        findings=evaluate(spec, obs, resolved),
        cost=estimate_cost(spec, usable_shapes(resolved)),
        read_calls=obs.read_calls,
        shapes=resolved,
    )
    return report, obs


def print_report(report: Report, console: Console) -> None:
    table = Table(title=f"provision doctor: {report.project} ({report.target})", expand=True)
    table.add_column("status", no_wrap=True)
    table.add_column("check", overflow="fold", max_width=32)
    table.add_column("evidence → fix", ratio=1, overflow="fold")
    for f in report.findings:
        style = STATUS_STYLE[f.status]
        details = f.evidence + (f"\n[bold]fix:[/] {f.fix}" if f.fix else "")
        table.add_row(f"[{style}]{f.status.value}[/]", f.id, details)
    console.print(table)
    for line in report.cost.lines():
        console.print(f"cost: {line}", soft_wrap=True)
    counts = {s: sum(1 for f in report.findings if f.status is s) for s in Status}
    summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    if report.exit_code:
        verdict = "apply would fail (see the fail rows)"
    elif counts[Status.UNKNOWN]:
        verdict = "nothing known blocks apply (see the unknown rows)"
    else:
        verdict = "nothing blocks apply"
    console.print(f"{summary}; {report.read_calls} read calls; {verdict}", soft_wrap=True)

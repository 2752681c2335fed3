"""`provision plan`: the ordered steps apply would take, each with the failures doctor predicts for it.

Built from the same reads as doctor (no mutating call, ever) plus two more: the endpoints already deployed in
each region and the caller service account. The steps and what each waits on are apply's own graph
(provisioning/step_graph.py, which the engine runs), shown as a table and drawn as a tree. Budgets and
federation are not read by doctor, so their steps say what apply ensures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from provisioning.desired import apis as desired_apis
from provisioning.desired import caller as desired_caller
from provisioning.desired import project as desired_project
from provisioning.desired import wif
from provisioning.desired.labels import EXPIRES_AT
from provisioning.doctor import Report, run_doctor
from provisioning.doctor.findings import Finding, Status
from provisioning.doctor.observe import Observations, found_endpoints
from provisioning.drift import emptied_because, endpoint_drift
from provisioning.gcp.connection import Connection
from provisioning.identity import WIF_ROLE, BudgetArgs, GithubFederation
from provisioning.recommend import EndpointShape
from provisioning.spec import EnvironmentSpec
from provisioning.step_graph import StepNode, apply_steps, draw, stages


@dataclass(frozen=True)
class PlanStep:
    id: str
    action: str  # create | update | replace | recreate | wait | link | enable | ensure | no-op | unknown
    resource: str
    detail: str
    predicted: tuple[Finding, ...] = ()
    cost: str = ""
    after: tuple[str, ...] = ()  # the steps apply waits on before this one (provisioning/step_graph.py)
    stage: int = 1  # steps of one stage start together and run in parallel

    @property
    def blocked(self) -> bool:
        return any(f.status is Status.FAIL for f in self.predicted)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "resource": self.resource,
            "detail": self.detail,
            "predicted": [f.to_json() for f in self.predicted],
            "cost": self.cost,
            "after": list(self.after),
            "stage": self.stage,
        }


@dataclass
class Plan:
    report: Report
    steps: list[PlanStep]
    explain: list[str] = field(default_factory=list)
    graph: list[StepNode] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return self.report.exit_code

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.report.project,
            "target": self.report.target,
            "steps": [s.to_json() for s in self.steps],
            "findings": [f.to_json() for f in self.report.findings],
            "cost": self.report.cost.to_json(),
            "explain": self.explain,
            "read_calls": self.report.read_calls,
            "mutating_calls": 0,
            "exit_code": self.exit_code,
        }


def _predicted(findings: list[Finding], step: str) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.step == step and f.status is not Status.OK)


def _project_step(spec: EnvironmentSpec, obs: Observations) -> tuple[str, str]:
    pid = spec.project.id
    if obs.project is None or obs.project.error is not None:
        return "unknown", f"could not read {pid}"
    if obs.project.value is None:
        body = desired_project.project(spec, datetime.now(UTC)) or {}
        where = body.get("parent") or "no parent"
        labels = ", ".join(f"{k}={v}" for k, v in sorted(body.get("labels", {}).items()) if k != EXPIRES_AT)
        return "create", f"create {pid} under {where}, labelled {labels}"
    return "no-op", f"{pid} exists" + (" (adopted)" if spec.project.adopt else "")


def _billing_step(spec: EnvironmentSpec, obs: Observations) -> tuple[str, str]:
    body = desired_project.billing_info(spec)
    account = body["billingAccountName"] if body else None
    if account is None:
        return "no-op", "no billing_account in the spec; the project's own billing is used"
    info = obs.billing_info.value if obs.billing_info else None
    if info is not None and info.billing_enabled and info.billing_account == account:
        return "no-op", f"already linked to {account}"
    return "link", f"link {spec.project.id} to {account}"


def _apis_step(spec: EnvironmentSpec, obs: Observations) -> tuple[str, str]:
    required = desired_apis.service_ids(spec)
    enabled = (obs.services.value if obs.services else None) or set()
    if obs.services is not None and obs.services.error is not None:
        return "unknown", "could not list enabled APIs; apply enables what is missing"
    missing = [a for a in required if a not in enabled]
    if not missing:
        return "no-op", f"all {len(required)} required APIs enabled"
    return "enable", f"batchEnable {', '.join(missing)}"


def _maas_step(name: str, obs: Observations) -> tuple[str, str]:
    probe = obs.probes.get(name)
    if probe is not None and probe.value is not None and probe.value.enabled:
        return "no-op", "the model already answers calls"
    return "enable", "Model Garden enableModel (idempotent; no read API tells whether it is enabled)"


def _endpoint_step(
    spec: EnvironmentSpec,
    name: str,
    shape: EndpointShape | None,
    obs: Observations,
    served: bool,
    now: datetime,
) -> tuple[str, str, str]:
    endpoint = next(e for e in spec.endpoints if e.name == name)
    region = spec.endpoint_region(endpoint)
    if shape is None:
        return "unknown", f"{endpoint.model} in {region}: no machine shape fits (see model-fit)", ""
    replicas = f"{endpoint.min_replicas}..{endpoint.max_replicas} replica(s)"
    machine = f"{shape.shape.machine_type} + {shape.shape.count} × {shape.shape.accelerator}"
    cost = (
        f"${shape.shape.price_per_hour_usd * endpoint.min_replicas:.2f}.."
        f"${shape.shape.price_per_hour_usd * endpoint.max_replicas:.2f}/h"
    )
    existing = found_endpoints(spec, obs.endpoints, name)
    if existing and existing[0].deployed_models:
        drift = endpoint_drift(endpoint, shape.shape, existing[0])
        if drift.replace:
            return (
                "replace",
                f"{existing[0].name} must be redeployed: {', '.join(drift.replace)}; apply stops here "
                "(destroy, then apply, replaces it)",
                cost,
            )
        if drift.update:
            return "update", f"{existing[0].name}: {', '.join(drift.update)} (mutateDeployedModel)", cost
        return "no-op", f"{existing[0].name} already serves a model ({machine}, {replicas})", cost
    deploy = f"create a dedicated endpoint and deploy: {endpoint.model} ({endpoint.framework}) on {machine}"
    deploy += f", {replicas}, {region}"
    if not existing:
        return "create", deploy, cost
    why = emptied_because(existing[0], served, now)
    if why:  # apply: delete it and what state recorded, then a fresh Model Garden deploy
        return (
            "recreate",
            f"delete {existing[0].name} and its model ({why}; it serves nothing), then {deploy}",
            cost,
        )
    return "wait", f"{existing[0].name} serves no model yet: apply waits for the deploy in flight", cost


def _caller_step(spec: EnvironmentSpec, obs: Observations) -> tuple[str, str]:
    email, role = desired_caller.email(spec), desired_caller.project_binding(spec)["role"]
    if obs.caller is not None and obs.caller.value is not None:
        return "no-op", f"{email} exists; apply ensures {role} (idempotent)"
    return "create", f"create {email} and grant it {role}"


def _budget_step(spec: EnvironmentSpec) -> tuple[str, str, str]:
    budget = BudgetArgs.from_spec(spec)
    assert budget is not None  # the graph has a budget step only when the spec sets one
    thresholds = ", ".join(f"{t:.0%}" for t in budget.thresholds)
    detail = (
        f"{budget.display_name!r}: ${budget.monthly_amount_usd:g}/month scoped to {spec.project.id}, "
        f"alerts at {thresholds}; created, or updated when amount or thresholds differ (not read by plan)"
    )
    return "ensure", detail, f"billingAccounts/{budget.billing_account}/budgets"


def _federation_step(spec: EnvironmentSpec) -> tuple[str, str, str]:
    github = GithubFederation.from_spec(spec)
    assert github is not None  # the graph has this step only when the spec sets workload_identity
    detail = (
        f"pool {github.pool_id}, GitHub OIDC provider {github.provider_id} with condition "
        f"{wif.provider(github)['attributeCondition']}, {WIF_ROLE} on the caller for "
        f"{github.repository}; created when missing (not read by plan)"
    )
    return "ensure", detail, f"workloadIdentityPools/{github.pool_id}"


def _describe(
    node: StepNode,
    spec: EnvironmentSpec,
    report: Report,
    obs: Observations,
    served: frozenset[str],
    moment: datetime,
) -> tuple[str, ...]:
    """What one step of apply's graph will do: (action, detail, resource[, cost])."""
    project = f"projects/{spec.project.id}"
    if node.kind == "project":
        return (*_project_step(spec, obs), project)
    if node.kind == "billing":
        return (*_billing_step(spec, obs), f"{project}/billingInfo")
    if node.kind == "apis":
        return (*_apis_step(spec, obs), f"{project}/services")
    if node.kind == "maas":
        model = next(m for m in spec.maas_models if m.name == node.subject)
        return (*_maas_step(model.name, obs), f"{model.name} in {spec.maas_location(model)}", "per token")
    if node.kind == "endpoint":
        resolved = report.shapes.get(node.subject)
        shape = resolved if isinstance(resolved, EndpointShape) else None
        action, detail, cost = _endpoint_step(spec, node.subject, shape, obs, node.subject in served, moment)
        return action, detail, f"endpoint {node.subject}", cost
    if node.kind == "caller":
        return (*_caller_step(spec, obs), "service account")
    if node.kind == "budget":
        return _budget_step(spec)
    if node.kind == "workload_identity":
        return _federation_step(spec)
    return "write", "the outputs file (base URLs, endpoint ids) that `provision smoke` reads", "outputs file"


def build_plan(
    spec: EnvironmentSpec,
    report: Report,
    obs: Observations,
    *,
    explain: bool = False,
    served: frozenset[str] = frozenset(),
    now: datetime | None = None,
) -> Plan:
    """Pure: apply's step graph (provisioning/step_graph.py), each step with what it will do and the findings
    that predict its failure. `served`: the spec endpoints state recorded serving a model (`state_status`);
    `now` judges expires-at."""
    moment = now or datetime.now(UTC)
    graph = apply_steps(spec)
    stage = stages(graph)
    steps = []
    for node in graph:
        action, detail, resource, *cost = _describe(node, spec, report, obs, served, moment)
        steps.append(
            PlanStep(
                node.id,
                action,
                resource,
                detail,
                _predicted(report.findings, node.id),
                cost[0] if cost else "",
                node.after,
                stage[node.id],
            )
        )
    lines: list[str] = []
    if explain:
        for name, resolved in report.shapes.items():
            if isinstance(resolved, EndpointShape):
                source = resolved.recommendation.explain() if resolved.recommendation else []
                lines.append(f"endpoint {name}: {resolved.shape_name} ({resolved.chosen_by})")
                lines.extend(f"  {line}" for line in source)
                if not source:
                    lines.append(f"  {resolved.fit.arithmetic(resolved.estimate)}")
            else:
                lines.append(f"endpoint {name}: {resolved.what}; {resolved.why}")
        lines.extend(f"cost: {line}" for line in report.cost.lines())
    return Plan(report, steps, lines, graph)


def run_plan(
    spec: EnvironmentSpec,
    connection: Connection,
    *,
    explain: bool = False,
    probe_maas: bool = False,
    served: frozenset[str] = frozenset(),
) -> Plan:
    report, obs = run_doctor(spec, connection, probe_maas=probe_maas, for_plan=True)
    return build_plan(spec, report, obs, explain=explain, served=served)


def print_plan(plan: Plan, console: Console) -> None:
    table = Table(title=f"provision plan: {plan.report.project} ({plan.report.target})", expand=True)
    table.add_column("#", no_wrap=True)
    table.add_column("step", no_wrap=True)
    table.add_column("action", no_wrap=True)
    table.add_column("what", ratio=3)
    table.add_column("predicted", ratio=2)
    table.add_column("$/h", no_wrap=True)
    for index, step in enumerate(plan.steps, 1):
        predicted = "; ".join(f"{f.status.value}: {f.id}" for f in step.predicted)
        style = "bold red" if step.blocked else ""
        table.add_row(
            str(index),
            step.id,
            step.action,
            step.detail,
            f"[{style}]{predicted}[/]" if style else predicted,
            step.cost,
        )
    console.print(table)
    console.print(
        "step graph: apply starts a step once the steps it waits on are done; steps under one parent run in "
        "parallel",
        soft_wrap=True,
        highlight=False,
    )
    notes = {s.id: s.action + (", blocked" if s.blocked else "") for s in plan.steps}
    for line in draw(plan.graph, notes):
        console.print(f"  {line}", soft_wrap=True, highlight=False, markup=False)
    for line in plan.explain:
        console.print(line, soft_wrap=True, highlight=False)
    for finding in plan.report.findings:
        if finding.status is Status.FAIL:
            console.print(
                f"[bold red]fail[/] {finding.id}: {finding.evidence}\n  fix: {finding.fix}", soft_wrap=True
            )
    console.print(f"{plan.report.read_calls} read calls, 0 mutating calls")

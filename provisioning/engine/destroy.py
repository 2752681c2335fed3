"""`provision destroy`: undeploy and delete this spec's endpoints and their models; delete the project only
when provision created it (state or labels say so) and the caller asked for it. APIs stay enabled: others
may use them. The spec's budget lives on the billing account, not in the project: it is kept, and deleted
only together with the project (--delete-project).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

from provisioning.engine.apply import default_outputs_path
from provisioning.engine.budget import find_budgets
from provisioning.engine.dag import DagResult, Step, run_dag
from provisioning.engine.events import Reporter
from provisioning.engine.labels import ours
from provisioning.engine.locking import LockOptions
from provisioning.engine.serving import endpoint_regions, lookup_endpoint
from provisioning.engine.state import StateFile, locked_state
from provisioning.engine.teardown import delete_endpoint_and_models, delete_models, deploy_model_of, settle
from provisioning.errors import ProvisionError
from provisioning.gcp import budgets, operations, projects
from provisioning.gcp.clients import Clients
from provisioning.gcp.connection import Connection
from provisioning.gcp.errors import register_secret
from provisioning.identity import BudgetArgs
from provisioning.spec import EnvironmentSpec


@dataclass
class DestroyResult:
    dag: DagResult
    summaries: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.dag.ok


def describe_destroy(spec: EnvironmentSpec, delete_project: bool) -> str:
    """What destroy is about to delete, for its confirmation question."""
    endpoints = ", ".join(e.name for e in spec.endpoints) or "none in the spec"
    action = f"delete the endpoints and models of {spec.project.id} ({endpoints})"
    return action + (f" and delete project {spec.project.id} itself" if delete_project else "")


def destroy_spec(
    spec: EnvironmentSpec,
    connection: Connection,
    reporter: Reporter,
    *,
    delete_project: bool = False,
    state_path: str | os.PathLike[str] | None = None,
    deadline_s: float = operations.DEFAULT_DEADLINE_S,
    lock: LockOptions = LockOptions(),
) -> DestroyResult:
    """Destroy with the environment's lock held (`state_path`: a file or gs://BUCKET/PREFIX)."""
    register_secret(connection.token_source.token())  # an unreadable token file is bad input: exit 2, no call
    connection.check_reachable()
    with locked_state(spec, state_path, connection, lock) as state:
        return _destroy(spec, connection, reporter, state, delete_project, deadline_s)


def _destroy(
    spec: EnvironmentSpec,
    connection: Connection,
    reporter: Reporter,
    state: StateFile,
    delete_project: bool,
    deadline_s: float,
) -> DestroyResult:
    project = spec.project.id
    clients = Clients(connection)

    def settle_interrupted(name: str) -> list[str]:
        """Let a deploy (or replica change) an interrupted apply saved run to its end: until then it cannot
        be undeployed, and once done it bills. Returns the model a failed deploy uploaded, to delete."""
        leftovers = []
        for key in (f"endpoint:{name}", f"replicas:{name}"):
            ref = state.operation(key)
            if ref is None:
                continue
            note = functools.partial(reporter.note, f"endpoint:{name}")
            if not settle(clients, ref, f"{key} (started by an interrupted apply)", deadline_s, note):
                leftovers += [m for m in [deploy_model_of(clients, project, ref)] if m]
            state.save_operation(key, None)
        return leftovers

    def endpoint_step(name: str) -> str:
        """Every copy of the endpoint: in the region state recorded, its own and each fallback region."""
        endpoint = next(e for e in spec.endpoints if e.name == name)
        leftovers = settle_interrupted(name)
        deleted: list[str] = []
        kept: list[str] = []
        for region in endpoint_regions(spec, state, endpoint):
            lookup = lookup_endpoint(clients, state, spec, region, name, all_namesakes=True)
            kept.extend(f"{e.endpoint_id} ({region})" for e in lookup.namesakes)
            if lookup.found is not None:
                models = delete_endpoint_and_models(clients, lookup.found, deadline_s)
                deleted.append(f"{lookup.found.endpoint_id} ({region}) and {models} model(s)")
        if delete_models(clients, leftovers, deadline_s):
            deleted.append(f"the model of a failed deploy ({', '.join(leftovers)})")
        state.put("endpoints", name, None)
        summary = f"deleted {', '.join(deleted)}" if deleted else "absent"
        if kept:
            summary += (
                f"; left {', '.join(kept)} alone: same display name, but not labelled "
                f"managed-by=provision, environment={spec.environment}"
            )
        return summary

    def project_step() -> str:
        found = projects.get_project(clients, project)
        if found is None or found.state != "ACTIVE":
            return "absent" if found is None else f"already {found.state}"
        created = bool(state.get("created_project")) or (not spec.project.adopt and ours(found.labels, spec))
        if not delete_project:
            return "kept (pass --delete-project to delete it)"
        if not created:
            raise ProvisionError(
                f"project {project} was not created by provision; not deleting it",
                "neither the state file nor the project's labels say provision created it",
                f"delete it yourself if you mean to: `gcloud projects delete {project}`",
            )
        projects.delete_project(clients, project)
        state.set("created_project", False)
        default_outputs_path(project).unlink(missing_ok=True)
        return "deletion requested (30-day recovery window)"

    def budget_step(args: BudgetArgs) -> str:
        account = f"billingAccounts/{args.billing_account}"
        found = find_budgets(clients, account, args.display_name)
        if not found:
            return "absent"
        names = ", ".join(str(b["name"]) for b in found)
        if not delete_project:
            return f"kept {names} on {account} (deleted only with --delete-project)"
        for budget in found:
            budgets.delete_budget(clients, str(budget["name"]))
        return f"deleted {names}"

    steps = [Step(f"endpoint:{e.name}", functools.partial(endpoint_step, e.name)) for e in spec.endpoints]
    steps.append(Step("project", project_step, tuple(s.name for s in steps)))
    budget = BudgetArgs.from_spec(spec)
    if budget is not None:
        steps.append(Step("budget", functools.partial(budget_step, budget), ("project",)))
    try:
        result = run_dag(steps, reporter)
    finally:
        clients.close()
    return DestroyResult(result, dict(result.summaries))

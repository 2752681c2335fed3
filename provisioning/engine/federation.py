"""Workload Identity Federation for CI: a pool, a GitHub OIDC provider whose attribute condition admits one
repository, and roles/iam.workloadIdentityUser on the caller account for that repository's principal set.
The same names and condition as the Pulumi program (both come from provisioning/identity.py).

Pool and provider creation are long-running operations, saved in state the moment they start so a re-run
after a crash waits on them instead of creating again.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from provisioning.desired import wif
from provisioning.errors import GoogleApiError, ProvisionError
from provisioning.gcp import iam, operations, projects
from provisioning.identity import GITHUB_ISSUER, WIF_ROLE, GithubFederation

if TYPE_CHECKING:
    from collections.abc import Callable

    from provisioning.engine.context import StepContext


def provider_drift(current: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    fields = []
    if current.get("attributeCondition") != wanted["attributeCondition"]:
        fields.append("attributeCondition")
    if current.get("attributeMapping") != wanted["attributeMapping"]:
        fields.append("attributeMapping")
    if (current.get("oidc") or {}).get("issuerUri") != GITHUB_ISSUER:
        fields.append("oidc.issuerUri")
    return fields


def _ensure(
    run: StepContext,
    key: str,
    what: str,
    read: Callable[[], dict[str, Any] | None],
    create: Callable[[], operations.OperationRef],
) -> tuple[dict[str, Any], bool]:
    """Read, else create (or resume the saved operation) and wait; returns the resource and whether we
    made it. A create answered ALREADY_EXISTS is our own earlier, unrecorded create: wait for it to show."""
    pending = run.state.operation(key)
    found = None if pending else read()
    if found is not None:
        if found.get("state") == "DELETED":
            raise ProvisionError(
                f"{what} was deleted and is in its 30-day recovery window",
                "a deleted pool or provider keeps its id until it is purged",
                "undelete it (`gcloud iam workload-identity-pools [providers] undelete ...`) or choose "
                "another pool_id / provider_id in the spec",
            )
        return found, False
    if pending is None:
        try:
            pending = create()
        except GoogleApiError as error:
            if error.status != "ALREADY_EXISTS":
                raise
        if pending is not None:
            run.state.save_operation(key, pending)
    if pending is not None:
        run.finish(key, pending, f"create {what}")
    start = time.monotonic()
    while (found := read()) is None:
        if time.monotonic() - start > run.deadline_s:
            raise ProvisionError(f"{what} did not appear", "its creation never finished", "re-run apply")
        time.sleep(operations.poll_delay(time.monotonic() - start))
    return found, True


def ensure_federation(run: StepContext) -> tuple[str, str]:
    """Returns (summary, full provider name)."""
    github = GithubFederation.from_spec(run.spec)
    assert github is not None
    project = projects.get_project(run.clients, run.project)
    assert project is not None  # the project step made sure it exists
    pool = wif.pool(run.spec)
    assert pool is not None
    _, made_pool = _ensure(
        run,
        "wif:pool",
        f"workload identity pool {github.pool_id}",
        lambda: iam.get_pool(run.clients, run.project, github.pool_id),
        lambda: iam.create_pool(run.clients, run.project, github.pool_id, pool),
    )
    wanted = wif.provider(github)
    provider, made_provider = _ensure(
        run,
        "wif:provider",
        f"workload identity provider {github.pool_id}/{github.provider_id}",
        lambda: iam.get_provider(run.clients, run.project, github.pool_id, github.provider_id),
        lambda: iam.create_provider(run.clients, run.project, github.pool_id, github.provider_id, wanted),
    )
    changes = [] if made_provider else provider_drift(provider, wanted)
    if changes:
        ref = iam.patch_provider(run.clients, str(provider["name"]), wanted, changes)
        run.state.save_operation("wif:provider", ref)
        run.finish("wif:provider", ref, f"update workload identity provider {provider['name']}")
    email = iam.service_account_email(run.spec.caller.service_account_id, run.project)
    binding = wif.caller_binding(github, project.number)
    [member] = binding["members"]
    granted = iam.add_service_account_binding(run.clients, run.project, email, binding["role"], member)
    provider_state = "created" if made_provider else f"updated {', '.join(changes)}" if changes else "exists"
    done = [
        f"pool {'created' if made_pool else 'exists'}",
        f"provider {provider_state}",
        f"{WIF_ROLE} {'granted' if granted else 'held'} for {github.repository}",
    ]
    return "; ".join(done), github.provider_name(project.number)

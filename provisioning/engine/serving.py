"""Self-hosted endpoints: one Model Garden `:deploy` per spec endpoint, found again (never duplicated) by the
operation saved in state, by its user-chosen endpoint id (the spec name), or by its display name and labels,
in the region state recorded, its own region or a fallback region. A deploy that fails for GPU capacity or
quota moves on to the next fallback region (provisioning/failover.py) after deleting what it left.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from provisioning.desired import endpoint as desired_endpoint
from provisioning.drift import emptied_because, endpoint_drift, is_spec_endpoint, serving_labels
from provisioning.engine.labels import keep_expiry, resource_labels, same_ignoring_expiry
from provisioning.engine.teardown import delete_endpoint_and_models, delete_models, deploy_model_of
from provisioning.errors import GoogleApiError, ProvisionError
from provisioning.failover import candidate_regions, capacity_failure, region_choices
from provisioning.gcp import operations, vertex
from provisioning.gcp.lazy import lazy_module
from provisioning.recommend import shape_for_spec_endpoint
from provisioning.spec import EndpointSpec, EnvironmentSpec

if TYPE_CHECKING:
    from google.cloud import aiplatform_v1beta1 as v1beta1

    from provisioning.engine.context import StepContext
    from provisioning.engine.state import StateFile
    from provisioning.gcp.clients import Clients
else:
    v1beta1 = lazy_module("google.cloud.aiplatform_v1beta1")


def deploy_request(
    spec: EnvironmentSpec, region: str, endpoint: EndpointSpec, now: datetime, hf_token: str | None
) -> v1beta1.DeployRequest:
    """provisioning/desired/endpoint.py's `:deploy` body as the GAPIC request (the same JSON field names)."""
    body = desired_endpoint.deploy_request(spec, endpoint, region, now, hf_token)
    return v1beta1.DeployRequest.from_json(json.dumps(body))


@dataclass(frozen=True)
class Lookup:
    found: vertex.EndpointInfo | None
    namesakes: tuple[vertex.EndpointInfo, ...] = ()  # same display name but not ours: never touched


def lookup_endpoint(
    clients: Clients,
    state: StateFile,
    spec: EnvironmentSpec,
    region: str,
    name: str,
    *,
    all_namesakes: bool = False,
) -> Lookup:
    """The spec endpoint `name` in `region`: by the name recorded in state, by its user id, else among the
    endpoints listed with that display name (`is_spec_endpoint`). `all_namesakes` lists the others even
    when ours was found by name (one more read)."""
    recorded = state.get("endpoints", {}).get(name)
    names = [recorded["name"]] if recorded and recorded["name"].split("/")[3] == region else []
    names.append(vertex.endpoint_name(spec.project.id, region, name))
    found = None
    for resource in names:
        found = vertex.get_endpoint(clients, resource)
        if found is not None:
            break
    if found is not None and not all_namesakes:
        return Lookup(found)
    same_name = [e for e in vertex.list_endpoints(clients, spec.project.id, region) if e.display_name == name]
    mine = [
        e
        for e in same_name
        if is_spec_endpoint(e, spec, name) or (found is not None and e.name == found.name)
    ]
    foreign = tuple(e for e in same_name if e not in mine)
    return Lookup(found or (mine[0] if mine else None), foreign)


def find_endpoint(
    clients: Clients, state: StateFile, spec: EnvironmentSpec, region: str, name: str
) -> vertex.EndpointInfo | None:
    """`lookup_endpoint`'s endpoint: ours, or None."""
    return lookup_endpoint(clients, state, spec, region, name).found


def endpoint_regions(spec: EnvironmentSpec, state: StateFile, endpoint: EndpointSpec) -> list[str]:
    """Where the endpoint may be: the region state recorded (after a failover), its own, the fallbacks."""
    recorded = state.get("endpoints", {}).get(endpoint.name)
    first = [recorded["name"].split("/")[3]] if recorded else []
    return list(dict.fromkeys([*first, *candidate_regions(spec, endpoint)]))


def ensure_endpoint(run: StepContext, endpoint: EndpointSpec) -> str:
    key = f"endpoint:{endpoint.name}"
    resized = resume_replicas(run, endpoint)
    found = None
    if run.state.operation(key) is None:
        for region in endpoint_regions(run.spec, run.state, endpoint):
            found = find_endpoint(run.clients, run.state, run.spec, region, endpoint.name)
            if found is not None:
                break
    outcome = "deployed (exists)"
    emptied = found is not None and _emptied(run, endpoint, found)
    if found is not None and emptied:
        _remove_emptied(run, endpoint, found)
        found = None
    if found is None:
        found, outcome = deploy_with_failover(run, endpoint)
        outcome = (
            f"re{outcome} (the endpoint had been emptied, e.g. by `provision reap`)" if emptied else outcome
        )
    if not found.deployed_models:
        found = wait_for_model(run, found)
    found, reconciled = reconcile(run, endpoint, found)
    wanted = {**resource_labels(run.spec, run.now), **serving_labels(endpoint)}
    if not same_ignoring_expiry(found.labels, wanted):
        vertex.set_endpoint_labels(run.clients, found, keep_expiry(found.labels, wanted))
    record = {
        "name": found.name,
        "region": found.location,
        "endpoint_id": found.endpoint_id,
        "dedicated_dns": found.dedicated_dns,
        "models": [d.model for d in found.deployed_models],
    }
    run.state.put("endpoints", endpoint.name, record)
    changed = reconciled or resized
    return (
        f"{outcome}: {found.endpoint_id}"
        + ("" if found.location == run.spec.region else f" in {found.location}")
        + (f"; {changed}" if changed else "")
    )


def _emptied(run: StepContext, endpoint: EndpointSpec, found: vertex.EndpointInfo) -> bool:
    """An endpoint with nothing deployed whose deployment is over, not in flight (`drift.emptied_because`)."""
    recorded = run.state.get("endpoints", {}).get(endpoint.name) or {}
    return bool(emptied_because(found, bool(recorded.get("models")), run.now))


def _remove_emptied(run: StepContext, endpoint: EndpointSpec, found: vertex.EndpointInfo) -> None:
    """Delete an emptied endpoint and the models state recorded for it, so a fresh Model Garden deploy (which
    creates its endpoint) can take the same id; nothing is serving from it."""
    run.reporter.note(f"endpoint:{endpoint.name}", f"{found.name} serves nothing any more; deploying again")
    recorded = run.state.get("endpoints", {}).get(endpoint.name) or {}
    delete_endpoint_and_models(run.clients, found, run.deadline_s)
    delete_models(run.clients, list(recorded.get("models") or []), run.deadline_s)
    run.state.put("endpoints", endpoint.name, None)


def _replicas_key(endpoint: EndpointSpec) -> str:
    return f"replicas:{endpoint.name}"


def resume_replicas(run: StepContext, endpoint: EndpointSpec) -> str:
    """Finish a replica change an earlier, interrupted run started (its operation is in state)."""
    pending = run.state.operation(_replicas_key(endpoint))
    if pending is None:
        return ""
    run.finish(_replicas_key(endpoint), pending, f"set replicas of endpoint {endpoint.name}")
    return "replicas set (resumed)"


def reconcile(
    run: StepContext, endpoint: EndpointSpec, found: vertex.EndpointInfo
) -> tuple[vertex.EndpointInfo, str]:
    """Bring replica bounds to the spec in place; stop when the deployment itself would have to change."""
    shape = shape_for_spec_endpoint(endpoint, found.location).shape
    drift = endpoint_drift(endpoint, shape, found)
    if drift.replace:
        raise ProvisionError(
            f"endpoint {endpoint.name} ({found.endpoint_id}) serves something else than the spec asks for: "
            + ", ".join(drift.replace),
            "the machine, accelerator, model and framework of a deployment cannot change in place; apply "
            "does not replace a serving endpoint on its own, and kept the current one untouched",
            "put those fields back in the spec, or replace it on purpose: `provision destroy --spec FILE`, "
            "then `provision apply --spec FILE` (the endpoint serves nothing in between)",
        )
    if not drift.update:
        return found, ""
    key = _replicas_key(endpoint)
    deployed = found.deployed_models[0]
    run.reporter.note(f"endpoint:{endpoint.name}", f"updating {', '.join(drift.update)}")
    ref = vertex.set_replicas(run.clients, found, deployed.id, endpoint.min_replicas, endpoint.max_replicas)
    run.state.save_operation(key, ref)
    run.finish(key, ref, f"set replicas of endpoint {endpoint.name}")
    current = vertex.get_endpoint(run.clients, found.name)
    return current or found, f"updated {', '.join(drift.update)}"


def deploy_with_failover(run: StepContext, endpoint: EndpointSpec) -> tuple[vertex.EndpointInfo, str]:
    """Deploy in the endpoint's region, then in each fallback region, until one has the GPUs.

    State (`failover.<name>`) records the regions that failed and why, and the deploy's operation is kept
    until a failed attempt is cleaned up: a run killed at any point resumes in the region of the saved
    operation (or after the regions already tried) and never leaves a second endpoint behind."""
    key = f"endpoint:{endpoint.name}"
    tried: list[list[str]] = list(run.state.get("failover", {}).get(endpoint.name) or [])
    done = {region for region, _ in tried}
    pending = run.state.operation(key)
    for choice in region_choices(run.spec, endpoint):
        region = choice.region
        if region in done or (pending is not None and region != pending.location):
            continue
        if choice.skip:
            tried.append([region, choice.skip])
            continue
        if pending is None:
            run.state.put("failover", endpoint.name, tried)
            try:
                pending = _start_deploy(run, endpoint, region, key)
            except GoogleApiError as error:
                why = capacity_failure(error)
                if not why:
                    raise
                tried.append([region, f"{why}: {error.why}"])
                _clean_up_attempt(run, region, endpoint.name)
                continue
        if pending is not None:
            run.reporter.note(key, f"waiting on {pending.name}")
            try:
                op = operations.wait(
                    run.clients,
                    pending,
                    f"deploy endpoint {endpoint.name} in {region}",
                    deadline_s=run.deadline_s,
                )
            except GoogleApiError as error:
                why = capacity_failure(error)
                if not why:
                    run.state.save_operation(key, None)
                    raise
                run.reporter.note(key, f"{region}: {why}; cleaning up")
                _clean_up_attempt(run, region, endpoint.name, pending)
                tried.append([region, f"{why}: {error.why}"])
                run.state.put("failover", endpoint.name, tried)
                run.state.save_operation(key, None)
                pending = None
                continue
            run.state.save_operation(key, None)
            name = str(op.response.get("endpoint", "")) or vertex.endpoint_name(
                run.project, region, endpoint.name
            )
            found = vertex.get_endpoint(run.clients, name)
        else:
            found = find_endpoint(run.clients, run.state, run.spec, region, endpoint.name)
        if found is None:
            raise ProvisionError(
                f"endpoint {endpoint.name}: the deployment finished but the endpoint cannot be read",
                "Vertex AI returned no endpoint for it",
                f"list endpoints: `gcloud ai endpoints list --region {region} --project {run.project}`",
            )
        run.state.put("failover", endpoint.name, None)
        moved = "; ".join(f"{r}: {why}" for r, why in tried)
        return found, "deployed" + (f" in {region} after failover ({moved})" if tried else "")
    run.state.put("failover", endpoint.name, None)  # a later apply starts again from the first region
    regions = [r for r, _ in tried]
    raise ProvisionError(
        f"endpoint {endpoint.name}: no region could take the deploy (tried {', '.join(regions)})",
        "; ".join(f"{r}: {why}" for r, why in tried),
        "add regions offering the GPU to fallback_regions, request serving GPU quota "
        f"(https://console.cloud.google.com/iam-admin/quotas?project={run.project}), or apply again later "
        "(stockouts pass)",
    )


def _start_deploy(
    run: StepContext, endpoint: EndpointSpec, region: str, key: str
) -> operations.OperationRef | None:
    """Start the Model Garden deploy in `region` and save its operation; None when it already exists."""
    request = deploy_request(run.spec, region, endpoint, run.now, run.hf_tokens.get(endpoint.name))
    machine = request.deploy_config.dedicated_resources.machine_spec
    run.reporter.note(
        key,
        f"deploying {endpoint.model} on {machine.machine_type} ({machine.accelerator_type.name}) in {region}",
    )
    pending = vertex.deploy(run.clients, region, request, f"deploy {endpoint.name} in {region}")
    if pending is not None:
        run.state.save_operation(key, pending)
    return pending


def _clean_up_attempt(
    run: StepContext, region: str, name: str, failed: operations.OperationRef | None = None
) -> None:
    """Delete what a failed deploy left in `region`: the endpoint it created, if nothing is deployed on it
    (never someone's serving endpoint), and the model it uploaded (the operation's metadata names it)."""
    found = find_endpoint(run.clients, run.state, run.spec, region, name)
    if found is not None and not found.deployed_models:
        delete_endpoint_and_models(run.clients, found, run.deadline_s)
    model = deploy_model_of(run.clients, run.project, failed) if failed is not None else None
    if model:
        delete_models(run.clients, [model], run.deadline_s)


def wait_for_model(run: StepContext, endpoint: vertex.EndpointInfo) -> vertex.EndpointInfo:
    """An endpoint without a deployed model whose deploy operation we lost (crash before it was saved):
    the deployment may still be in flight, so poll the endpoint itself, within the deadline."""
    start = time.monotonic()
    while time.monotonic() - start < run.deadline_s:
        current = vertex.get_endpoint(run.clients, endpoint.name)
        if current is not None and current.deployed_models:
            return current
        time.sleep(operations.poll_delay(time.monotonic() - start))
    raise ProvisionError(
        f"endpoint {endpoint.name} has no deployed model after {run.deadline_s:.0f}s",
        "its deployment was started by an earlier run whose operation was not recorded, and has not finished",
        "run `provision destroy --spec FILE` for this environment, then apply again",
    )

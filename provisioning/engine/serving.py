"""Self-hosted endpoints: one Model Garden `:deploy` per spec endpoint, found again (never duplicated) by the
operation saved in state, by its user-chosen endpoint id (the spec name), or by its display name and labels,
in the region state recorded, its own region or a fallback region. A deploy that fails for GPU capacity or
quota moves on to the next fallback region (provisioning/failover.py) after deleting what it left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provisioning.drift import endpoint_drift, serving_labels
from provisioning.engine.labels import keep_expiry, ours, resource_labels, same_ignoring_expiry
from provisioning.engine.teardown import delete_endpoint_and_models
from provisioning.errors import GoogleApiError, ProvisionError
from provisioning.failover import capacity_failure, region_choices
from provisioning.gcp import operations, vertex
from provisioning.gcp.lazy import lazy_module
from provisioning.recommend import shape_for_spec_endpoint
from provisioning.serving import Container, serving_plan
from provisioning.spec import EndpointSpec, EnvironmentSpec

if TYPE_CHECKING:
    from google.cloud import aiplatform_v1beta1 as v1beta1

    from provisioning.engine.apply import Apply
    from provisioning.engine.state import StateFile
    from provisioning.gcp.clients import Clients
else:
    v1beta1 = lazy_module("google.cloud.aiplatform_v1beta1")


def container_spec(container: Container | None) -> v1beta1.ModelContainerSpec | None:
    if container is None:
        return None
    return v1beta1.ModelContainerSpec(
        image_uri=container.image_uri,
        command=list(container.command),
        args=list(container.args),
        env=[v1beta1.EnvVar(name=name, value=value) for name, value in container.env],
        ports=[v1beta1.Port(container_port=container.port)],
        predict_route=container.predict_route,
        health_route=container.health_route,
    )


def deploy_request(
    project: str, region: str, endpoint: EndpointSpec, hf_token: str | None
) -> v1beta1.DeployRequest:
    """The Model Garden deploy of one spec endpoint, on the shape `provision plan` recommends for it."""
    shape = shape_for_spec_endpoint(endpoint, region).shape
    plan = serving_plan(endpoint, shape.count)
    model_config = v1beta1.DeployRequest.ModelConfig(
        accept_eula=endpoint.accept_eula,
        hugging_face_access_token=hf_token or "",
        model_display_name=endpoint.name,
        container_spec=container_spec(plan.container),
    )
    request = v1beta1.DeployRequest(
        destination=f"projects/{project}/locations/{region}",
        model_config=model_config,
        endpoint_config=v1beta1.DeployRequest.EndpointConfig(
            endpoint_display_name=endpoint.name,
            # Dedicated is the default; the deprecated dedicated_endpoint_enabled=False does not turn it off.
            dedicated_endpoint_disabled=not endpoint.dedicated_endpoint,
            endpoint_user_id=endpoint.name,
        ),
        deploy_config=v1beta1.DeployRequest.DeployConfig(
            dedicated_resources=v1beta1.DedicatedResources(
                machine_spec=v1beta1.MachineSpec(
                    machine_type=shape.machine_type,
                    accelerator_type=shape.accelerator,
                    accelerator_count=shape.count,
                ),
                min_replica_count=endpoint.min_replicas,
                max_replica_count=endpoint.max_replicas,
                spot=endpoint.spot,
            )
        ),
    )
    if plan.publisher_model:
        request.publisher_model_name = plan.publisher_model
    else:
        request.hugging_face_model_id = plan.huggingface_id
    return request


@dataclass(frozen=True)
class Lookup:
    found: vertex.EndpointInfo | None
    namesakes: tuple[vertex.EndpointInfo, ...] = ()  # same display name but not ours: never touched


def is_spec_endpoint(endpoint: vertex.EndpointInfo, spec: EnvironmentSpec, name: str) -> bool:
    """Whether `endpoint` is the spec endpoint `name`: its user id is the spec name (apply sets it), or it
    has that display name and our labels (another team's endpoint may share the display name)."""
    return endpoint.endpoint_id == name or (endpoint.display_name == name and ours(endpoint.labels, spec))


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
    return list(dict.fromkeys([*first, spec.endpoint_region(endpoint), *spec.fallback_regions]))


def ensure_endpoint(run: Apply, endpoint: EndpointSpec) -> str:
    key = f"endpoint:{endpoint.name}"
    resized = resume_replicas(run, endpoint)
    found = None
    if run.state.operation(key) is None:
        for region in endpoint_regions(run.spec, run.state, endpoint):
            found = find_endpoint(run.clients, run.state, run.spec, region, endpoint.name)
            if found is not None:
                break
    outcome = "deployed (exists)"
    if found is None:
        found, outcome = deploy_with_failover(run, endpoint)
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


def _replicas_key(endpoint: EndpointSpec) -> str:
    return f"replicas:{endpoint.name}"


def resume_replicas(run: Apply, endpoint: EndpointSpec) -> str:
    """Finish a replica change an earlier, interrupted run started (its operation is in state)."""
    pending = run.state.operation(_replicas_key(endpoint))
    if pending is None:
        return ""
    run.finish(_replicas_key(endpoint), pending, f"set replicas of endpoint {endpoint.name}")
    return "replicas set (resumed)"


def reconcile(
    run: Apply, endpoint: EndpointSpec, found: vertex.EndpointInfo
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


def deploy_with_failover(run: Apply, endpoint: EndpointSpec) -> tuple[vertex.EndpointInfo, str]:
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
    run: Apply, endpoint: EndpointSpec, region: str, key: str
) -> operations.OperationRef | None:
    """Start the Model Garden deploy in `region` and save its operation; None when it already exists."""
    request = deploy_request(run.project, region, endpoint, run.hf_tokens.get(endpoint.name))
    machine = request.deploy_config.dedicated_resources.machine_spec
    run.reporter.note(
        key,
        f"deploying {endpoint.model} on {machine.machine_type} ({machine.accelerator_type.name}) in {region}",
    )
    try:
        pending = vertex.deploy(run.clients, region, request, f"deploy {endpoint.name} in {region}")
    except GoogleApiError as error:
        if error.status != "ALREADY_EXISTS":
            raise
        return None
    run.state.save_operation(key, pending)
    return pending


def _clean_up_attempt(
    run: Apply, region: str, name: str, failed: operations.OperationRef | None = None
) -> None:
    """Delete what a failed deploy left in `region`: the endpoint it created, if nothing is deployed on it
    (never someone's serving endpoint), and the model it uploaded (the operation's metadata names it)."""
    found = find_endpoint(run.clients, run.state, run.spec, region, name)
    if found is not None and not found.deployed_models:
        delete_endpoint_and_models(run.clients, found, run.deadline_s)
    if failed is None:
        return
    model_id = operations.get_operation(run.clients, failed, f"read {failed.name}").metadata.get("modelId")
    if model_id:
        model = f"projects/{run.project}/locations/{region}/models/{model_id}"
        ref = vertex.delete_model(run.clients, model)
        if ref is not None:
            operations.wait(run.clients, ref, f"delete model {model}", deadline_s=run.deadline_s)


def wait_for_model(run: Apply, endpoint: vertex.EndpointInfo) -> vertex.EndpointInfo:
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

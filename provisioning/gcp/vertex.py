"""Vertex AI: endpoints (v1), Model Garden deploy (v1beta1 `:deploy`), and the Model Garden calls no GAPIC
client has (`:enableModel`, EULA check/accept), over raw REST with the same credentials and retries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions as core_exceptions
from google.protobuf import field_mask_pb2

from provisioning.gcp.clients import Clients
from provisioning.gcp.lazy import lazy_module
from provisioning.gcp.operations import OperationRef

if TYPE_CHECKING:
    from google.cloud import aiplatform_v1, aiplatform_v1beta1
else:
    aiplatform_v1 = lazy_module("google.cloud.aiplatform_v1")
    aiplatform_v1beta1 = lazy_module("google.cloud.aiplatform_v1beta1")


@dataclass(frozen=True)
class DeployedModelInfo:
    id: str
    model: str  # projects/P/locations/L/models/ID
    display_name: str = ""
    system_labels: dict[str, str] = field(default_factory=dict)  # where a Pulumi-made deployment's labels are
    machine_type: str = ""
    accelerator_type: str = ""  # the enum name, e.g. NVIDIA_L4
    accelerator_count: int = 0
    min_replicas: int = 0
    max_replicas: int = 0


@dataclass(frozen=True)
class EndpointInfo:
    name: str  # projects/P/locations/L/endpoints/ID
    display_name: str
    labels: dict[str, str] = field(default_factory=dict)
    dedicated_dns: str = ""
    deployed_models: tuple[DeployedModelInfo, ...] = ()

    @property
    def endpoint_id(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    @property
    def location(self) -> str:
        return self.name.split("/")[3]


def _endpoint_info(endpoint: aiplatform_v1.Endpoint) -> EndpointInfo:
    return EndpointInfo(
        name=endpoint.name,
        display_name=endpoint.display_name,
        labels=dict(endpoint.labels),
        dedicated_dns=endpoint.dedicated_endpoint_dns,
        deployed_models=tuple(_deployed_model_info(d) for d in endpoint.deployed_models),
    )


def _deployed_model_info(deployed: aiplatform_v1.DeployedModel) -> DeployedModelInfo:
    resources = deployed.dedicated_resources
    machine = resources.machine_spec
    return DeployedModelInfo(
        deployed.id,
        deployed.model,
        deployed.display_name,
        dict(deployed.system_labels),
        machine_type=machine.machine_type,
        accelerator_type=machine.accelerator_type.name if machine.accelerator_type else "",
        accelerator_count=machine.accelerator_count,
        min_replicas=resources.min_replica_count,
        max_replicas=resources.max_replica_count,
    )


def endpoint_name(project: str, location: str, endpoint_id: str) -> str:
    return f"projects/{project}/locations/{location}/endpoints/{endpoint_id}"


def get_endpoint(clients: Clients, name: str) -> EndpointInfo | None:
    """The endpoint, or None when it does not exist."""
    location = name.split("/")[3]

    def read() -> aiplatform_v1.Endpoint | None:
        try:
            return clients.endpoints(location).get_endpoint(name=name)
        except core_exceptions.NotFound:
            return None

    found = clients.call(read, f"read endpoint {name}")
    return _endpoint_info(found) if found is not None else None


def list_endpoints(
    clients: Clients, project: str, location: str, labels: dict[str, str] | None = None
) -> list[EndpointInfo]:
    """Endpoints in one location, keeping those that carry every label in `labels`."""
    wanted = labels or {}
    request = aiplatform_v1.ListEndpointsRequest(
        parent=f"projects/{project}/locations/{location}",
        filter=" AND ".join(f'labels.{k}="{v}"' for k, v in wanted.items()),
    )

    def read() -> list[EndpointInfo]:
        return [_endpoint_info(e) for e in clients.endpoints(location).list_endpoints(request=request)]

    found = clients.call(read, f"list endpoints of {project} in {location}", project=project)
    return [e for e in found if all(e.labels.get(k) == v for k, v in wanted.items())]


def set_endpoint_labels(clients: Clients, endpoint: EndpointInfo, labels: dict[str, str]) -> None:
    update = aiplatform_v1.Endpoint(name=endpoint.name, display_name=endpoint.display_name, labels=labels)
    mask = field_mask_pb2.FieldMask(paths=["labels"])
    clients.call(
        lambda: clients.endpoints(endpoint.location).update_endpoint(endpoint=update, update_mask=mask),
        f"label endpoint {endpoint.name}",
    )


def deploy(
    clients: Clients, location: str, request: aiplatform_v1beta1.DeployRequest, what: str
) -> OperationRef | None:
    """Model Garden `:deploy` (v1beta1): one call creates the endpoint, the model and the deployment. The
    request must choose the endpoint's id (`endpoint_user_id`): that is how an attempt whose reply was lost
    is found again (the deploy takes no request id). None when that endpoint exists already."""
    endpoint_id = request.endpoint_config.endpoint_user_id
    if not endpoint_id:
        raise ValueError("a Model Garden deploy needs endpoint_config.endpoint_user_id (exactly once)")
    name = f"{request.destination}/endpoints/{endpoint_id}"
    op = clients.create(
        lambda: clients.model_garden(location).deploy(request=request),
        lambda: get_endpoint(clients, name) is not None,
        what,
    )
    return OperationRef.from_gapic(op, "aiplatform", "v1beta1") if op is not None else None


def undeploy_model(clients: Clients, endpoint: EndpointInfo, deployed_model_id: str) -> OperationRef:
    op = clients.call(
        lambda: clients.endpoints(endpoint.location).undeploy_model(
            endpoint=endpoint.name, deployed_model_id=deployed_model_id
        ),
        f"undeploy model {deployed_model_id} from {endpoint.name}",
    )
    return OperationRef.from_gapic(op, "aiplatform")


def set_replicas(
    clients: Clients, endpoint: EndpointInfo, deployed_model_id: str, minimum: int, maximum: int
) -> OperationRef:
    """`:mutateDeployedModel`: change only the replica bounds of a deployment (its machine cannot change)."""
    deployed = aiplatform_v1.DeployedModel(
        id=deployed_model_id,
        dedicated_resources=aiplatform_v1.DedicatedResources(
            min_replica_count=minimum, max_replica_count=maximum
        ),
    )
    mask = field_mask_pb2.FieldMask(
        paths=["dedicated_resources.min_replica_count", "dedicated_resources.max_replica_count"]
    )
    op = clients.call(
        lambda: clients.endpoints(endpoint.location).mutate_deployed_model(
            endpoint=endpoint.name, deployed_model=deployed, update_mask=mask
        ),
        f"set replicas of {deployed_model_id} on {endpoint.name} to {minimum}..{maximum}",
    )
    return OperationRef.from_gapic(op, "aiplatform")


def delete_endpoint(clients: Clients, name: str) -> OperationRef | None:
    """Start deleting the endpoint; None when it was already gone."""
    location = name.split("/")[3]

    def start() -> Any:
        try:
            return clients.endpoints(location).delete_endpoint(name=name)
        except core_exceptions.NotFound:
            return None

    op = clients.call(start, f"delete endpoint {name}")
    return OperationRef.from_gapic(op, "aiplatform") if op is not None else None


def delete_model(clients: Clients, name: str) -> OperationRef | None:
    """Start deleting the model; None when it was already gone."""
    location = name.split("/")[3]

    def start() -> Any:
        try:
            return clients.models(location).delete_model(name=name)
        except core_exceptions.NotFound:
            return None

    op = clients.call(start, f"delete model {name}")
    return OperationRef.from_gapic(op, "aiplatform") if op is not None else None


def enable_model(clients: Clients, project: str, location: str, publisher_model: str) -> str:
    """Model Garden `:enableModel` (synchronous); returns the enablement state name."""
    answer = clients.rest(
        "POST",
        "aiplatform",
        f"/v1beta1/projects/{project}/{publisher_model}:enableModel",
        f"enable {publisher_model} in Model Garden for {project}",
        location=location,
        json={},
        project=project,
    )
    return str(answer.get("enablementState", "ENABLEMENT_STATE_UNSPECIFIED"))


def eula_accepted(clients: Clients, project: str, location: str, publisher_model: str) -> bool:
    answer = clients.rest(
        "POST",
        "aiplatform",
        f"/v1beta1/projects/{project}/modelGardenEula:check",
        f"check the EULA of {publisher_model} for {project}",
        location=location,
        json={"publisherModel": publisher_model},
        project=project,
    )
    return bool(answer.get("publisherModelEulaAcked", False))


def accept_eula(clients: Clients, project: str, location: str, publisher_model: str) -> None:
    clients.rest(
        "POST",
        "aiplatform",
        f"/v1beta1/projects/{project}/modelGardenEula:accept",
        f"accept the EULA of {publisher_model} for {project}",
        location=location,
        json={"publisherModel": publisher_model},
        project=project,
    )


def get_model_labels(clients: Clients, name: str) -> dict[str, str] | None:
    """The labels of model `name` (projects/P/locations/L/models/ID), None when it does not exist."""
    location = name.split("/")[3]

    def read() -> aiplatform_v1.Model | None:
        try:
            return clients.models(location).get_model(name=name)
        except core_exceptions.NotFound:
            return None

    found = clients.call(read, f"read model {name}")
    return dict(found.labels) if found is not None else None


def set_model_labels(clients: Clients, name: str, labels: dict[str, str]) -> None:
    location = name.split("/")[3]
    update = aiplatform_v1.Model(name=name, labels=labels)
    mask = field_mask_pb2.FieldMask(paths=["labels"])
    clients.call(
        lambda: clients.models(location).update_model(model=update, update_mask=mask),
        f"label model {name}",
    )

"""ServingEndpoint: one self-deployed open model on a dedicated Vertex AI endpoint (Model Garden deploy).

pulumi-gcp 10.2 gives this resource no labels field on the endpoint; `deploy_config.system_labels` is the
only label map it sends, so our labels (expires-at included, which the policy relies on) go there; Vertex
keeps them on the deployed model, where `provision reap` looks when an endpoint carries no labels of ours.
It also exposes no dedicated DNS, so the DNS is read back with `gcp.vertex.AiEndpoint.get` (a read of the
endpoint the deploy created, never managed or deleted by this stack).

Every value comes from provisioning/desired/endpoint.py, the `:deploy` body `provision apply` sends. Two of
its fields have no pulumi-gcp argument: `endpointUserId` (so the endpoint id is Vertex's number, not the spec
name) and `dedicatedEndpointDisabled`. Model Garden makes a dedicated endpoint unless that field says
otherwise (the deprecated `dedicatedEndpointEnabled=false` does not turn it off), so a spec with
`dedicated_endpoint: false` is refused here, before any resource, instead of getting a dedicated endpoint it
did not ask for while the outputs pointed at the shared host.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pulumi
import pulumi_gcp as gcp

from infra.containers import container_spec
from provisioning.desired import endpoint as desired_endpoint
from provisioning.desired import model_access as desired_access
from provisioning.errors import BadInputError
from provisioning.outputs import endpoint_base_url
from provisioning.spec import EndpointSpec, EnvironmentSpec

TYPE = "vertexbootstrap:index:ServingEndpoint"
# Terraform's own create timeout for this resource is 180 min; GPU stockouts and big weights need most of it.
TIMEOUTS = pulumi.CustomTimeouts(create="3h", update="40m", delete="40m")
# Computed at first deploy; re-computing it on every `pulumi up` would replace the endpoint each time.
IGNORED = ['deployConfig.systemLabels["expires-at"]']

Deployment = gcp.vertex.AiEndpointWithModelGardenDeployment
ModelConfig = gcp.vertex.AiEndpointWithModelGardenDeploymentModelConfigArgs
DeployConfig = gcp.vertex.AiEndpointWithModelGardenDeploymentDeployConfigArgs
DedicatedResources = gcp.vertex.AiEndpointWithModelGardenDeploymentDeployConfigDedicatedResourcesArgs
MachineSpec = gcp.vertex.AiEndpointWithModelGardenDeploymentDeployConfigDedicatedResourcesMachineSpecArgs
EndpointConfig = gcp.vertex.AiEndpointWithModelGardenDeploymentEndpointConfigArgs


@dataclass(frozen=True)
class ServingEndpointArgs:
    endpoint: EndpointSpec
    region: str
    request: dict[str, Any]  # the desired `:deploy` body, without the Hugging Face token
    publisher_model: str | None  # the catalog's Model Garden name: its enablement gates the deploy

    @classmethod
    def from_spec(cls, spec: EnvironmentSpec, endpoint: EndpointSpec, now: datetime) -> ServingEndpointArgs:
        region = spec.endpoint_region(endpoint)
        request = desired_endpoint.deploy_request(spec, endpoint, region, now)
        if request["endpointConfig"]["dedicatedEndpointDisabled"]:
            raise BadInputError(
                f"endpoints[{endpoint.name}]: dedicated_endpoint: false cannot be deployed with Pulumi",
                "Model Garden deploys a dedicated endpoint unless dedicatedEndpointDisabled is set, and "
                "pulumi-gcp's AiEndpointWithModelGardenDeployment has no such argument",
                f"use `provision apply` for this spec, or set dedicated_endpoint: true on {endpoint.name} "
                "(call it on its dedicated DNS, as the outputs say)",
            )
        uses = [u for u in desired_access.uses(spec) if u.used_by == f"endpoint:{endpoint.name}"]
        return cls(endpoint, region, request, uses[0].publisher_model if uses else None)


class ServingEndpoint(pulumi.ComponentResource):
    """Outputs `endpoint_id`, `dedicated_dns` and `target` (one entry of the outputs contract)."""

    endpoint_id: pulumi.Output[str]
    dedicated_dns: pulumi.Output[str | None]
    target: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        args: ServingEndpointArgs,
        project_id: pulumi.Input[str],
        hf_token: pulumi.Output[str] | None,
        after: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`hf_token` must already be a secret; `after`: the aiplatform Service and the model's enablement."""
        super().__init__(TYPE, name, None, opts)
        endpoint, request = args.endpoint, args.request
        model, deploy = request["modelConfig"], request["deployConfig"]
        resources = deploy["dedicatedResources"]
        artifact = (
            {"publisher_model_name": request["publisherModelName"]}
            if "publisherModelName" in request
            else {"hugging_face_model_id": request["huggingFaceModelId"]}
        )
        deployment = Deployment(
            name,
            project=project_id,
            location=args.region,
            **artifact,
            model_config=ModelConfig(
                accept_eula=model["acceptEula"],
                model_display_name=model["modelDisplayName"],
                hugging_face_access_token=hf_token,
                container_spec=container_spec(model.get("containerSpec")),
            ),
            deploy_config=DeployConfig(
                dedicated_resources=DedicatedResources(
                    machine_spec=MachineSpec(
                        machine_type=resources["machineSpec"]["machineType"],
                        accelerator_type=resources["machineSpec"]["acceleratorType"],
                        accelerator_count=resources["machineSpec"]["acceleratorCount"],
                    ),
                    min_replica_count=resources["minReplicaCount"],
                    max_replica_count=resources["maxReplicaCount"],
                    spot=resources["spot"],
                ),
                system_labels=deploy["systemLabels"],
            ),
            endpoint_config=EndpointConfig(
                endpoint_display_name=request["endpointConfig"]["endpointDisplayName"],
                dedicated_endpoint_enabled=True,  # from_spec refused dedicatedEndpointDisabled
            ),
            deletion_policy="DELETE",
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(after),
                custom_timeouts=TIMEOUTS,
                ignore_changes=IGNORED,
                additional_secret_outputs=["modelConfig"],
            ),
        )
        self.endpoint_id = deployment.endpoint
        found = gcp.vertex.AiEndpoint.get(
            f"{name}-lookup",
            pulumi.Output.concat(
                "projects/", project_id, "/locations/", args.region, "/endpoints/", deployment.endpoint
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.dedicated_dns = found.dedicated_endpoint_dns.apply(_host)
        self.target = pulumi.Output.all(project_id, self.endpoint_id, self.dedicated_dns).apply(
            lambda values: _target(endpoint, args.region, *values)
        )
        self.register_outputs(
            {"endpoint_id": self.endpoint_id, "dedicated_dns": self.dedicated_dns, "target": self.target}
        )


def _host(dns: str | None) -> str | None:
    """Documented as `https://{id}.{region}-{number}.prediction.vertexai.goog`; keep the host only."""
    return dns.removeprefix("https://").rstrip("/") if dns else None


def _target(
    endpoint: EndpointSpec, region: str, project: str, endpoint_id: str, dns: str | None
) -> dict[str, str]:
    target = {
        "name": endpoint.name,
        "kind": "endpoint",
        "framework": endpoint.framework,
        "base_url": endpoint_base_url(project, region, endpoint_id, dns),
        "model": "",
        "endpoint_id": endpoint_id,
    }
    if dns:
        target["dedicated_dns"] = dns
    return target

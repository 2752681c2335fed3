"""ServingEndpoint: one self-deployed open model on a dedicated Vertex AI endpoint (Model Garden deploy).

pulumi-gcp 10.2 gives this resource no labels field on the endpoint; `deploy_config.system_labels` is the
only label map it sends, so our labels (expires-at included, which the policy relies on) go there; Vertex
keeps them on the deployed model, where `provision reap` looks when an endpoint carries no labels of ours.
It also exposes no dedicated DNS, so the DNS is read back with `gcp.vertex.AiEndpoint.get` (a read of the
endpoint the deploy created, never managed or deleted by this stack).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pulumi
import pulumi_gcp as gcp

from infra.containers import container_spec
from infra.labels import expiring_labels
from provisioning.catalog import MachineShape, load_catalog
from provisioning.outputs import endpoint_base_url
from provisioning.recommend import shape_for_spec_endpoint
from provisioning.serving import ServingPlan, serving_plan
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
    shape: MachineShape
    plan: ServingPlan
    labels: dict[str, str]

    @property
    def publisher_model(self) -> str | None:
        """The catalog's Model Garden name: its enablement (EULA) gates the deploy, whatever is sent."""
        weights = load_catalog().models[self.endpoint.model].open
        return weights.publisher_model if weights else None

    @classmethod
    def from_spec(cls, spec: EnvironmentSpec, endpoint: EndpointSpec, now: datetime) -> ServingEndpointArgs:
        region = spec.endpoint_region(endpoint)
        shape = shape_for_spec_endpoint(endpoint, region).shape
        return cls(
            endpoint=endpoint,
            region=region,
            shape=shape,
            plan=serving_plan(endpoint, shape.count),
            labels=expiring_labels(spec, now),
        )


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
        endpoint, shape = args.endpoint, args.shape
        deployment = Deployment(
            name,
            project=project_id,
            location=args.region,
            **(
                {"publisher_model_name": args.plan.publisher_model}
                if args.plan.publisher_model
                else {"hugging_face_model_id": args.plan.huggingface_id}
            ),
            model_config=ModelConfig(
                accept_eula=endpoint.accept_eula,
                hugging_face_access_token=hf_token,
                container_spec=container_spec(args.plan.container),
            ),
            deploy_config=DeployConfig(
                dedicated_resources=DedicatedResources(
                    machine_spec=MachineSpec(
                        machine_type=shape.machine_type,
                        accelerator_type=shape.accelerator,
                        accelerator_count=shape.count,
                    ),
                    min_replica_count=endpoint.min_replicas,
                    max_replica_count=endpoint.max_replicas,
                    spot=endpoint.spot,
                ),
                system_labels=args.labels,
            ),
            endpoint_config=EndpointConfig(
                endpoint_display_name=endpoint.name, dedicated_endpoint_enabled=endpoint.dedicated_endpoint
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
        if endpoint.dedicated_endpoint:
            found = gcp.vertex.AiEndpoint.get(
                f"{name}-lookup",
                pulumi.Output.concat(
                    "projects/", project_id, "/locations/", args.region, "/endpoints/", deployment.endpoint
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.dedicated_dns = found.dedicated_endpoint_dns.apply(_host)
        else:
            self.dedicated_dns = pulumi.Output.from_input(None)
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

"""ModelAccess: Model Garden enablement for each managed (MaaS) model and each gated model deployed.

`AiModelGardenEnableModel` is a beta resource. pulumi-gcp is built on the google-beta provider, so there is
no separate beta provider; the resource has no location field and its API host comes from the provider's
region, so it runs through an explicit provider pinned to the spec's region, not a laptop's `gcp:region`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from provisioning.catalog import load_catalog
from provisioning.errors import SpecError
from provisioning.spec import EnvironmentSpec

TYPE = "vertexbootstrap:index:ModelAccess"


@dataclass(frozen=True)
class ModelAccessArgs:
    region: str
    publisher_models: list[str]

    @classmethod
    def from_spec(cls, spec: EnvironmentSpec) -> ModelAccessArgs:
        catalog = load_catalog()
        wanted: set[str] = set()
        for maas in spec.maas_models:
            offer = catalog.models[maas.name].maas
            assert offer is not None
            wanted.add(offer.publisher_model)
        for endpoint in spec.endpoints:
            weights = catalog.models[endpoint.model].open
            assert weights is not None
            if not weights.eula:
                continue
            if not endpoint.accept_eula:
                raise SpecError(
                    f"endpoints[{endpoint.name}]: {endpoint.model} is released under a licence (EULA) "
                    "that must be accepted before it can be deployed",
                    "the spec does not accept it, so the deploy would fail after the GPUs were requested",
                    f"read the model's licence, then set accept_eula: true on endpoint {endpoint.name}",
                )
            if weights.publisher_model:
                wanted.add(weights.publisher_model)
        return cls(region=spec.region, publisher_models=sorted(wanted))


class ModelAccess(pulumi.ComponentResource):
    """`apis` are the Service resources the enablements wait for (aiplatform and, for MaaS, procurement).
    `enabled(publisher_model)` is the enablement a deploy of that model must wait for (or None)."""

    def __init__(
        self,
        name: str,
        args: ModelAccessArgs,
        project_id: pulumi.Input[str],
        apis: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        provider = gcp.Provider(
            "model-garden", project=project_id, region=args.region, opts=pulumi.ResourceOptions(parent=self)
        )
        child = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=list(apis))
        self._enabled = {
            publisher_model: gcp.vertex.AiModelGardenEnableModel(
                "enable-" + publisher_model.rpartition("/")[2],
                project=project_id,
                publisher_model_name=publisher_model,
                opts=child,
            )
            for publisher_model in args.publisher_models
        }
        self.register_outputs(
            {key: resource.enablement_state for key, resource in sorted(self._enabled.items())}
        )

    def enabled(self, publisher_model: str | None) -> gcp.vertex.AiModelGardenEnableModel | None:
        return self._enabled.get(publisher_model) if publisher_model else None

"""ModelAccess: Model Garden enablement for each managed (MaaS) model and each gated model deployed.

Which models, and where, is provisioning/desired/model_access.py's `enablements` (the list `provision apply`
enables MaaS models from; for a gated open model apply accepts the licence in the deploy itself).
`AiModelGardenEnableModel` is a beta resource. pulumi-gcp is built on the google-beta provider, so there is
no separate beta provider; the resource has no location field and its API host comes from the provider's
region, so it runs through an explicit provider pinned to each location, not a laptop's `gcp:region`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from provisioning.desired import model_access as desired_access
from provisioning.errors import SpecError
from provisioning.spec import EnvironmentSpec

TYPE = "vertexbootstrap:index:ModelAccess"


@dataclass(frozen=True)
class ModelAccessArgs:
    region: str
    enablements: dict[str, str]  # publisher model → location

    @classmethod
    def from_spec(cls, spec: EnvironmentSpec) -> ModelAccessArgs:
        wanted: dict[str, str] = {}
        for use in desired_access.enablements(spec):
            if use.used_by.startswith("endpoint:") and not use.accept_eula:
                name = use.used_by.partition(":")[2]
                raise SpecError(
                    f"endpoints[{name}]: {use.publisher_model} is released under a licence (EULA) "
                    "that must be accepted before it can be deployed",
                    "the spec does not accept it, so the deploy would fail after the GPUs were requested",
                    f"read the model's licence, then set accept_eula: true on endpoint {name}",
                )
            wanted.setdefault(use.publisher_model, use.location)
        return cls(region=spec.region, enablements=dict(sorted(wanted.items())))


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
        providers: dict[str, gcp.Provider] = {}
        for location in dict.fromkeys(args.enablements.values()):
            suffix = "" if location == args.region else f"-{location}"
            providers[location] = gcp.Provider(
                f"model-garden{suffix}",
                project=project_id,
                region=location,
                opts=pulumi.ResourceOptions(parent=self),
            )
        self._enabled = {
            publisher_model: gcp.vertex.AiModelGardenEnableModel(
                "enable-" + publisher_model.rpartition("/")[2],
                project=project_id,
                publisher_model_name=publisher_model,
                opts=pulumi.ResourceOptions(parent=self, provider=providers[location], depends_on=list(apis)),
            )
            for publisher_model, location in args.enablements.items()
        }
        self.register_outputs(
            {key: resource.enablement_state for key, resource in sorted(self._enabled.items())}
        )

    def enabled(self, publisher_model: str | None) -> gcp.vertex.AiModelGardenEnableModel | None:
        return self._enabled.get(publisher_model) if publisher_model else None

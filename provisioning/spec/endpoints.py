"""`endpoints:`: the open models served on dedicated endpoints, with the GPU shape and replicas."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from provisioning.catalog import load_catalog
from provisioning.hf_token import refused_variable
from provisioning.spec.fields import RegionName, ResourceName, Strict, matches

_ENV_VAR = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")
MAAS_ROUTE_ID = "openapi"  # .../endpoints/openapi is the shared MaaS base URL: no endpoint may take the name
MAX_REPLICAS = 100


def _not_a_credential_variable(value: str) -> str:
    reason = refused_variable(value)
    if reason:
        raise ValueError(reason)
    return value


class EndpointSpec(Strict):
    name: ResourceName
    model: str
    framework: Literal["vllm", "tgi"] = "vllm"
    region: RegionName | None = None
    machine_type: str | None = None
    accelerator_type: str | None = None
    accelerator_count: Annotated[int, Field(ge=1, le=8)] | None = None
    tensor_parallel_size: Annotated[int, Field(ge=1, le=8)] | None = None
    min_replicas: Annotated[int, Field(ge=1, le=MAX_REPLICAS)] = 1
    max_replicas: Annotated[int, Field(ge=1, le=MAX_REPLICAS)] = 1
    dedicated_endpoint: bool = True
    spot: bool = False
    accept_eula: bool = False
    hf_token_env: (
        Annotated[
            str,
            matches(_ENV_VAR, "an environment variable name such as HF_TOKEN"),
            AfterValidator(_not_a_credential_variable),
        ]
        | None
    ) = None
    container_args: list[str] | None = None

    @field_validator("name")
    @classmethod
    def _not_the_maas_route(cls, value: str) -> str:
        if value == MAAS_ROUTE_ID:
            raise ValueError(
                f"{MAAS_ROUTE_ID!r} is the path of the shared MaaS base URL (.../endpoints/{MAAS_ROUTE_ID}); "
                "an endpoint with that id would collide with it: pick another name"
            )
        return value

    @field_validator("model")
    @classmethod
    def _known_open_model(cls, value: str) -> str:
        known = load_catalog().open_models()
        if value not in known:
            raise ValueError(f"not a self-deployable model in the catalog; known: {', '.join(known)}")
        return value

    @field_validator("machine_type")
    @classmethod
    def _known_machine_type(cls, value: str | None) -> str | None:
        if value is None:
            return None
        known = sorted({s.machine_type for s in load_catalog().machine_shapes.values()})
        if value not in known:
            raise ValueError(
                f"not a Vertex GPU serving machine type in the catalog; known: {', '.join(known)}"
            )
        return value

    @field_validator("accelerator_type")
    @classmethod
    def _known_accelerator(cls, value: str | None) -> str | None:
        if value is None:
            return None
        known = sorted(load_catalog().accelerators)
        if value not in known:
            raise ValueError(f"unknown accelerator; known: {', '.join(known)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EndpointSpec:
        if self.max_replicas < self.min_replicas:
            raise ValueError(f"max_replicas: {self.max_replicas} is below min_replicas ({self.min_replicas})")
        if self.machine_type is not None:
            shapes = load_catalog().shapes_for_machine_type(self.machine_type)
            if self.accelerator_type and all(s.accelerator != self.accelerator_type for s in shapes):
                offered = ", ".join(sorted({s.accelerator for s in shapes}))
                raise ValueError(
                    f"accelerator_type: {self.machine_type} comes with {offered}, not {self.accelerator_type}"
                )
            if self.accelerator_count and all(s.count != self.accelerator_count for s in shapes):
                counts = ", ".join(str(s.count) for s in shapes)
                raise ValueError(
                    f"accelerator_count: {self.machine_type} has {counts} GPU(s), "
                    f"not {self.accelerator_count}"
                )
        elif self.accelerator_type or self.accelerator_count:
            raise ValueError(
                "machine_type: needed with accelerator_type/accelerator_count (or leave all three out)"
            )
        return self

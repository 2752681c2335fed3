"""`maas_models:`: the managed (model-as-a-service) models to enable, and where each is called."""

from __future__ import annotations

from pydantic import field_validator, model_validator

from provisioning.catalog import load_catalog
from provisioning.spec.fields import Strict


class MaasModelSpec(Strict):
    name: str
    location: str | None = None
    accept_eula: bool = False

    @field_validator("name")
    @classmethod
    def _known_maas_model(cls, value: str) -> str:
        known = load_catalog().maas_models()
        if value not in known:
            raise ValueError(f"not a managed (MaaS) model in the catalog; known: {', '.join(known)}")
        return value

    @model_validator(mode="after")
    def _served_location(self) -> MaasModelSpec:
        offer = load_catalog().models[self.name].maas
        assert offer is not None
        if self.location is not None and self.location not in offer.locations:
            raise ValueError(
                f"location: {self.location!r} does not serve {self.name}; "
                f"it is served in: {', '.join(offer.locations)}"
            )
        return self

"""Model Garden access: the publisher models a spec uses, and the enablements (`:enableModel`, the EULA) they
need before a call or a deploy. The one answer to "which publisher models does this spec need"."""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.catalog import load_catalog
from provisioning.spec import EnvironmentSpec


@dataclass(frozen=True)
class PublisherModelUse:
    publisher_model: str  # publishers/{publisher}/models/{model}, as Model Garden names it
    location: str  # where it is called (MaaS) or deployed (an endpoint's region)
    used_by: str  # "maas:<name>" or "endpoint:<name>"
    gated: bool  # a MaaS offer, or open weights under a licence: enabled (EULA accepted) before use
    accept_eula: bool  # what the spec says about the licence


def uses(spec: EnvironmentSpec) -> list[PublisherModelUse]:
    """Every use of a publisher model, MaaS models first, in spec order."""
    catalog = load_catalog()
    found: list[PublisherModelUse] = []
    for maas in spec.maas_models:
        offer = catalog.models[maas.name].maas
        assert offer is not None  # the spec validator admits only MaaS models here
        location = spec.maas_location(maas)
        found.append(
            PublisherModelUse(offer.publisher_model, location, f"maas:{maas.name}", True, maas.accept_eula)
        )
    for endpoint in spec.endpoints:
        weights = catalog.models[endpoint.model].open
        assert weights is not None  # the spec validator admits only open models for endpoints
        if weights.publisher_model:
            found.append(
                PublisherModelUse(
                    weights.publisher_model,
                    spec.endpoint_region(endpoint),
                    f"endpoint:{endpoint.name}",
                    bool(weights.eula),
                    endpoint.accept_eula,
                )
            )
    return found


def publisher_models(spec: EnvironmentSpec) -> list[str]:
    """The publisher models the spec uses, each once, in spec order (what doctor reads)."""
    return list(dict.fromkeys(use.publisher_model for use in uses(spec)))


def enablements(spec: EnvironmentSpec) -> list[PublisherModelUse]:
    """The uses that need Model Garden enablement first: every MaaS model, and every gated model deployed."""
    return [use for use in uses(spec) if use.gated]


def eula_body(use: PublisherModelUse) -> dict[str, str]:
    """The body of `modelGardenEula:check` and `:accept`."""
    return {"publisherModel": use.publisher_model}

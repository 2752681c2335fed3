"""Region failover for self-deployed endpoints: where apply may deploy one, in order, and which deploy
failures move it on to the next region. Pure (spec + catalog); apply, doctor and plan share it.

The order is explicit, as in SkyPilot's failover: the endpoint's own region, then the spec's
`fallback_regions` in the spec's order. Nothing else is tried: a region the spec does not name is never
deployed to. Each region gets the shape `provision plan` recommends for it (the spec's machine_type, if set,
everywhere); a region whose catalog entry lacks that shape's GPU is skipped with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.catalog import load_catalog
from provisioning.errors import GoogleApiError
from provisioning.recommend import EndpointShape, shape_for_spec_endpoint
from provisioning.spec import EndpointSpec, EnvironmentSpec


@dataclass(frozen=True)
class RegionChoice:
    region: str
    shape: EndpointShape
    skip: str = ""  # why apply does not try this region ("" when it does)


def offers(region: str, accelerator: str) -> bool:
    catalog = load_catalog()
    return region in catalog.regions and accelerator in catalog.regions[region].gpus


def fallback_order(spec: EnvironmentSpec, region: str, accelerator: str) -> list[str]:
    """The spec's fallback regions offering `accelerator`, in the spec's order, `region` left out."""
    return [r for r in spec.fallback_regions if r != region and offers(r, accelerator)]


def candidate_regions(spec: EnvironmentSpec, endpoint: EndpointSpec) -> list[str]:
    """Where apply may deploy the endpoint, in order: its own region, then the spec's fallback regions; so
    also where it may be found once applied."""
    return list(dict.fromkeys([spec.endpoint_region(endpoint), *spec.fallback_regions]))


def region_choices(spec: EnvironmentSpec, endpoint: EndpointSpec) -> list[RegionChoice]:
    """The endpoint's region, then each fallback region, with the shape for each and why one is skipped."""
    choices = []
    for region in candidate_regions(spec, endpoint):
        shape = shape_for_spec_endpoint(endpoint, region)
        gpu = shape.shape.accelerator
        skip = "" if offers(region, gpu) else f"{gpu} is not offered for Vertex serving there (catalog)"
        choices.append(RegionChoice(region, shape, skip))
    return choices


def capacity_failure(error: GoogleApiError) -> str:
    """Why a deploy failure is worth trying another region for ("" when it is not): a GPU stockout (the
    deploy operation's RESOURCE_EXHAUSTED) or serving quota (429 "The following quotas are exceeded")."""
    if error.status != "RESOURCE_EXHAUSTED":
        return ""
    if "quota" in error.why.lower():
        return "serving GPU quota exhausted"
    return "no GPU capacity (stockout)"

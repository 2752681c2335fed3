"""Which GPU machine shape an endpoint runs on. ONE function, to be swapped for the catalog recommendation
(`provisioning.recommend.recommend_shape`, on branch `doctor`) once that lands.
"""

from __future__ import annotations

from provisioning.catalog import MachineShape, load_catalog
from provisioning.errors import BadInputError
from provisioning.spec import EndpointSpec

HEADROOM = 1.2  # weights × 1.2: room for activations and a modest KV cache


def choose_shape(endpoint: EndpointSpec, region: str) -> MachineShape:
    """The spec's machine type when given, else the cheapest shape offered in `region` whose GPUs hold the
    weights with headroom (params × bytes_per_param × 1.2)."""
    catalog = load_catalog()
    if endpoint.machine_type:
        shapes = catalog.shapes_for_machine_type(endpoint.machine_type)
        if endpoint.accelerator_type:
            shapes = [s for s in shapes if s.accelerator == endpoint.accelerator_type]
        return shapes[0]
    weights = catalog.models[endpoint.model].open
    assert weights is not None
    need_gib = weights.params_billion * weights.bytes_per_param * HEADROOM
    offered = catalog.regions[region].gpus
    fitting = [
        s
        for s in catalog.machine_shapes.values()
        if s.accelerator in offered
        and s.count * catalog.accelerators[s.accelerator].memory_gib >= need_gib
        and (endpoint.tensor_parallel_size is None or s.count == endpoint.tensor_parallel_size)
    ]
    if not fitting:
        raise BadInputError(
            f"no GPU shape in {region} holds {endpoint.model} ({need_gib:.0f} GiB with headroom)",
            fix="set machine_type in the spec, or another region for this endpoint",
        )
    return min(fitting, key=lambda s: (s.price_per_hour_usd, s.count))

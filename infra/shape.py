"""Which GPU machine shape an endpoint is served on.

Stop-gap until the doctor's `provisioning.catalog.recommend_shape` lands: the spec's machine type when it
names one, else the cheapest catalog shape in the region whose GPU memory holds the weights with 20% headroom.
"""

from __future__ import annotations

from provisioning.catalog import MachineShape, load_catalog
from provisioning.errors import SpecError
from provisioning.spec import EndpointSpec

HEADROOM = 1.2
_GIB = 1024**3


def weights_gib(model: str) -> float:
    """Memory the weights need, with headroom: params × bytes per param × 1.2, in GiB."""
    weights = load_catalog().models[model].open
    assert weights is not None, f"{model} is not an open model"
    return weights.params_billion * 1e9 * weights.bytes_per_param * HEADROOM / _GIB


def serving_shape(endpoint: EndpointSpec, region: str) -> MachineShape:
    catalog = load_catalog()
    if endpoint.machine_type:
        shapes = [
            s
            for s in catalog.shapes_for_machine_type(endpoint.machine_type)
            if endpoint.accelerator_type in (None, s.accelerator)
            and endpoint.accelerator_count in (None, s.count)
        ]
        return min(shapes, key=lambda s: s.price_per_hour_usd)
    need = weights_gib(endpoint.model)
    offered = catalog.regions[region].gpus
    fitting = [
        s
        for s in catalog.machine_shapes.values()
        if s.accelerator in offered and catalog.accelerators[s.accelerator].memory_gib * s.count >= need
    ]
    if not fitting:
        raise SpecError(
            f"endpoints[{endpoint.name}]: no catalog GPU shape in {region} holds {endpoint.model}",
            f"the weights need about {need:.0f} GiB of GPU memory",
            "pick another region, or set machine_type to a larger shape",
        )
    return min(fitting, key=lambda s: (s.price_per_hour_usd, s.machine_type))

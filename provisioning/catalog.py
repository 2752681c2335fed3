"""The reviewed catalog (GPU shapes, regions, quota metrics, prices, models), loaded from data/catalog.yaml.

Pure: no I/O beyond reading the packaged data file once.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Accelerator(_Frozen):
    memory_gib: float
    compute_capability: float
    quota_metric: str
    quota_id: str
    spot_quota_metric: str | None = None
    spot_quota_id: str | None = None

    def quota(self, spot: bool = False) -> tuple[str, str]:
        """(metric, quota id) counting this GPU for Vertex serving; spot VMs use the preemptible pair."""
        if spot and self.spot_quota_metric and self.spot_quota_id:
            return self.spot_quota_metric, self.spot_quota_id
        return self.quota_metric, self.quota_id


class Region(_Frozen):
    gpus: tuple[str, ...]


class MachineShape(_Frozen):
    machine_type: str
    accelerator: str
    count: int
    price_per_hour_usd: float


class MaasOffer(_Frozen):
    model: str
    publisher_model: str
    locations: tuple[str, ...]
    features: tuple[str, ...] = ()


class OpenWeights(_Frozen):
    huggingface_id: str
    publisher_model: str | None = None
    params_billion: float
    bytes_per_param: float
    context_tokens: int
    min_compute_capability: float = 0.0
    layers: int
    attention_heads: int
    kv_heads: int
    head_dim: int
    eula: bool = False


class ServingPolicy(_Frozen):
    """How much GPU memory a served model needs besides its weights (see provisioning/recommend.py)."""

    gpu_memory_utilization: dict[str, float]
    runtime_overhead_gib_per_gpu: float
    kv_cache_bytes_per_value: float
    default_context_tokens: int


class Model(_Frozen):
    maas: MaasOffer | None = None
    open: OpenWeights | None = None


class Catalog(_Frozen):
    prices_read_on: str
    price_source: str
    price_region: str
    serving: ServingPolicy
    accelerators: dict[str, Accelerator]
    regions: dict[str, Region]
    machine_shapes: dict[str, MachineShape]
    models: dict[str, Model]

    def maas_models(self) -> list[str]:
        return sorted(name for name, m in self.models.items() if m.maas)

    def open_models(self) -> list[str]:
        return sorted(name for name, m in self.models.items() if m.open)

    def shapes_for_machine_type(self, machine_type: str) -> list[MachineShape]:
        return [s for s in self.machine_shapes.values() if s.machine_type == machine_type]

    def regions_offering(self, accelerator: str) -> list[str]:
        return sorted(name for name, region in self.regions.items() if accelerator in region.gpus)


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    text = resources.files("provisioning").joinpath("data/catalog.yaml").read_text(encoding="utf-8")
    # libyaml's loader (in PyYAML's wheels) reads the catalog about 7x faster than the pure-Python one:
    # 45 -> 7 ms, most of `provision validate`'s time after the imports.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return Catalog.model_validate(yaml.load(text, Loader=loader))

"""Estimated cost per hour of a spec: endpoints × replicas × the shape's list price; MaaS is per token."""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.catalog import load_catalog
from provisioning.recommend import EndpointShape
from provisioning.spec import EnvironmentSpec


@dataclass(frozen=True)
class EndpointCost:
    endpoint: str
    shape: str
    price_per_hour_usd: float
    min_replicas: int
    max_replicas: int

    @property
    def min_per_hour(self) -> float:
        return self.price_per_hour_usd * self.min_replicas

    @property
    def max_per_hour(self) -> float:
        return self.price_per_hour_usd * self.max_replicas


@dataclass(frozen=True)
class CostEstimate:
    endpoints: tuple[EndpointCost, ...]
    maas_models: tuple[str, ...]
    prices_read_on: str
    price_region: str

    @property
    def min_per_hour(self) -> float:
        return sum(e.min_per_hour for e in self.endpoints)

    @property
    def max_per_hour(self) -> float:
        return sum(e.max_per_hour for e in self.endpoints)

    def lines(self) -> list[str]:
        lines = [
            f"{e.endpoint}: {e.shape} ${e.price_per_hour_usd:.2f}/h × {e.min_replicas}..{e.max_replicas} "
            f"replicas = ${e.min_per_hour:.2f}..${e.max_per_hour:.2f}/h"
            for e in self.endpoints
        ]
        lines.append(
            f"endpoints total: ${self.min_per_hour:.2f}/h (min replicas) .. ${self.max_per_hour:.2f}/h "
            f"(max replicas); {self.price_region} list prices read {self.prices_read_on}, estimates only"
        )
        if self.maas_models:
            lines.append(
                f"MaaS ({', '.join(self.maas_models)}): billed per token, no hourly cost "
                "(see https://cloud.google.com/vertex-ai/generative-ai/pricing)"
            )
        return lines

    def to_json(self) -> dict[str, object]:
        return {
            "endpoints": [
                {
                    "endpoint": e.endpoint,
                    "shape": e.shape,
                    "price_per_hour_usd": e.price_per_hour_usd,
                    "min_replicas": e.min_replicas,
                    "max_replicas": e.max_replicas,
                    "min_per_hour_usd": round(e.min_per_hour, 4),
                    "max_per_hour_usd": round(e.max_per_hour, 4),
                }
                for e in self.endpoints
            ],
            "min_per_hour_usd": round(self.min_per_hour, 4),
            "max_per_hour_usd": round(self.max_per_hour, 4),
            "maas_per_token": list(self.maas_models),
            "prices_read_on": self.prices_read_on,
            "price_region": self.price_region,
        }


def estimate_cost(spec: EnvironmentSpec, shapes: dict[str, EndpointShape]) -> CostEstimate:
    catalog = load_catalog()
    return CostEstimate(
        endpoints=tuple(
            EndpointCost(
                e.name,
                shapes[e.name].shape_name,
                shapes[e.name].shape.price_per_hour_usd,
                e.min_replicas,
                e.max_replicas,
            )
            for e in spec.endpoints
            if e.name in shapes
        ),
        maas_models=tuple(m.name for m in spec.maas_models),
        prices_read_on=catalog.prices_read_on,
        price_region=catalog.price_region,
    )

"""The APIs (Service Usage `services.batchEnable` `serviceIds`) the spec needs on its project."""

from __future__ import annotations

from provisioning.spec import EnvironmentSpec


def service_ids(spec: EnvironmentSpec) -> list[str]:
    """Every service to enable, aiplatform first, without duplicates (the spec decides which)."""
    return spec.required_apis()

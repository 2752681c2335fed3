"""GPU stockouts: how many GPUs of one type a region can still hand out, across every project.

Seed section `gpu_capacity` (default: none, so capacity is unlimited), one document per region and GPU type:

    gpu_capacity:
      - {name: us-central1/NVIDIA_L4, gpus: 0}      # L4 stocked out in us-central1

`POST /_emulator/seed` with the same section changes it at run time. Quota is the project's allowance and is
checked when a deploy is accepted (429 at once); capacity is the region's hardware and, as on Google, is only
found missing when the deploy operation tries to place the replicas, minutes later: the operation ends with
`error.code` 8 (RESOURCE_EXHAUSTED), the endpoint it created stays behind, empty (python-aiplatform#1041).

The message is the one Vertex AI jobs report on a stockout ("Resources are insufficient in region:
us-central1", quoted in public repositories' Vertex AI training logs and troubleshooting notes); the words
before it are Vertex's serving phrasing as users report it. UNCONFIRMED for Model Garden / deployModel
operations: the exact text, and whether Google's operation error carries any detail, could not be checked
here. Compute Engine's own stockout is ZONE_RESOURCE_POOL_EXHAUSTED ("does not have enough resources
available to fulfill the request", cloud.google.com/compute/docs/troubleshooting/troubleshooting-resource-
availability); Vertex serving does not expose zones, so the region is named instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.errors import ApiError
from emulator.services.vertex.records import ENDPOINTS

if TYPE_CHECKING:
    from emulator.state import EmulatorState

CAPACITY = "gpu_capacity"  # the seed section's collection, keyed "{region}/{acceleratorType}"


def held_gpus(deployment: dict[str, Any]) -> tuple[str, int]:
    """(accelerator type, GPUs) a deployment holds at its minimum replica count."""
    resources = deployment["deployedModel"].get("dedicatedResources") or {}
    spec = resources.get("machineSpec") or {}
    count = int(spec.get("acceleratorCount") or 0) * int(resources.get("minReplicaCount") or 1)
    return str(spec.get("acceleratorType") or ""), count


def in_use(state: EmulatorState, region: str, accelerator: str) -> int:
    """GPUs of `accelerator` held by ready deployments in `region`, every project together."""
    total = 0
    for record in state.store.list(ENDPOINTS):
        if record["endpoint"]["name"].split("/")[3] != region:
            continue
        for deployment in record["deployments"].values():
            kind, count = held_gpus(deployment)
            if deployment["ready"] and kind == accelerator:
                total += count
    return total


def check_capacity(state: EmulatorState, region: str, deployment: dict[str, Any]) -> None:
    """Raise the stockout error when placing `deployment` in `region` would pass the seeded capacity."""
    accelerator, wanted = held_gpus(deployment)
    if not accelerator or not wanted:
        return
    seeded = state.store.get(CAPACITY, f"{region}/{accelerator}")
    if seeded is None:
        return
    if in_use(state, region, accelerator) + wanted > int(seeded.get("gpus", 0)):
        raise stockout(region)


def stockout(region: str) -> ApiError:
    return ApiError(
        "RESOURCE_EXHAUSTED",
        "Machine type temporarily unavailable, please deploy with a different machine type or retry. "
        f"8: Resources are insufficient in region: {region}. Please try a different region.",
    )

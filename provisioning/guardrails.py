"""The guard rails on GPU endpoints, one rule each, shared by both engines: `provision apply` checks them on
the spec before its first call (provisioning/doctor/offline.py), `pulumi up` on the resource graph before it
registers anything (infra/policy.py). Pure: the same inputs give the same rule, message and fix in both.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.spec import EnvironmentSpec


@dataclass(frozen=True)
class Breach:
    rule: str
    message: str
    fix: str


def gpu_endpoint_breaches(
    endpoint: str, *, has_gpu: bool, expires: bool, max_replicas: int | None
) -> list[Breach]:
    """A GPU endpoint must stop (an expires-at label, from the spec's ttl) and stop growing (max replicas)."""
    if not has_gpu:
        return []
    found = []
    if not expires:
        found.append(
            Breach(
                "gpu-expires-at",
                "GPU endpoint without an expires-at label (nothing says when to stop paying for it)",
                "set ttl: in the spec (e.g. ttl: 72h); `provision reap` undeploys it after that",
            )
        )
    if not max_replicas:
        found.append(
            Breach(
                "gpu-max-replicas",
                "GPU endpoint without max replicas (autoscaling has no ceiling)",
                f"set max_replicas: on endpoint {endpoint} in the spec",
            )
        )
    return found


def spec_endpoint_breaches(spec: EnvironmentSpec, endpoint: str) -> list[Breach]:
    """The rules on a spec endpoint as the CLI engine deploys it: every catalog serving shape has GPUs, and
    its labels carry expires-at exactly when the spec has a ttl."""
    found = next(e for e in spec.endpoints if e.name == endpoint)
    return gpu_endpoint_breaches(
        endpoint, has_gpu=True, expires=spec.ttl is not None, max_replicas=found.max_replicas
    )

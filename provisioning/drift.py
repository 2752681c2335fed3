"""How a deployed endpoint differs from its spec: pure, shared by `provision plan` and `provision apply`.

Replica bounds can change in place (`:mutateDeployedModel`); the machine, accelerator, model and framework
cannot, so a difference there means a new deployment. The machine comes from the deployed model itself; the
model and framework from two labels apply puts on the endpoint (an endpoint without them is not judged on
those two fields: nothing on a deployed model names its weights reliably).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from provisioning.catalog import MachineShape
from provisioning.desired.labels import is_expired, ours
from provisioning.gcp.vertex import EndpointInfo
from provisioning.spec import EndpointSpec, EnvironmentSpec

SERVING_MODEL = "serving-model"
SERVING_FRAMEWORK = "serving-framework"
_LABEL_VALUE_MAX = 63


def label_value(text: str) -> str:
    """`text` as a label value (lowercase letters, digits, `_`, `-`; at most 63 characters)."""
    return re.sub(r"[^a-z0-9_-]", "_", text.lower())[:_LABEL_VALUE_MAX]


def serving_labels(endpoint: EndpointSpec) -> dict[str, str]:
    """What the endpoint serves, as labels, so a later plan or apply can tell when the spec moved on."""
    return {SERVING_MODEL: label_value(endpoint.model), SERVING_FRAMEWORK: endpoint.framework}


def is_spec_endpoint(endpoint: EndpointInfo, spec: EnvironmentSpec, name: str) -> bool:
    """Whether `endpoint` is the spec endpoint `name`: its user id is the spec name (apply sets it), or it
    has that display name and our labels (another team's endpoint may share the display name)."""
    return endpoint.endpoint_id == name or (endpoint.display_name == name and ours(endpoint.labels, spec))


def emptied_because(found: EndpointInfo, served: bool, now: datetime) -> str:
    """Why an endpoint with nothing deployed is over rather than in flight ("" when it may still be
    deploying, or serves a model): state recorded the models it `served` (its deploy finished), or its
    expires-at passed (what `provision reap` undeploys). apply deletes such an endpoint and deploys again."""
    if found.deployed_models:
        return ""
    if served:
        return "its model was undeployed after apply deployed it"
    return "its expires-at passed (reaped)" if is_expired(found.labels, now) else ""


@dataclass(frozen=True)
class Drift:
    replace: tuple[str, ...] = ()  # "machine_type g2-standard-12 → g2-standard-24": needs a new deployment
    update: tuple[str, ...] = ()  # "min_replicas 1 → 2": changed in place

    @property
    def none(self) -> bool:
        return not self.replace and not self.update


def _changes(pairs: list[tuple[str, object, object]]) -> tuple[str, ...]:
    """`field old → new` for each (field, deployed, wanted) that differs, unless old is unknown (empty)."""
    return tuple(f"{name} {old} → {new}" for name, old, new in pairs if old not in ("", 0) and old != new)


def endpoint_drift(endpoint: EndpointSpec, shape: MachineShape, found: EndpointInfo) -> Drift:
    """Compare the first deployed model of `found` with the spec and the shape apply would deploy it on."""
    if not found.deployed_models:
        return Drift()
    deployed = found.deployed_models[0]
    wanted = serving_labels(endpoint)
    replace = _changes(
        [
            ("model", found.labels.get(SERVING_MODEL, ""), wanted[SERVING_MODEL]),
            ("framework", found.labels.get(SERVING_FRAMEWORK, ""), wanted[SERVING_FRAMEWORK]),
            ("machine_type", deployed.machine_type, shape.machine_type),
            ("accelerator_type", deployed.accelerator_type, shape.accelerator),
            ("accelerator_count", deployed.accelerator_count, shape.count),
        ]
    )
    update = _changes(
        [
            ("min_replicas", deployed.min_replicas, endpoint.min_replicas),
            ("max_replicas", deployed.max_replicas, endpoint.max_replicas),
        ]
    )
    return Drift(replace, update)

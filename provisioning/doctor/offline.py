"""The findings doctor makes from the spec and the catalog alone, and apply's refusal built on the same calls.

`endpoint_findings` is what doctor evaluates for each endpoint (with its reads) and what apply evaluates
before its first call (without them): whatever fails with no read at all (a model too big for its GPU, a
tensor parallelism the machine cannot hold, a GPU no region of the spec offers, an EULA the spec does not
accept, a GPU endpoint with no ttl) fails the same way with reads, so apply refuses exactly what doctor calls
blocking before spending anything.
"""

from __future__ import annotations

from provisioning.doctor import checks
from provisioning.doctor.findings import Finding, Status
from provisioning.doctor.observe import Observations
from provisioning.errors import BadInputError
from provisioning.guardrails import spec_endpoint_breaches
from provisioning.recommend import EndpointShape, shape_for_spec_endpoint
from provisioning.spec import EndpointSpec, EnvironmentSpec


def resolve_shapes(spec: EnvironmentSpec) -> dict[str, EndpointShape | BadInputError]:
    """Each endpoint's machine shape (the spec's, or the recommendation); the refusal when nothing fits."""
    resolved: dict[str, EndpointShape | BadInputError] = {}
    for e in spec.endpoints:
        try:
            resolved[e.name] = shape_for_spec_endpoint(e, spec.endpoint_region(e))
        except BadInputError as refusal:
            resolved[e.name] = refusal
    return resolved


def usable_shapes(resolved: dict[str, EndpointShape | BadInputError]) -> dict[str, EndpointShape]:
    return {name: s for name, s in resolved.items() if isinstance(s, EndpointShape)}


def endpoint_findings(
    spec: EnvironmentSpec,
    endpoint: EndpointSpec,
    shape: EndpointShape | BadInputError,
    obs: Observations | None,
) -> list[Finding]:
    """Fit, region, model access and the guard rails of one endpoint; `obs` None = nothing was read."""
    findings = [checks.model_fit(endpoint, shape)]
    if isinstance(shape, EndpointShape):
        findings.append(checks.gpu_region(spec, endpoint, shape, obs))
    findings.append(checks.open_model(spec, endpoint, obs))
    step = f"endpoint:{endpoint.name}"
    findings += [
        Finding(f"{b.rule}:{endpoint.name}", Status.FAIL, b.message, b.fix, step)
        for b in spec_endpoint_breaches(spec, endpoint.name)
    ]
    return findings


def refuse_blocking_findings(spec: EnvironmentSpec) -> None:
    """Raise (exit 2, before any call) when a finding that needs no read already says apply would fail."""
    resolved = resolve_shapes(spec)
    blocking = [
        f
        for e in spec.endpoints
        for f in endpoint_findings(spec, e, resolved[e.name], None)
        if f.status is Status.FAIL
    ]
    if not blocking:
        return
    raise BadInputError(
        f"apply refused: {len(blocking)} problem(s) in the spec that doctor calls blocking; "
        "nothing was sent to Google Cloud",
        "".join(f"\n    - {f.id}: {f.evidence}\n      fix: {f.fix}" for f in blocking),
        "change the spec as each line says (`provision doctor --spec FILE` shows the same findings)",
    )

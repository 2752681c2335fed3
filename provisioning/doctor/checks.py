"""Turn observations into findings. Pure: spec + catalog + what was read → findings, evidence, fixes.

Over 400 lines because it is a catalogue: one short function per finding, read one at a time.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

from provisioning.catalog import load_catalog
from provisioning.doctor.findings import Finding, Status
from provisioning.doctor.observe import Observations, Outcome
from provisioning.errors import BadInputError, GoogleApiError
from provisioning.failover import fallback_order
from provisioning.gcp.quotas import QuotaReading, RegionQuota
from provisioning.recommend import EndpointShape, context_from_args, recommend_shape
from provisioning.spec import EndpointSpec, EnvironmentSpec

CONSOLE = "https://console.cloud.google.com"


def _read_failed(id_: str, what: str, error: GoogleApiError, step: str) -> Finding:
    return Finding(id_, Status.UNKNOWN, f"could not read {what}: {error.why or error.what}", error.fix, step)


def credentials(obs: Observations) -> Finding:
    """The token source, and whether the target took it: a rejected token or no answer stops every check."""
    if obs.token_error is not None:
        return Finding("credentials", Status.FAIL, obs.token_error.what, obs.token_error.fix)
    error = obs.project.error if obs.project else None
    if error is not None and error.status == "UNAUTHENTICATED":
        return Finding(
            "credentials",
            Status.FAIL,
            f"{obs.target} rejected the token from {obs.token_source}: {error.why}",
            error.fix or "gcloud auth print-access-token > FILE, then --access-token-file FILE",
        )
    if error is not None and error.status == "UNAVAILABLE" and error.status_code is None:
        return Finding(
            "credentials",
            Status.FAIL,
            f"no answer from {obs.target}: {error.why}",
            "check --api-endpoint / PROVISION_API_ENDPOINT (is the emulator running?) and the network",
        )
    return Finding("credentials", Status.OK, f"token from {obs.token_source}; target: {obs.target}")


def project(spec: EnvironmentSpec, obs: Observations) -> Finding:
    pid = spec.project.id
    assert obs.project is not None
    if obs.project.error is not None:
        return Finding(
            "project",
            Status.UNKNOWN,
            f"cannot read project {pid}: {obs.project.error.why}; project ids are global, so this is either "
            "someone else's project or one you lack resourcemanager.projects.get on",
            f"pick another project.id, or get roles/browser on {pid}",
            "project",
        )
    found = obs.project.value
    if found is None:
        if spec.project.adopt:
            return Finding(
                "project",
                Status.FAIL,
                f"adopt: true but project {pid} does not exist",
                f"fix project.id, get roles/browser on {pid}, or set adopt: false (and a billing_account)",
                "project",
            )
        if obs.project_hidden:
            return Finding(
                "project",
                Status.OK,
                f"{pid} is not visible to this identity (403): it does not exist yet, or belongs to someone "
                "else; apply creates it (a taken id fails there with ALREADY_EXISTS)",
                step="project",
            )
        return Finding("project", Status.OK, f"{pid} does not exist yet; apply creates it", step="project")
    if found.state != "ACTIVE":
        return Finding(
            "project",
            Status.FAIL,
            f"{pid} is {found.state}",
            f"gcloud projects undelete {pid}  (or choose another project.id)",
            "project",
        )
    labels = found.labels
    if spec.project.adopt:
        return Finding("project", Status.OK, f"{pid} exists ({found.name}); adopted", step="project")
    if labels.get("managed-by") == "provision" and labels.get("environment") == spec.environment:
        return Finding(
            "project", Status.OK, f"{pid} exists, created by provision for {spec.environment}", step="project"
        )
    return Finding(
        "project",
        Status.FAIL,
        f"{pid} already exists and was not created by provision for environment {spec.environment} "
        f"(labels: {labels or 'none'}); apply would refuse to take it over",
        "set project.adopt: true if this project is yours, or choose another project.id",
        "project",
    )


def billing_account(spec: EnvironmentSpec, obs: Observations) -> Finding | None:
    account = spec.project.billing_account
    if account is None or obs.billing_account is None:
        return None
    if obs.billing_account.error is not None:
        return _read_failed("billing-account", account, obs.billing_account.error, "billing")
    found = obs.billing_account.value
    if found is None:
        return Finding(
            "billing-account",
            Status.FAIL,
            f"{account} does not exist or you cannot see it",
            "gcloud billing accounts list  (then set project.billing_account to an open one you can use)",
            "billing",
        )
    if not found.open:
        return Finding(
            "billing-account",
            Status.FAIL,
            f"{account} ({found.display_name}) is closed",
            f"reopen it at {CONSOLE}/billing, or set project.billing_account to an open account "
            "(gcloud billing accounts list --filter=open=true)",
            "billing",
        )
    return Finding("billing-account", Status.OK, f"{account} ({found.display_name}) is open", step="billing")


def billing_enabled(spec: EnvironmentSpec, obs: Observations) -> Finding:
    pid = spec.project.id
    account = spec.project.billing_account
    link = f"gcloud billing projects link {pid} --billing-account {(account or 'ACCOUNT').split('/')[-1]}"
    if obs.project_unreadable:
        return Finding("billing-enabled", Status.UNKNOWN, f"{pid} could not be read", step="billing")
    if not obs.project_exists:
        return Finding(
            "billing-enabled", Status.OK, f"apply links {account} after creating {pid}", step="billing"
        )
    assert obs.billing_info is not None
    if obs.billing_info.error is not None:
        return _read_failed("billing-enabled", f"billing info of {pid}", obs.billing_info.error, "billing")
    info = obs.billing_info.value
    assert info is not None
    if info.billing_enabled and (account is None or info.billing_account == account):
        return Finding("billing-enabled", Status.OK, f"{pid} bills to {info.billing_account}", step="billing")
    if account is None:
        return Finding(
            "billing-enabled",
            Status.FAIL,
            f"billing is not enabled on {pid} and the spec names no billing_account to link",
            f"{link}, or set project.billing_account",
            "billing",
        )
    current = info.billing_account or "no account"
    state = "enabled" if info.billing_enabled else "not enabled"
    return Finding(
        "billing-enabled",
        Status.WARN,
        f"{pid} is linked to {current} (billing {state}); apply links {account}",
        link,
        "billing",
    )


def apis(spec: EnvironmentSpec, obs: Observations) -> list[Finding]:
    pid = spec.project.id
    required = spec.required_apis()
    if obs.project_unreadable:
        return [Finding("apis", Status.UNKNOWN, f"{pid} could not be read", step="apis")]
    if not obs.project_exists:
        return [
            Finding(f"api:{a}", Status.OK, "apply enables it on the new project", step="apis")
            for a in required
        ]
    assert obs.services is not None
    if obs.services.error is not None:
        return [_read_failed("apis", f"enabled APIs of {pid}", obs.services.error, "apis")]
    enabled = obs.services.value or set()
    return [
        Finding(f"api:{a}", Status.OK, "enabled", step="apis")
        if a in enabled
        else Finding(
            f"api:{a}",
            Status.WARN,
            "not enabled; apply enables it",
            f"gcloud services enable {a} --project {pid}",
            "apis",
        )
        for a in required
    ]


@dataclass(frozen=True)
class QuotaNeed:
    region: str
    accelerator: str
    spot: bool
    at_min: int
    at_max: int
    endpoints: tuple[str, ...]


def quota_needs(
    spec: EnvironmentSpec, shapes: dict[str, EndpointShape], placed: dict[str, str]
) -> list[QuotaNeed]:
    """GPUs each (region, GPU type, spot) must hold: accelerator count × min and × max replicas, summed; an
    endpoint `placed` (deployed, e.g. after a failover) needs them where it is."""
    sums: dict[tuple[str, str, bool], list[int]] = defaultdict(lambda: [0, 0])
    names: dict[tuple[str, str, bool], list[str]] = defaultdict(list)
    for e in spec.endpoints:
        if e.name not in shapes:
            continue
        shape = shapes[e.name].shape
        key = (placed.get(e.name) or spec.endpoint_region(e), shape.accelerator, e.spot)
        sums[key][0] += shape.count * e.min_replicas
        sums[key][1] += shape.count * e.max_replicas
        names[key].append(e.name)
    return [
        QuotaNeed(r, a, s, lo, hi, tuple(names[(r, a, s)])) for (r, a, s), (lo, hi) in sorted(sums.items())
    ]


def rank_fallbacks(spec: EnvironmentSpec, need: QuotaNeed, reading: QuotaReading | None) -> list[str]:
    """Regions that could take the endpoint instead: the spec's fallbacks first, then every other catalog
    region offering the GPU; those with enough free quota ahead of the rest. Prices are one region's list
    (catalog price_region), so regions tie on price and keep this order."""
    catalog = load_catalog()
    offering = set(catalog.regions_offering(need.accelerator)) - {need.region}
    ordered = fallback_order(spec, need.region, need.accelerator) + sorted(
        offering - set(spec.fallback_regions)
    )

    def describe(region: str) -> tuple[int, str]:
        if reading is None:
            return 1, f"{region} (quota unknown)"
        quota = reading.region(region)
        enough = quota.available >= need.at_max
        return (0 if enough else 1), f"{region} ({quota.available} free of {quota.limit})"

    return [text for _, text in sorted((describe(r) for r in ordered), key=lambda pair: pair[0])]


def failover_target(spec: EnvironmentSpec, need: QuotaNeed, reading: QuotaReading | None) -> str | None:
    """The fallback region apply would end in: the first of the spec's, in its order, offering the GPU with
    free quota for the minimum replicas (apply tries them in that order; see provisioning/failover.py)."""
    if reading is None:
        return None
    for region in fallback_order(spec, need.region, need.accelerator):
        if reading.region(region).available >= need.at_min:
            return region
    return None


def _failing_over(spec: EnvironmentSpec, need: QuotaNeed, reading: QuotaReading | None) -> str:
    region = failover_target(spec, need, reading)
    if region is None or reading is None:
        return ""
    free = reading.region(region)
    return (
        f"; apply will fail over to {region} ({free.available} free of {free.limit}, from fallback_regions)"
    )


def _quota_fix(spec: EnvironmentSpec, quota_id: str, region: str, wanted: int) -> str:
    pid = spec.project.id
    return (
        f"gcloud beta quotas preferences create --service=aiplatform.googleapis.com --quota-id={quota_id} "
        f"--preferred-value={wanted} --dimensions=region={region} --project={pid}  "
        f"(or {CONSOLE}/iam-admin/quotas?project={pid})"
    )


def quota(
    spec: EnvironmentSpec, need: QuotaNeed, outcome: Outcome[QuotaReading] | None, obs: Observations
) -> Finding:
    catalog = load_catalog()
    gpu = catalog.accelerators[need.accelerator]
    _, quota_id = gpu.quota(spot=need.spot)
    id_ = f"quota:{need.region}:{need.accelerator}{':spot' if need.spot else ''}"
    step = f"endpoint:{need.endpoints[0]}"
    wants = f"needs {need.at_min} GPU(s) at min replicas, {need.at_max} at max ({', '.join(need.endpoints)})"
    if need.accelerator not in catalog.regions[need.region].gpus:
        return Finding(
            id_, Status.OK, f"not applicable: {need.accelerator} is not offered in {need.region}", step=step
        )
    if not obs.project_exists and not obs.project_unreadable:
        return Finding(
            id_,
            Status.UNKNOWN,
            f"{wants}; the project does not exist yet, and new projects often start at 0 for {quota_id}",
            "after apply creates the project: " + _quota_fix(spec, quota_id, need.region, need.at_max),
            step,
        )
    if outcome is None or outcome.error is not None:
        error = outcome.error if outcome else None
        why = error.why if error else "not read"
        return Finding(
            id_,
            Status.UNKNOWN,
            f"{wants}; could not read {quota_id} or its usage: {why}",
            (error.fix if error and error.fix else "")
            or "gcloud services enable cloudquotas.googleapis.com monitoring.googleapis.com "
            f"--project {spec.project.id}",
            step,
        )
    reading = outcome.value
    assert reading is not None
    here: RegionQuota = reading.region(need.region)
    own = f" ({here.own} held by this environment's own endpoints, counted once)" if here.own else ""
    free = f"limit {here.limit} − usage {here.usage}{own} = {here.available} free"
    evidence = f"{quota_id} in {need.region}: {free}; {wants}"
    if here.available >= need.at_max:
        return Finding(id_, Status.OK, evidence, step=step)
    fallbacks = rank_fallbacks(spec, need, reading)
    alternatives = f"; other regions: {', '.join(fallbacks)}" if fallbacks else ""
    fix = _quota_fix(spec, quota_id, need.region, here.usage + need.at_max)
    if here.available >= need.at_min:
        return Finding(
            id_, Status.WARN, evidence + " (cannot scale to max replicas)" + alternatives, fix, step
        )
    failover = _failing_over(spec, need, reading)
    if failover:
        return Finding(id_, Status.WARN, evidence + failover, fix, step)
    return Finding(id_, Status.FAIL, evidence + alternatives, fix, step)


def gpu_region(
    spec: EnvironmentSpec, endpoint: EndpointSpec, shape: EndpointShape, obs: Observations | None
) -> Finding:
    """Whether the endpoint's region offers its GPU; if not, a WARN when apply can fail over (to a fallback
    region with quota, or one offering the GPU when quota was not read), else a FAIL."""
    catalog = load_catalog()
    region = spec.endpoint_region(endpoint)
    accelerator = shape.shape.accelerator
    id_ = f"gpu-region:{endpoint.name}"
    step = f"endpoint:{endpoint.name}"
    if accelerator in catalog.regions[region].gpus:
        return Finding(id_, Status.OK, f"{accelerator} is offered for Vertex serving in {region}", step=step)
    need = QuotaNeed(
        region,
        accelerator,
        endpoint.spot,
        shape.shape.count * endpoint.min_replicas,
        shape.shape.count * endpoint.max_replicas,
        (endpoint.name,),
    )
    outcome = obs.quotas.get((accelerator, endpoint.spot)) if obs else None
    reading = outcome.value if outcome else None
    fallbacks = rank_fallbacks(spec, need, reading)
    failover = _failing_over(spec, need, reading)
    untried = fallback_order(spec, region, accelerator)
    if not failover and reading is None and untried:
        failover = f"; apply will try {', '.join(untried)} (fallback_regions; their quota was not read)"
    return Finding(
        id_,
        Status.WARN if failover else Status.FAIL,
        f"{accelerator} ({shape.shape_name}) is not offered for Vertex serving in {region}{failover}",
        f"set endpoints[{endpoint.name}].region to one of: {', '.join(fallbacks) or 'none in the catalog'}",
        step,
    )


def model_fit(endpoint: EndpointSpec, shape: EndpointShape | BadInputError) -> Finding:
    id_ = f"model-fit:{endpoint.name}"
    step = f"endpoint:{endpoint.name}"
    if isinstance(shape, BadInputError):
        return Finding(id_, Status.FAIL, f"{shape.what}: {shape.why}", shape.fix, step)
    if shape.fit.fits:
        how = "spec's machine_type" if shape.chosen_by == "spec" else "recommended"
        return Finding(
            id_,
            Status.OK,
            f"{endpoint.model} on {shape.shape_name} ({how}): {shape.fit.arithmetic(shape.estimate)}",
            step=step,
        )
    return Finding(
        id_,
        Status.FAIL,
        f"{endpoint.model} does not fit {shape.shape_name}: {shape.fit.reason}",
        "remove machine_type to get the recommendation (`provision plan --explain`), "
        f"or {_fitting_hint(endpoint)}",
        step,
    )


def _fitting_hint(endpoint: EndpointSpec) -> str:
    try:
        rec = recommend_shape(
            endpoint.model,
            endpoint.framework,
            None,
            endpoint.tensor_parallel_size,
            context_from_args(endpoint.container_args),
        )
    except BadInputError:
        return "a shorter context (--max-model-len)"
    return f"machine_type: {rec.shape.machine_type} ({rec.shape.count} × {rec.shape.accelerator})"


def open_model(spec: EnvironmentSpec, endpoint: EndpointSpec, obs: Observations | None) -> Finding:
    """EULA and Hugging Face token the deploy will need, and that Model Garden knows the model."""
    weights = load_catalog().models[endpoint.model].open
    assert weights is not None
    id_ = f"model:{endpoint.name}"
    step = f"endpoint:{endpoint.name}"
    if weights.eula and not endpoint.accept_eula:
        return Finding(
            id_,
            Status.FAIL,
            f"{endpoint.model} has a licence (EULA) to accept and the spec does not accept it; "
            "the deploy is refused",
            f"read the licence of {weights.huggingface_id}, "
            f"then set accept_eula: true on endpoint {endpoint.name}",
            step,
        )
    if endpoint.hf_token_env and not os.environ.get(endpoint.hf_token_env):
        return Finding(
            id_,
            Status.WARN,
            f"{endpoint.hf_token_env} is not set here; gated weights ({weights.huggingface_id}) "
            "need a Hugging Face token",
            f"export {endpoint.hf_token_env}=hf_...  (a read token from https://huggingface.co/settings/tokens)",
            step,
        )
    if weights.publisher_model is None:
        return Finding(id_, Status.OK, f"deployed from Hugging Face ({weights.huggingface_id})", step=step)
    outcome = obs.publisher_models.get(weights.publisher_model) if obs else None
    if outcome is None:
        return Finding(id_, Status.UNKNOWN, f"{weights.publisher_model}: not read", step=step)
    if outcome.error is not None:
        return _read_failed(id_, weights.publisher_model, outcome.error, step)
    if outcome.value is None:
        return Finding(
            id_,
            Status.FAIL,
            f"Model Garden does not know {weights.publisher_model}",
            "check the model's name in the catalog against Model Garden",
            step,
        )
    return Finding(id_, Status.OK, f"{weights.publisher_model} is in Model Garden", step=step)


def maas(spec: EnvironmentSpec, obs: Observations) -> list[Finding]:
    catalog = load_catalog()
    pid = spec.project.id
    findings = []
    for model in spec.maas_models:
        offer = catalog.models[model.name].maas
        assert offer is not None
        location = spec.maas_location(model)
        id_ = f"maas:{model.name}"
        step = f"maas:{model.name}"
        garden = f"{CONSOLE}/vertex-ai/publishers/{offer.publisher_model.split('/')[1]}/model-garden/" + (
            offer.publisher_model.rsplit("/", 1)[-1] + f"?project={pid}"
        )
        outcome = obs.publisher_models.get(offer.publisher_model)
        if outcome is not None and outcome.error is not None:
            findings.append(_read_failed(id_, offer.publisher_model, outcome.error, step))
            continue
        if outcome is not None and outcome.value is None:
            findings.append(
                Finding(id_, Status.FAIL, f"Model Garden does not know {offer.publisher_model}", garden, step)
            )
            continue
        probe = obs.probes.get(model.name)
        if probe is None:
            findings.append(
                Finding(
                    id_,
                    Status.UNKNOWN,
                    f"{offer.publisher_model} exists (served in {location}); whether {pid} may call it "
                    "has no read API: unknown, apply will enable it "
                    "(`doctor --probe-maas` sends one 1-token call to find out)",
                    f"apply enables it; or click Enable at {garden}",
                    step,
                )
            )
        elif probe.error is not None:
            findings.append(_read_failed(id_, f"a probe of {offer.model}", probe.error, step))
        elif probe.value is not None and probe.value.enabled:
            findings.append(
                Finding(id_, Status.OK, f"{offer.model} answered a 1-token call in {location}", step=step)
            )
        elif probe.value is not None and probe.value.enabled is False:
            findings.append(
                Finding(
                    id_,
                    Status.WARN,
                    f"{pid} is not allowed to use {offer.publisher_model} yet (FAILED_PRECONDITION on chat); "
                    "apply enables it",
                    f"apply enables it; or click Enable at {garden}",
                    step,
                )
            )
        else:
            error = probe.value.error if probe.value else None
            findings.append(
                Finding(
                    id_,
                    Status.UNKNOWN,
                    f"probe failed: {error.why if error else 'no answer'}",
                    error.fix if error else "",
                    step,
                )
            )
    return findings

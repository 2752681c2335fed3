"""The whole stack, built from one spec: components in dependency order, then the outputs contract."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pulumi

from infra.budget import Budget, BudgetArgs
from infra.caller import CallerIdentity, CallerIdentityArgs
from infra.config import StackConfig, spec_from_config
from infra.foundation import Foundation, FoundationArgs
from infra.model_access import ModelAccess, ModelAccessArgs
from infra.preflight import enforce_policy
from infra.serving import ServingEndpoint, ServingEndpointArgs
from provisioning.catalog import load_catalog
from provisioning.errors import BadInputError, ProvisionError
from provisioning.outputs import maas_base_url
from provisioning.spec import EnvironmentSpec

AIPLATFORM = "aiplatform.googleapis.com"
PROCUREMENT = "cloudcommerceconsumerprocurement.googleapis.com"


def hf_tokens(spec: EnvironmentSpec, environ: Mapping[str, str]) -> dict[str, pulumi.Output[str]]:
    """Each endpoint's Hugging Face token, read from the variable the spec names, as a Pulumi secret."""
    tokens = {}
    for endpoint in spec.endpoints:
        if endpoint.hf_token_env is None:
            continue
        value = environ.get(endpoint.hf_token_env)
        if not value:
            raise BadInputError(
                f"endpoints[{endpoint.name}]: the environment variable {endpoint.hf_token_env} is not set",
                "the spec reads the Hugging Face token from it (the token itself never goes in a spec)",
                f"export {endpoint.hf_token_env}=<a read token from huggingface.co/settings/tokens>",
            )
        tokens[endpoint.name] = pulumi.Output.secret(value)
    return tokens


def _maas_target(name: str, model: str, location: str, project: str) -> dict[str, str]:
    return {"name": name, "kind": "maas", "base_url": maas_base_url(project, location), "model": model}


@dataclass(frozen=True)
class ProgramArgs:
    """Every component's arguments, checked (tokens present, EULAs accepted, shapes found), before any
    resource is registered."""

    tokens: dict[str, pulumi.Output[str]]
    foundation: FoundationArgs
    access: ModelAccessArgs
    serving: list[ServingEndpointArgs]
    caller: CallerIdentityArgs
    budget: BudgetArgs | None


def program_args(spec: EnvironmentSpec, environ: Mapping[str, str], now: datetime) -> ProgramArgs:
    return ProgramArgs(
        tokens=hf_tokens(spec, environ),
        foundation=FoundationArgs.from_spec(spec, now),
        access=ModelAccessArgs.from_spec(spec),
        serving=[ServingEndpointArgs.from_spec(spec, e, now) for e in spec.endpoints],
        caller=CallerIdentityArgs.from_spec(spec),
        budget=BudgetArgs.from_spec(spec),
    )


def build(spec: EnvironmentSpec, environ: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """Check every argument, then register every resource; return the stack outputs."""
    return register(spec, program_args(spec, environ, now))


def register(spec: EnvironmentSpec, args: ProgramArgs) -> dict[str, Any]:
    """Register every resource; return the stack outputs (the CLI's outputs contract, plus extras)."""
    foundation = Foundation(spec.project.id, args.foundation)
    project_id = foundation.project_id
    aiplatform = foundation.service(AIPLATFORM)
    access_apis = [aiplatform] + ([foundation.service(PROCUREMENT)] if spec.maas_models else [])
    access = ModelAccess("model-access", args.access, project_id, access_apis)
    endpoints = [
        ServingEndpoint(
            serving.endpoint.name,
            serving,
            project_id,
            args.tokens.get(serving.endpoint.name),
            after=[aiplatform, *filter(None, [access.enabled(serving.publisher_model)])],
        )
        for serving in args.serving
    ]
    caller = CallerIdentity("caller", args.caller, project_id, [foundation.service("iam.googleapis.com")])
    if args.budget:
        Budget(
            "budget",
            spec,
            foundation.project_number,
            [foundation.service("billingbudgets.googleapis.com")],
        )

    catalog = load_catalog()
    maas_targets = []
    for maas in spec.maas_models:
        offer = catalog.models[maas.name].maas
        assert offer is not None
        location = spec.maas_location(maas)
        maas_targets.append(project_id.apply(partial(_maas_target, maas.name, offer.model, location)))
    outputs: dict[str, Any] = {
        "project": project_id,
        "region": spec.region,
        "caller_service_account": caller.email,
        "targets": pulumi.Output.all(*maas_targets, *(e.target for e in endpoints)),
    }
    if caller.workload_identity_provider is not None:
        outputs["workload_identity_provider"] = caller.workload_identity_provider
    return outputs


def stack_main(config: StackConfig, root: Path, environ: Mapping[str, str], now: datetime) -> None:
    """What `pulumi up` / `pulumi preview` run. A bad spec, a missing token, a refused EULA or a policy
    violation (infra.policy on the graph this spec gives under mocks) stops it before any resource."""
    try:
        spec = spec_from_config(config, root)
        args = program_args(spec, environ, now)
        enforce_policy(spec, now, root)
        outputs = register(spec, args)
    except ProvisionError as error:
        # RunError: Pulumi prints the message alone (no traceback).
        raise pulumi.RunError(error.render()) from None
    for key, value in outputs.items():
        pulumi.export(key, value)

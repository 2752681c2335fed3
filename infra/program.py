"""The whole stack, built from one spec: components in dependency order, then the outputs contract."""

from __future__ import annotations

from collections.abc import Mapping
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


def build(spec: EnvironmentSpec, environ: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """Register every resource; return the stack outputs (the CLI's outputs contract, plus extras).

    Every argument is checked (tokens present, EULAs accepted, shapes found) before the first resource.
    """
    tokens = hf_tokens(spec, environ)
    foundation_args = FoundationArgs.from_spec(spec)
    access_args = ModelAccessArgs.from_spec(spec)
    serving_args = [ServingEndpointArgs.from_spec(spec, e, now) for e in spec.endpoints]
    caller_args = CallerIdentityArgs.from_spec(spec)
    budget_args = BudgetArgs.from_spec(spec)

    foundation = Foundation(spec.project.id, foundation_args)
    project_id = foundation.project_id
    aiplatform = foundation.service(AIPLATFORM)
    access_apis = [aiplatform] + ([foundation.service(PROCUREMENT)] if spec.maas_models else [])
    access = ModelAccess("model-access", access_args, project_id, access_apis)
    endpoints = [
        ServingEndpoint(
            args.endpoint.name,
            args,
            project_id,
            tokens.get(args.endpoint.name),
            after=[aiplatform, *filter(None, [access.enabled(args.publisher_model)])],
        )
        for args in serving_args
    ]
    caller = CallerIdentity("caller", caller_args, project_id, [foundation.service("iam.googleapis.com")])
    if budget_args:
        Budget(
            "budget",
            budget_args,
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
    """What `pulumi up` runs. A bad spec, a missing token or a refused EULA stops it before any resource."""
    try:
        outputs = build(spec_from_config(config, root), environ, now)
    except ProvisionError as error:
        # RunError: Pulumi prints the message alone (no traceback).
        raise pulumi.RunError(error.render()) from None
    for key, value in outputs.items():
        pulumi.export(key, value)

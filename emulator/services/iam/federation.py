"""IAM v1 workload identity pools and providers, and a service account's own IAM policy.

Pool and provider creation are long-running operations named `<resource>/operations/<id>`, polled at
`GET /v1/<resource>/operations/<id>`; the resource is readable once the operation finished. Rules kept
from Google: ids of 4-32 lowercase letters, digits and hyphens (pools may not start with `gcp-`); an OIDC
provider needs an issuer and a `google.subject` mapping; a provider for a multi-tenant issuer
(GitHub Actions) needs an `attributeCondition` (iam.v1 discovery document: "multi-tenant identity providers
(such as GitHub or Terraform Cloud) require an attribute_condition to prevent token spoofing"; Google's
reply is 400 "The attribute condition must reference one of the provider's claims.").
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from emulator import errors, update_mask
from emulator.operations import finisher
from emulator.routing import ApiRequest, RouteTable
from emulator.services.iam import models as accounts
from emulator.services.resourcemanager.models import (
    CONCURRENT_BINDING,
    etag_of,
    project_number,
    require_project,
)
from emulator.state import EmulatorState, register_setting

POOLS = "wif_pools"  # full name (projects/NUMBER/...) → WorkloadIdentityPool
PROVIDERS = "wif_providers"  # full name → WorkloadIdentityPoolProvider
POLICIES = "service_account_policies"  # "<project number>/<email>" → Policy
POOL_ID = re.compile(r"^(?!gcp-)[a-z0-9-]{4,32}$")
PROVIDER_ID = re.compile(r"^(?!gcp-)[a-z0-9-]{4,32}$")
MULTI_TENANT_ISSUERS = ("https://token.actions.githubusercontent.com",)
TYPE = "google.iam.admin.v1."


def _pools_parent(state: EmulatorState, project_ref: str) -> str:
    project = require_project(state, project_ref, "iam.googleapis.com")
    return f"projects/{project_number(project)}/locations/global/workloadIdentityPools"


def _require(collection: str, state: EmulatorState, name: str, kind: str) -> dict[str, Any]:
    found = state.store.get(collection, name)
    if found is None or found.get("_pending"):
        raise errors.not_found(f"Requested entity was not found: {kind} {name}.")
    return {k: v for k, v in found.items() if not k.startswith("_")}


def _start(state: EmulatorState, collection: str, name: str, resource: dict[str, Any], kind: str) -> Any:
    if state.store.get(collection, name) is not None:
        raise errors.already_exists(f"{kind} {name} already exists.")
    state.store.put(collection, name, {**resource, "name": name, "state": "ACTIVE", "_pending": True})
    return state.operations.start(
        name=f"{name}/operations/{secrets.token_hex(16)}",
        kind=f"iam.{kind}.create",
        finisher="iam.wif_create",
        args={"collection": collection, "name": name},
        response_type=TYPE + kind,
    )


@finisher("iam.wif_create")
def _finish_create(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    resource = state.store.get(args["collection"], args["name"]) or {}
    resource.pop("_pending", None)
    state.store.put(args["collection"], args["name"], resource)
    return resource


def create_pool(request: ApiRequest) -> Any:
    pool_id = request.param("workloadIdentityPoolId") or ""
    if not POOL_ID.match(pool_id):
        raise errors.invalid_argument(
            "workload_identity_pool_id must be 4-32 lowercase letters, digits or hyphens, not starting "
            "with gcp-.",
            "workload_identity_pool_id",
        )
    name = f"{_pools_parent(request.state, request.params['project'])}/{pool_id}"
    pool: dict[str, Any] = {
        k: request.body[k] for k in ("displayName", "description", "disabled") if k in request.body
    }
    return _start(request.state, POOLS, name, pool, "WorkloadIdentityPool")


def get_pool(request: ApiRequest) -> dict[str, Any]:
    name = f"{_pools_parent(request.state, request.params['project'])}/{request.params['pool']}"
    return _require(POOLS, request.state, name, "WorkloadIdentityPool")


def _check_provider(body: dict[str, Any]) -> None:
    oidc = body.get("oidc") or {}
    if not any(body.get(kind) for kind in ("oidc", "aws", "saml", "x509")):
        raise errors.invalid_argument("A provider needs one of oidc, aws, saml or x509.", "oidc")
    if body.get("oidc"):
        if not oidc.get("issuerUri"):
            raise errors.invalid_argument("oidc.issuer_uri must be set.", "oidc.issuer_uri")
        if "google.subject" not in (body.get("attributeMapping") or {}):
            raise errors.invalid_argument(
                "attribute_mapping must include google.subject for OIDC providers.", "attribute_mapping"
            )
        if oidc["issuerUri"] in MULTI_TENANT_ISSUERS and not body.get("attributeCondition"):
            raise errors.invalid_argument(
                "The attribute condition must reference one of the provider's claims.", "attribute_condition"
            )


PROVIDER_FIELDS = ("displayName", "description", "disabled", "attributeMapping", "attributeCondition", "oidc")
PROVIDER_SCHEMA = "iam.v1#WorkloadIdentityPoolProvider"


def create_provider(request: ApiRequest) -> Any:
    provider_id = request.param("workloadIdentityPoolProviderId") or ""
    if not PROVIDER_ID.match(provider_id):
        raise errors.invalid_argument(
            "workload_identity_pool_provider_id must be 4-32 lowercase letters, digits or hyphens.",
            "workload_identity_pool_provider_id",
        )
    pool = f"{_pools_parent(request.state, request.params['project'])}/{request.params['pool']}"
    _require(POOLS, request.state, pool, "WorkloadIdentityPool")
    _check_provider(request.body)
    provider = {k: request.body[k] for k in PROVIDER_FIELDS if k in request.body}
    return _start(
        request.state, PROVIDERS, f"{pool}/providers/{provider_id}", provider, "WorkloadIdentityPoolProvider"
    )


def _provider_name(request: ApiRequest) -> str:
    pools = _pools_parent(request.state, request.params["project"])
    return f"{pools}/{request.params['pool']}/providers/{request.params['provider']}"


def get_provider(request: ApiRequest) -> dict[str, Any]:
    return _require(PROVIDERS, request.state, _provider_name(request), "WorkloadIdentityPoolProvider")


def patch_provider(request: ApiRequest) -> Any:
    """Replaces the fields in `updateMask` (required; `oidc.issuerUri` changes that one field of `oidc`); an
    operation, finished like a create."""
    name = _provider_name(request)
    masked = update_mask.mask_paths(request.param("updateMask") or "", PROVIDER_SCHEMA, PROVIDER_FIELDS)
    with request.state.store.transaction():
        provider = _require(PROVIDERS, request.state, name, "WorkloadIdentityPoolProvider")
        update_mask.apply_masked(provider, request.body, masked)
        _check_provider(provider)
        request.state.store.put(PROVIDERS, name, provider)
    return request.state.operations.start(
        name=f"{name}/operations/{secrets.token_hex(16)}",
        kind="iam.WorkloadIdentityPoolProvider.update",
        finisher="iam.wif_create",
        args={"collection": PROVIDERS, "name": name},
        response_type=TYPE + "WorkloadIdentityPoolProvider",
        base_seconds=1.0,
    )


def get_operation(request: ApiRequest) -> dict[str, Any]:
    _pools_parent(request.state, request.params["project"])
    op = request.state.operations.get(request.path.removeprefix("/v1/"))
    if op is None:
        raise errors.not_found(f"Operation {request.path} not found.")
    return op


# -- service account IAM policy ------------------------------------------------------------------------------
def _account_key(request: ApiRequest) -> str:
    account = accounts.get(request.state, request.params["project"], request.params["account"])
    project = require_project(request.state, request.params["project"], "iam.googleapis.com")
    return f"{project_number(project)}/{account['email']}"


def get_account_policy(request: ApiRequest) -> dict[str, Any]:
    policy = request.state.store.get(POLICIES, _account_key(request)) or {"version": 1}
    return {**policy, "etag": etag_of(policy)}


# As concurrent_project_policy_writes (resourcemanager), for service-account policies.
register_setting("concurrent_account_policy_writes", 0)


def set_account_policy(request: ApiRequest) -> dict[str, Any]:
    policy = request.body.get("policy")
    if not isinstance(policy, dict):
        raise errors.invalid_argument("policy must be set.", "policy")
    if request.state.take_one("concurrent_account_policy_writes"):
        with request.state.store.transaction():  # the other writer's read-modify-write, committed first
            key = _account_key(request)
            current = request.state.store.get(POLICIES, key) or {"version": 1}
            bindings = [*current.get("bindings", []), CONCURRENT_BINDING]
            request.state.store.put(POLICIES, key, {"version": 1, "bindings": bindings})
    with request.state.store.transaction():
        key = _account_key(request)
        current = request.state.store.get(POLICIES, key) or {"version": 1}
        if policy.get("etag") and policy["etag"] != etag_of(current):
            raise errors.ApiError(
                "ABORTED",
                "There were concurrent policy changes. Please retry the whole "
                "read-modify-write with exponential backoff.",
            )
        for binding in policy.get("bindings", []):
            if not str(binding.get("role", "")).startswith("roles/") or not binding.get("members"):
                raise errors.invalid_argument("Each binding needs a role and members.", "policy.bindings")
        stored = {"version": 1, "bindings": policy.get("bindings", [])}
        request.state.store.put(POLICIES, key, stored)
    return {**stored, "etag": etag_of(stored)}


def register(routes: RouteTable) -> None:
    pools = "/v1/projects/{project}/locations/global/workloadIdentityPools"
    provider = pools + "/{pool}/providers/{provider}"
    routes.add("POST", pools, create_pool, body_schema="iam.v1#WorkloadIdentityPool")
    routes.add("GET", pools + "/{pool}", get_pool)
    routes.add("GET", pools + "/{pool}/operations/{operation}", get_operation)
    routes.add(
        "POST",
        pools + "/{pool}/providers",
        create_provider,
        body_schema="iam.v1#WorkloadIdentityPoolProvider",
    )
    routes.add("GET", provider, get_provider)
    routes.add("PATCH", provider, patch_provider, body_schema="iam.v1#WorkloadIdentityPoolProvider")
    routes.add("GET", provider + "/operations/{operation}", get_operation)
    account = "/v1/projects/{project}/serviceAccounts/{account}"
    routes.add("POST", account + ":getIamPolicy", get_account_policy)
    routes.add(
        "POST", account + ":setIamPolicy", set_account_policy, body_schema="iam.v1#SetIamPolicyRequest"
    )

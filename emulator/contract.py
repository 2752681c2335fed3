"""The reply contract: which discovery schema each emulator reply has, and the check of a recorded reply
against it (`check_reply`, `check_streamed_reply`): JSON bodies against the discovery documents
(`emulator/discovery.py`), error bodies as google.rpc.Status with canonical details
(`emulator/rpc_details.py`), `google.protobuf.Any` payloads of operations against the message their
`@type` names, and the OpenAI-compatible chat replies against the openai SDK's types
(`emulator/chat/contract.py`). Used by the contract tests (tests/conftest.py checks every reply a test
provokes), not by the app.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.chat.contract import TYPES, check_body, check_stream
from emulator.discovery import Violation, schemas, validate
from emulator.rpc_details import check_details

__all__ = ["Violation", "check_error_body", "check_reply", "check_streamed_reply", "defines", "validate"]

# Which discovery schema each reply has: (method, path regex, "<api>#<Schema>"). First match wins.
_BUDGETS = r"^/v1/billingAccounts/[^/]+/budgets"
_POOLS = r"^/v1/projects/[^/]+/locations/global/workloadIdentityPools"
_QUOTA_INFOS = r"^/v1/projects/[^/]+/locations/[^/]+/services/[^/]+/quotaInfos"
_CORE_REPLIES = [
    ("POST", r"^/v3/projects$", "cloudresourcemanager.v3#Operation"),
    ("GET", r"^/v3/projects:search$", "cloudresourcemanager.v3#SearchProjectsResponse"),
    ("GET", r"^/v3/projects$", "cloudresourcemanager.v3#ListProjectsResponse"),
    ("GET", r"^/v3/projects/[^/:]+$", "cloudresourcemanager.v3#Project"),
    ("PATCH|DELETE", r"^/v3/projects/[^/:]+$", "cloudresourcemanager.v3#Operation"),
    ("POST", r"^/v3/projects/[^/]+:(get|set)IamPolicy$", "cloudresourcemanager.v3#Policy"),
    ("GET", r"^/v3/operations/", "cloudresourcemanager.v3#Operation"),
    ("GET", r"^/v3/organizations/", "cloudresourcemanager.v3#Organization"),
    ("GET", r"^/v1/billingAccounts$", "cloudbilling.v1#ListBillingAccountsResponse"),
    ("GET", r"^/v1/billingAccounts/[^/]+$", "cloudbilling.v1#BillingAccount"),
    ("GET|PUT", r"^/v1/projects/[^/]+/billingInfo$", "cloudbilling.v1#ProjectBillingInfo"),
    ("GET", rf"{_BUDGETS}$", "billingbudgets.v1#GoogleCloudBillingBudgetsV1ListBudgetsResponse"),
    ("POST", rf"{_BUDGETS}$", "billingbudgets.v1#GoogleCloudBillingBudgetsV1Budget"),
    ("GET|PATCH", rf"{_BUDGETS}/[^/]+$", "billingbudgets.v1#GoogleCloudBillingBudgetsV1Budget"),
    ("DELETE", rf"{_BUDGETS}/[^/]+$", "billingbudgets.v1#GoogleProtobufEmpty"),
    ("GET", r"^/v1/projects/[^/]+/services$", "serviceusage.v1#ListServicesResponse"),
    ("GET", r"^/v1/projects/[^/]+/services/[^/:]+$", "serviceusage.v1#GoogleApiServiceusageV1Service"),
    ("POST", r"^/v1/projects/[^/]+/services(/[^/:]+)?:\w+$", "serviceusage.v1#Operation"),
    ("GET", r"^/v1/operations/", "serviceusage.v1#Operation"),
    ("POST", r"^/v1/projects/[^/]+/serviceAccounts$", "iam.v1#ServiceAccount"),
    ("GET", r"^/v1/projects/[^/]+/serviceAccounts$", "iam.v1#ListServiceAccountsResponse"),
    ("GET", r"^/v1/projects/[^/]+/serviceAccounts/[^/:]+$", "iam.v1#ServiceAccount"),
    ("POST", r"^/v1/projects/[^/]+/serviceAccounts/[^/:]+:(get|set)IamPolicy$", "iam.v1#Policy"),
    ("GET", rf"{_POOLS}/.+/operations/[^/]+$", "iam.v1#Operation"),
    ("POST", rf"{_POOLS}(/[^/]+/providers)?$", "iam.v1#Operation"),
    ("GET", rf"{_POOLS}/[^/]+$", "iam.v1#WorkloadIdentityPool"),
    ("GET", rf"{_POOLS}/[^/]+/providers/[^/]+$", "iam.v1#WorkloadIdentityPoolProvider"),
    ("PATCH", rf"{_POOLS}/[^/]+/providers/[^/]+$", "iam.v1#Operation"),
    ("GET", r"^/v3/projects/[^/]+/timeSeries$", "monitoring.v3#ListTimeSeriesResponse"),
    ("GET", rf"{_QUOTA_INFOS}$", "cloudquotas.v1#ListQuotaInfosResponse"),
    ("GET", rf"{_QUOTA_INFOS}/[^/]+$", "cloudquotas.v1#QuotaInfo"),
]

# Vertex AI, alike in v1 and v1beta1 ("{V}" is GoogleCloudAiplatformV1 or GoogleCloudAiplatformV1beta1).
_LOCATION = r"/projects/[^/]+/locations/[^/]+"
_VERTEX_OPERATION = rf"{_LOCATION}(/(endpoints|models)/[^/:]+)?/operations/[^/]+$"
_LRO = "GoogleLongrunningOperation"
_VERTEX_REPLIES = [
    ("GET", _VERTEX_OPERATION, _LRO),
    ("POST", rf"{_LOCATION}/endpoints$", _LRO),
    ("GET", rf"{_LOCATION}/endpoints$", "{V}ListEndpointsResponse"),
    ("GET|PATCH", rf"{_LOCATION}/endpoints/[^/:]+$", "{V}Endpoint"),
    ("DELETE", rf"{_LOCATION}/endpoints/[^/:]+$", _LRO),
    ("POST", rf"{_LOCATION}/endpoints/[^/:]+:(deployModel|undeployModel|mutateDeployedModel)$", _LRO),
    ("POST", rf"{_LOCATION}/models:upload$", _LRO),
    ("GET", rf"{_LOCATION}/models$", "{V}ListModelsResponse"),
    ("GET|PATCH", rf"{_LOCATION}/models/[^/:]+$", "{V}Model"),
    ("DELETE", rf"{_LOCATION}/models/[^/:]+$", _LRO),
    ("POST", rf"{_LOCATION}:deploy$", _LRO),
    ("GET", r"/publishers/[^/]+/models/[^/:]+$", "{V}PublisherModel"),
]
_BETA = "aiplatform.v1beta1#GoogleCloudAiplatformV1beta1"
_VERTEX_BETA_ONLY = [
    (
        "POST",
        r"^/v1beta1/projects/[^/]+/publishers/[^/]+/models/[^/:]+:enableModel$",
        f"{_BETA}EnableModelResponse",
    ),
    (
        "POST",
        r"^/v1beta1/projects/[^/]+/modelGardenEula:(check|accept)$",
        f"{_BETA}PublisherModelEulaAcceptance",
    ),
    # The GAPIC REST clients poll Vertex operations on /ui/ (no version in the path).
    ("GET", rf"^/ui{_VERTEX_OPERATION}", f"aiplatform.v1#{_LRO}"),
]


def _vertex_replies() -> list[tuple[str, str, str]]:
    rows = []
    for version in ("v1", "v1beta1"):
        prefix = "GoogleCloudAiplatform" + version.capitalize()
        for method, pattern, name in _VERTEX_REPLIES:
            ref = f"aiplatform.{version}#{name.replace('{V}', prefix)}"
            rows.append((method, f"^/{version}{pattern}", ref))
    return rows + _VERTEX_BETA_ONLY


# The OpenAI-compatible routes: the openai SDK's types are their schema (emulator/chat/contract.py).
_CHAT_REPLIES = [
    (
        "POST",
        r"^/v1(beta1)?/projects/[^/]+/locations/[^/]+/endpoints/[^/:]+/chat/completions$",
        "openai#ChatCompletion",
    )
]

REPLY_SCHEMAS: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(pattern), ref)
    for method, pattern, ref in _CORE_REPLIES + _vertex_replies() + _CHAT_REPLIES
]

# google.protobuf.Any payloads: proto package → where its messages are, in order: (api, schema name prefix in
# that discovery document). A discovery document lists only messages its methods reach, so v1beta1 lacks some
# that only travel inside an Any (DeployResponse, DeployOperationMetadata); their v1 twin has the same fields.
ANY_PACKAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "google.cloud.resourcemanager.v3.": (("cloudresourcemanager.v3", ""),),
    "google.iam.admin.v1.": (("iam.v1", ""),),
    "google.api.serviceusage.v1.": (("serviceusage.v1", ""),),
    "google.cloud.aiplatform.v1.": (("aiplatform.v1", "GoogleCloudAiplatformV1"),),
    "google.cloud.aiplatform.v1beta1.": (
        ("aiplatform.v1beta1", "GoogleCloudAiplatformV1beta1"),
        ("aiplatform.v1", "GoogleCloudAiplatformV1"),
    ),
}


def reply_schema(method: str, path: str) -> str | None:
    for methods, pattern, ref in REPLY_SCHEMAS:
        if method in methods.split("|") and pattern.search(path):
            return ref
    return None


def check_error_body(body: Any) -> list[Violation]:
    """The google.rpc.Status envelope: {"error": {code:int, message:str, status:str, details:[{"@type"}]}}."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(body) != {"error"}:
        return [Violation("", "an error reply is {'error': {...}}")]
    problems = []
    if not isinstance(error.get("code"), int) or not isinstance(error.get("message"), str):
        problems.append(Violation("error", "code (int) and message (str) are required"))
    if not isinstance(error.get("status"), str) or not error["status"].isupper():
        problems.append(Violation("error.status", "status is the canonical code name"))
    unknown = set(error) - {"code", "message", "status", "details"}
    if unknown:
        problems.append(Violation("error", f"unknown keys {sorted(unknown)}", unknown_field=True))
    if "details" in error:
        problems += check_details(error["details"], "error.details")
    return problems


def defines(ref: str) -> bool:
    """Whether "<api>#<Schema>" names a schema we have (a discovery document's, or an openai type)."""
    api, _, name = ref.partition("#")
    if api == "openai":
        return name in TYPES
    return name in schemas(api)


def check_reply(method: str, path: str, status: int, body: Any) -> list[Violation] | None:
    """Violations of a recorded reply, or None when no schema is known for the route."""
    if status >= 400:
        return check_error_body(body)
    ref = reply_schema(method, path)
    if ref is None:
        return None
    if ref.startswith("openai#"):
        return check_body(body, ref.partition("#")[2])
    problems = validate(body, ref)
    if ref.endswith(("#Operation", "#GoogleLongrunningOperation")) and isinstance(body, dict):
        for key in ("response", "metadata"):
            payload = body.get(key)
            if isinstance(payload, dict):
                problems += _check_any(payload, key)
        failure = body.get("error")
        if isinstance(failure, dict) and "details" in failure:
            problems += check_details(failure["details"], "error.details")
    return problems


def check_streamed_reply(method: str, path: str, events: list[Any]) -> list[Violation] | None:
    """Violations of a recorded SSE reply (its parsed `data:` payloads), or None when the route is not a
    streaming one we know."""
    if reply_schema(method, path) != "openai#ChatCompletion":
        return None
    return check_stream(events)


def _check_any(payload: dict[str, Any], path: str) -> list[Violation]:
    type_url = str(payload.get("@type", ""))
    if not type_url.startswith("type.googleapis.com/"):
        return [Violation(path, "an Any payload must carry @type")]
    full_name = type_url.removeprefix("type.googleapis.com/")
    for package, places in ANY_PACKAGES.items():
        if not full_name.startswith(package):
            continue
        message = full_name.removeprefix(package)
        found = [(api, prefix + message) for api, prefix in places if prefix + message in schemas(api)]
        if not found:
            return [Violation(path, f"@type {full_name} names no message of {places[0][0]}")]
        api, name = found[0]
        fields = {key: value for key, value in payload.items() if key != "@type"}
        return [
            Violation(f"{path}.{v.path}", v.message, v.unknown_field)
            for v in validate(fields, f"{api}#{name}")
        ]
    return []

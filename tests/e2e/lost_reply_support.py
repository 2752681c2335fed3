"""Every mutating route `provision apply` uses, and how to count what it made, for the lost-reply tests
(tests/e2e/test_lost_reply.py).

The spec sets everything apply can create: project, billing, APIs, a MaaS model with its EULA, a vLLM
endpoint (Model Garden `:deploy` uploads the model, creates the endpoint and deploys it), the caller service
account and its role, a budget, and GitHub Workload Identity Federation.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from provisioning.identity import CALLER_ROLE, WIF_ROLE
from provisioning.spec import EnvironmentSpec

REPO = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = yaml.safe_load((REPO / "examples" / "dev.yaml").read_text(encoding="utf-8"))
SPEC["maas_models"][0]["accept_eula"] = True
SPEC["caller"]["workload_identity"] = {"github_repository": "acme/genai-platform"}
_PARSED = EnvironmentSpec.model_validate(SPEC)
PROJECT = _PARSED.project.id
REGION = _PARSED.region
ACCOUNT = str(_PARSED.project.billing_account)  # billingAccounts/XXXXXX-XXXXXX-XXXXXX
ENDPOINT = _PARSED.endpoints[0].name
CALLER_EMAIL = f"{_PARSED.caller.service_account_id}@{PROJECT}.iam.gserviceaccount.com"
REPOSITORY = "acme/genai-platform"
WIF = f"/v1/projects/{PROJECT}/locations/global/workloadIdentityPools"
MAAS_PUBLISHER_MODEL = "publishers/openai/models/gpt-oss-20b-maas"
MAAS_MODEL = "openai/gpt-oss-20b-maas"


def write_spec(directory: Path) -> Path:
    path = directory / "spec.yaml"
    path.write_text(yaml.safe_dump(copy.deepcopy(SPEC)), encoding="utf-8")
    return path


class Cloud:
    """What the emulator holds, read over its public REST API with a bearer token (as a user would)."""

    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def __enter__(self) -> Cloud:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def _read(self, method: str, path: str, body: Any = None, **params: str) -> dict[str, Any]:
        """The JSON reply; {} when the resource does not exist (404) or is not visible (403)."""
        response = self.http.request(method, path, json=body, params=params or None)
        if response.status_code in (403, 404):
            return {}
        response.raise_for_status()
        reply: dict[str, Any] = response.json()
        return reply

    def projects(self) -> list[dict[str, Any]]:
        listed = self._read("GET", "/v3/projects", parent=str(_PARSED.project.parent)).get("projects", [])
        return [p for p in listed if p["projectId"] == PROJECT and p.get("state") == "ACTIVE"]

    def billing_linked(self) -> bool:
        info = self._read("GET", f"/v1/projects/{PROJECT}/billingInfo")
        return bool(info.get("billingEnabled")) and info.get("billingAccountName") == ACCOUNT

    def apis_enabled(self) -> bool:
        listed = self._read("GET", f"/v1/projects/{PROJECT}/services", filter="state:ENABLED")
        enabled = {s["config"]["name"] for s in listed.get("services", [])}
        return bool(enabled) and set(_PARSED.required_apis()) <= enabled

    def eula_accepted(self) -> bool:
        path = f"/v1beta1/projects/{PROJECT}/modelGardenEula:check"
        return bool(
            self._read("POST", path, {"publisherModel": MAAS_PUBLISHER_MODEL}).get("publisherModelEulaAcked")
        )

    def maas_callable(self) -> bool:
        """The MaaS model answers a 1-token chat completion (only once it is enabled for the project)."""
        path = f"/v1/projects/{PROJECT}/locations/{REGION}/endpoints/openapi/chat/completions"
        body = {"model": MAAS_MODEL, "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1}
        return self.http.post(path, json=body).status_code == 200

    def budgets(self) -> list[dict[str, Any]]:
        listed = self._read("GET", f"/v1/{ACCOUNT}/budgets").get("budgets", [])
        return [b for b in listed if b.get("displayName") == f"{PROJECT} monthly"]

    def endpoints(self) -> list[dict[str, Any]]:
        listed = self._read("GET", f"/v1/projects/{PROJECT}/locations/{REGION}/endpoints").get(
            "endpoints", []
        )
        return [e for e in listed if e.get("displayName") == ENDPOINT]

    def models(self) -> list[dict[str, Any]]:
        return list(self._read("GET", f"/v1/projects/{PROJECT}/locations/{REGION}/models").get("models", []))

    def deployments(self) -> int:
        """What one Model Garden deploy makes, counted once: the most of endpoints, models and deployed
        models when any of them is duplicated, else the fewest (0 when one is missing)."""
        endpoints = self.endpoints()
        counts = (
            len(endpoints),
            len(self.models()),
            sum(len(e.get("deployedModels", [])) for e in endpoints),
        )
        return max(counts) if max(counts) > 1 else min(counts)

    def service_accounts(self) -> list[dict[str, Any]]:
        listed = self._read("GET", f"/v1/projects/{PROJECT}/serviceAccounts").get("accounts", [])
        return [a for a in listed if a.get("email") == CALLER_EMAIL]

    def caller_grants(self) -> int:
        """How often the caller account is listed under roles/aiplatform.user on the project."""
        policy = self._read("POST", f"/v3/projects/{PROJECT}:getIamPolicy", {})
        return _grants(policy, CALLER_ROLE, f"serviceAccount:{CALLER_EMAIL}")

    def federation_grants(self) -> int:
        """How often the repository's principal set holds roles/iam.workloadIdentityUser on the caller."""
        path = f"/v1/projects/{PROJECT}/serviceAccounts/{CALLER_EMAIL}:getIamPolicy"
        policy = self._read("POST", path, {})
        return _grants(policy, WIF_ROLE, f"/attribute.repository/{REPOSITORY}")

    def pools(self) -> int:
        return 1 if self._read("GET", f"{WIF}/ci-pool") else 0

    def providers(self) -> int:
        return 1 if self._read("GET", f"{WIF}/ci-pool/providers/github") else 0

    def labelled(self, resources: list[dict[str, Any]]) -> int:
        return sum(1 for r in resources if (r.get("labels") or {}).get("managed-by") == "provision")


def _grants(policy: dict[str, Any], role: str, member_part: str) -> int:
    return sum(
        1
        for binding in policy.get("bindings", [])
        if binding.get("role") == role
        for member in binding.get("members", [])
        if member_part in member
    )


@dataclass(frozen=True)
class Route:
    """One mutating route of apply: what it makes, the request whose reply is lost, and how many of that
    thing exist afterwards (exactly once means 1; for the deploy, the most of endpoints, models and
    deployments: see `Cloud.deployments`)."""

    what: str
    method: str
    path: str  # a regex, searched in the request path
    count: Callable[[Cloud], int]

    @property
    def fault(self) -> dict[str, Any]:
        return {"route": self.path, "method": self.method, "kind": "lose_reply", "count": 1}


ROUTES = [
    Route("project", "POST", r"^/v3/projects$", lambda c: len(c.projects())),
    Route("billing link", "PUT", r"/billingInfo$", lambda c: int(c.billing_linked())),
    Route("APIs enabled", "POST", r"/services:batchEnable$", lambda c: int(c.apis_enabled())),
    Route("MaaS EULA accepted", "POST", r"/modelGardenEula:accept$", lambda c: int(c.eula_accepted())),
    Route("MaaS model enabled", "POST", r":enableModel$", lambda c: int(c.maas_callable())),
    Route(
        "endpoint + model (Model Garden deploy)",
        "POST",
        r"/locations/[^/]+:deploy$",
        Cloud.deployments,
    ),
    Route("endpoint labels", "PATCH", r"/endpoints/[^/:]+$", lambda c: c.labelled(c.endpoints())),
    Route("model labels", "PATCH", r"/models/[^/:]+$", lambda c: c.labelled(c.models())),
    Route("service account", "POST", r"/serviceAccounts$", lambda c: len(c.service_accounts())),
    Route(
        "caller role (project setIamPolicy)",
        "POST",
        r"^/v3/projects/[^/]+:setIamPolicy$",
        Cloud.caller_grants,
    ),
    Route("budget", "POST", r"/budgets$", lambda c: len(c.budgets())),
    Route("WIF pool", "POST", r"/workloadIdentityPools$", Cloud.pools),
    Route("WIF provider", "POST", r"/providers$", Cloud.providers),
    Route(
        "WIF grant (service account setIamPolicy)",
        "POST",
        r"/serviceAccounts/[^/]+:setIamPolicy$",
        Cloud.federation_grants,
    ),
]

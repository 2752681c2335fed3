"""One place that turns an error answer (Google-shaped, OpenAI-shaped, FastAPI-shaped or plain text) into the
likely cause and what to do about it. Google's bodies are described in shared/gcp-wire.md §4.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx2
import openai


@dataclass(frozen=True)
class Diagnosis:
    cause: str  # short machine key: model_not_enabled, api_disabled, token_expired, ...
    status_code: int | None
    status: str  # Google canonical status when the body has one
    reason: str  # google.rpc.ErrorInfo reason when the body has one
    message: str  # the server's own words, shortened
    hint: str  # what the user should do

    def summary(self) -> str:
        code = f"HTTP {self.status_code}" if self.status_code is not None else "no HTTP answer"
        label = " ".join(part for part in (code, self.status, self.reason) if part)
        return f"{self.cause} ({label}): {self.message} — {self.hint}".strip()


_HINTS = {
    "token_expired": "the access token is missing, expired or revoked: refresh it "
    "(`gcloud auth print-access-token`, or re-run with ADC)",
    "api_disabled": "enable the Vertex AI API: `gcloud services enable aiplatform.googleapis.com`",
    "billing_disabled": "link an open billing account to the project (`provision apply` does this)",
    "model_not_enabled": "enable the model for the project in Model Garden (accept its terms), "
    "or run `provision apply` with the model in maas_models",
    "wrong_region_or_model": "check the model id and that the location in base_url serves it "
    "(catalog: `provision plan`)",
    "not_deployed": "the endpoint has no deployed model serving yet: a deploy is still running; wait for it "
    "(`--wait-ready SECONDS`) or check the deploy operation",
    "permission_denied": "grant the caller roles/aiplatform.user on the project",
    "rate_limited": "quota or rate limit: retry later or request more quota",
    "bad_request": "the request was refused as malformed; see the message",
    "server_error": "the server failed; if a deploy just finished, wait and retry (`--wait-ready`)",
    "unreachable": "nothing answered at base_url: check the address, the network, or wait for the deploy",
    "unknown": "see the message",
}


def _google_error(body: Any) -> tuple[str, str, str]:
    """(status, reason, message) from a google.rpc.Status envelope, or empties."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", "", ""
    reason = ""
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("@type", "").endswith("google.rpc.ErrorInfo"):
            reason = str(detail.get("reason", ""))
    return str(error.get("status", "")), reason, str(error.get("message", ""))


def _message_of(body: Any, text: str) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return error
        if "detail" in body:  # FastAPI
            return str(body["detail"])
        if body.get("message"):
            return str(body["message"])
    return text


def _cause(status_code: int | None, status: str, reason: str, message: str) -> str:
    lowered = message.lower()
    if reason == "SERVICE_DISABLED" or "has not been used in project" in lowered:
        return "api_disabled"
    if reason == "BILLING_DISABLED" or "requires billing to be enabled" in lowered:
        return "billing_disabled"
    if "is not allowed to use publisher model" in lowered or (
        status == "FAILED_PRECONDITION" and "publisher model" in lowered
    ):
        return "model_not_enabled"
    if status == "FAILED_PRECONDITION" and "deployed model" in lowered:
        return "not_deployed"
    if status_code == 401 or status == "UNAUTHENTICATED" or reason == "ACCESS_TOKEN_TYPE_UNSUPPORTED":
        return "token_expired"
    if status_code == 404 or status == "NOT_FOUND" or "not servable in region" in lowered:
        return "wrong_region_or_model"
    if status_code == 403 or status == "PERMISSION_DENIED":
        return "permission_denied"
    if status_code == 429 or status == "RESOURCE_EXHAUSTED":
        return "rate_limited"
    if status_code in (400, 422) or status == "INVALID_ARGUMENT":
        return "bad_request"
    if status_code is not None and status_code >= 500:
        return "server_error"
    return "unknown"


def diagnose_response(status_code: int | None, text: str) -> Diagnosis:
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = None
    status, reason, _ = _google_error(body)
    message = " ".join(_message_of(body, text).split())[:300]
    cause = _cause(status_code, status, reason, message)
    return Diagnosis(cause, status_code, status, reason, message, _HINTS[cause])


def diagnose_exception(error: BaseException) -> Diagnosis:
    """Diagnosis for whatever the SDK raised (status errors, connection errors, anything else)."""
    if isinstance(error, openai.APIStatusError):
        return diagnose_response(error.status_code, _response_text(error.response))
    if isinstance(error, openai.APIConnectionError | httpx2.TransportError | OSError):
        message = " ".join(str(error.__cause__ or error).split())[:300]
        return Diagnosis("unreachable", None, "", "", message, _HINTS["unreachable"])
    return Diagnosis("unknown", None, "", "", f"{type(error).__name__}: {error}"[:300], _HINTS["unknown"])


def _response_text(response: httpx2.Response) -> str:
    try:
        return response.text
    except httpx2.ResponseNotRead:
        return response.read().decode("utf-8", "replace")

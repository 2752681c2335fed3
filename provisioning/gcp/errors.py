"""Turn what a Google API (or the emulator) answered into a `GoogleApiError`: what, why, and the fix.

Classification uses the google.rpc `ErrorInfo.reason` first (SERVICE_DISABLED, BILLING_DISABLED, ...), then
the canonical status, never the HTTP code alone: Google sends BILLING_DISABLED as 403 or 400 depending on API.
Secrets registered with `register_secret` are masked in every message we build.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from google.api_core import exceptions as core_exceptions

from provisioning.errors import GoogleApiError
from redaction import mask

_HTTP_TO_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_GRPC_TO_STATUS = {  # google.rpc.Code numbers, as found in LRO `error.code`
    1: "CANCELLED",
    2: "UNKNOWN",
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    10: "ABORTED",
    11: "OUT_OF_RANGE",
    12: "UNIMPLEMENTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Mask `value` in every error message built from now on (HF tokens, access tokens)."""
    if value:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _secrets_lock:
        secrets = tuple(_secrets)
    return mask(text, secrets)


@dataclass(frozen=True)
class ErrorBody:
    """The parts of a google.rpc.Status envelope we act on."""

    status_code: int | None
    status: str
    message: str
    reason: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, status_code: int | None, payload: Any) -> ErrorBody:
        """Parse `{"error": {...}}` (HTTP) or a bare Status (an LRO's `error`); tolerate anything else."""
        error = payload.get("error", payload) if isinstance(payload, dict) else {}
        if not isinstance(error, dict):
            error = {"message": str(error)}
        code = error.get("code")
        status = error.get("status") or ""
        if not status and isinstance(code, int):
            status = (
                _GRPC_TO_STATUS.get(code, "") if status_code is None else _HTTP_TO_STATUS.get(status_code, "")
            )
        if not status and status_code is not None:
            status = _HTTP_TO_STATUS.get(status_code, "UNKNOWN")
        reason, metadata = "", {}
        for detail in error.get("details") or []:
            if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("google.rpc.ErrorInfo"):
                reason = str(detail.get("reason", ""))
                metadata = {str(k): str(v) for k, v in (detail.get("metadata") or {}).items()}
                break
        if status_code is None and isinstance(code, int) and code >= 100:
            status_code = code
        return cls(status_code, status, str(error.get("message", "")), reason, metadata)


def fix_for(body: ErrorBody, project: str | None = None) -> str:
    """The command or console page that resolves this error, as precisely as the body allows."""
    project = project or _project_from(body.metadata.get("consumer", "")) or "PROJECT"
    message = body.message
    if body.reason == "SERVICE_DISABLED" or "has not been used in project" in message:
        service = body.metadata.get("service", "SERVICE.googleapis.com")
        return f"gcloud services enable {service} --project {project}  (or re-run `provision apply`)"
    if body.reason == "BILLING_DISABLED" or "requires billing to be enabled" in message:
        return (
            f"gcloud billing projects link {project} --billing-account ACCOUNT_ID  "
            f"(console: https://console.cloud.google.com/billing/linkedaccount?project={project})"
        )
    if "EULA" in message:
        return "set accept_eula: true for this model in the spec (after reading the model's licence)"
    if "Hugging Face access token" in message:
        return "export the Hugging Face token in the variable the spec's hf_token_env names"
    if "is not allowed to use Publisher Model" in message:
        return (
            "enable the model in Model Garden: re-run `provision apply`, or open "
            f"https://console.cloud.google.com/vertex-ai/model-garden?project={project}"
        )
    if body.status == "UNAUTHENTICATED":
        return "refresh the token: `gcloud auth print-access-token > FILE` and pass --access-token-file FILE"
    if body.status == "PERMISSION_DENIED":
        return (
            "check the caller's roles: `gcloud projects get-iam-policy "
            f"{project}` (apply needs Project Creator, Billing User, Service Usage Admin, Vertex AI Admin)"
        )
    if body.status == "RESOURCE_EXHAUSTED":
        return (
            "request more quota or use another region: "
            f"https://console.cloud.google.com/iam-admin/quotas?project={project}"
        )
    if body.status == "NOT_FOUND":
        return "check the name in the spec, and that the caller can see the resource"
    if body.status in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL"):
        return "a transient Google error: re-run the command (apply resumes where it stopped)"
    return "see the message above; re-run with --json for the full event log"


def _project_from(consumer: str) -> str:
    return consumer.removeprefix("projects/") if consumer.startswith("projects/") else ""


def to_api_error(body: ErrorBody, what: str, project: str | None = None) -> GoogleApiError:
    why = " ".join(part for part in (body.status, body.reason and f"({body.reason})", body.message) if part)
    return GoogleApiError(
        redact(what),
        redact(why),
        fix_for(body, project),
        status_code=body.status_code,
        status=body.status,
        reason=body.reason,
    )


def body_from_exception(error: BaseException) -> ErrorBody | None:
    """The error body of a failed HTTP call (GAPIC or httpx); None for errors with no answer (dropped)."""
    if isinstance(error, core_exceptions.GoogleAPICallError):
        response = getattr(error, "response", None)
        payload = _json_of(response)
        if payload is not None:
            return ErrorBody.parse(error.code, payload)
        status = _HTTP_TO_STATUS.get(error.code or 0, "") if error.code else ""
        return ErrorBody(error.code, status, error.message or str(error), error.reason or "")
    if isinstance(error, httpx.HTTPStatusError):
        return ErrorBody.parse(error.response.status_code, _json_of(error.response) or {})
    return None


def _json_of(response: Any) -> Any:
    if response is None:
        return None
    try:
        text = response.text
        return json.loads(text) if text else None
    except (ValueError, AttributeError):
        return None


def translate(error: BaseException, what: str, project: str | None = None) -> GoogleApiError:
    """Any exception from a Google call → GoogleApiError (dropped connections become UNAVAILABLE)."""
    if isinstance(error, GoogleApiError):
        return error
    body = body_from_exception(error)
    if body is None:
        body = ErrorBody(None, "UNAVAILABLE", f"connection failed: {type(error).__name__}: {error}")
    return to_api_error(body, what, project)

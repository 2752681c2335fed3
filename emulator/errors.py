"""Google-shaped errors: `{"error": {"code", "message", "status", "details": [...]}}` (google.rpc.Status).

Handlers raise `ApiError` (or one of the builders below); the app turns it into the JSON body and HTTP status.
Long-running operations store `ApiError.status_body()` as their `error` field (the same Status, without the
`{"error": ...}` wrapper). Texts for SERVICE_DISABLED / BILLING_DISABLED follow /work/shared/gcp-wire.md §4.
"""

from __future__ import annotations

from typing import Any

TYPE_PREFIX = "type.googleapis.com/"

# HTTP code for each canonical status (google.rpc.Code → HTTP mapping from google/rpc/code.proto).
HTTP_CODE = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "OUT_OF_RANGE": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ABORTED": 409,
    "ALREADY_EXISTS": 409,
    "RESOURCE_EXHAUSTED": 429,
    "CANCELLED": 499,
    "INTERNAL": 500,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}
# gRPC numeric codes, used inside operation errors (Operation.error.code is a google.rpc.Code number).
GRPC_CODE = {
    "CANCELLED": 1,
    "INVALID_ARGUMENT": 3,
    "DEADLINE_EXCEEDED": 4,
    "NOT_FOUND": 5,
    "ALREADY_EXISTS": 6,
    "PERMISSION_DENIED": 7,
    "RESOURCE_EXHAUSTED": 8,
    "FAILED_PRECONDITION": 9,
    "ABORTED": 10,
    "OUT_OF_RANGE": 11,
    "UNIMPLEMENTED": 12,
    "INTERNAL": 13,
    "UNAVAILABLE": 14,
    "UNAUTHENTICATED": 16,
}


class ApiError(Exception):
    """An error the emulator answers with; `status` is the canonical code name, e.g. "NOT_FOUND"."""

    def __init__(self, status: str, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = HTTP_CODE[status]
        self.message = message
        self.details = details or []

    def body(self) -> dict[str, Any]:
        """The HTTP reply body."""
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}

    def status_body(self) -> dict[str, Any]:
        """The google.rpc.Status used as a finished operation's `error` (numeric gRPC code)."""
        status: dict[str, Any] = {"code": GRPC_CODE.get(self.status, 2), "message": self.message}
        if self.details:
            status["details"] = self.details
        return status


def error_info(reason: str, metadata: dict[str, str] | None = None, domain: str = "googleapis.com") -> dict:
    """A google.rpc.ErrorInfo detail."""
    detail: dict[str, Any] = {
        "@type": TYPE_PREFIX + "google.rpc.ErrorInfo",
        "reason": reason,
        "domain": domain,
    }
    if metadata:
        detail["metadata"] = metadata
    return detail


def help_links(*links: tuple[str, str]) -> dict:
    """A google.rpc.Help detail from (description, url) pairs."""
    return {
        "@type": TYPE_PREFIX + "google.rpc.Help",
        "links": [{"description": description, "url": url} for description, url in links],
    }


def localized_message(message: str) -> dict:
    """A google.rpc.LocalizedMessage detail (en-US)."""
    return {"@type": TYPE_PREFIX + "google.rpc.LocalizedMessage", "locale": "en-US", "message": message}


def bad_request(field: str, description: str) -> dict:
    """A google.rpc.BadRequest detail naming one field."""
    return {
        "@type": TYPE_PREFIX + "google.rpc.BadRequest",
        "fieldViolations": [{"field": field, "description": description}],
    }


def invalid_argument(message: str, field: str | None = None) -> ApiError:
    """400 INVALID_ARGUMENT, with a BadRequest detail when a field is named."""
    return ApiError("INVALID_ARGUMENT", message, [bad_request(field, message)] if field else None)


def not_found(message: str) -> ApiError:
    return ApiError("NOT_FOUND", message)


def already_exists(message: str) -> ApiError:
    return ApiError("ALREADY_EXISTS", message)


def failed_precondition(message: str) -> ApiError:
    return ApiError("FAILED_PRECONDITION", message)


def permission_denied(message: str) -> ApiError:
    return ApiError("PERMISSION_DENIED", message)


def unimplemented(message: str) -> ApiError:
    """501 UNIMPLEMENTED: a method of the API that the emulator does not serve."""
    return ApiError("UNIMPLEMENTED", message)


def service_disabled(project: str, service: str, service_title: str) -> ApiError:
    """403 SERVICE_DISABLED as gcp-wire.md §4a (the modern body with ErrorInfo, LocalizedMessage and Help)."""
    url = f"https://console.developers.google.com/apis/api/{service}/overview?project={project}"
    message = (
        f"{service_title} has not been used in project {project} before or it is disabled. Enable it by "
        f"visiting {url} then retry. If you enabled this API recently, wait a few minutes for the action to "
        "propagate to our systems and retry."
    )
    metadata = {
        "service": service,
        "consumer": f"projects/{project}",
        "serviceTitle": service_title,
        "containerInfo": project,
        "activationUrl": url,
    }
    return ApiError(
        "PERMISSION_DENIED",
        message,
        [
            error_info("SERVICE_DISABLED", metadata),
            localized_message(message),
            help_links(("Google developers console API activation", url)),
        ],
    )


def billing_disabled(project_number: str, service: str) -> ApiError:
    """403 BILLING_DISABLED as gcp-wire.md §4b (Help + ErrorInfo, keyed on the project number)."""
    url = f"https://console.developers.google.com/billing/enable?project={project_number}"
    message = (
        f"This API method requires billing to be enabled. Please enable billing on project #{project_number} "
        f"by visiting {url} then retry. If you enabled billing for this project recently, wait a few minutes "
        "for the action to propagate to our systems and retry."
    )
    return ApiError(
        "PERMISSION_DENIED",
        message,
        [
            help_links(("Google developers console billing", url)),
            error_info("BILLING_DISABLED", {"service": service, "consumer": f"projects/{project_number}"}),
        ],
    )


def quota_exceeded(
    quota_id: str, metric: str, region: str, limit: int, usage: int, requested: int
) -> ApiError:
    """429 RESOURCE_EXHAUSTED "The following quotas are exceeded: <QuotaId>" (gcp-wire.md §4d), with a
    google.rpc.QuotaFailure detail with the numbers (ours; Google's exact detail is unconfirmed)."""
    message = f"The following quotas are exceeded: {quota_id}"
    violation = {
        "subject": f"{metric} region={region}",
        "description": f"limit {limit}, in use {usage}, requested {requested}",
    }
    return ApiError(
        "RESOURCE_EXHAUSTED",
        message,
        [{"@type": TYPE_PREFIX + "google.rpc.QuotaFailure", "violations": [violation]}],
    )


AUTH_HELP = (
    "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


def credentials_missing() -> ApiError:
    """401 when no Authorization header is sent (Google's text and reason CREDENTIALS_MISSING)."""
    message = f"Request is missing required authentication credential. {AUTH_HELP}"
    return ApiError("UNAUTHENTICATED", message, [error_info("CREDENTIALS_MISSING")])


def credentials_invalid(expired: bool) -> ApiError:
    """401 for an expired or revoked token (Google's text and ErrorInfo reason)."""
    message = f"Request had invalid authentication credentials. {AUTH_HELP}"
    reason = "ACCESS_TOKEN_EXPIRED" if expired else "ACCESS_TOKEN_TYPE_UNSUPPORTED"
    return ApiError("UNAUTHENTICATED", message, [error_info(reason)])

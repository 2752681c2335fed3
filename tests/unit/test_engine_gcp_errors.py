"""Error translation and retries of the gcp layer (no server)."""

from __future__ import annotations

import httpx
import pytest
from google.api_core import exceptions as core_exceptions

from provisioning.errors import GoogleApiError
from provisioning.gcp import errors, retry

SERVICE_DISABLED = {
    "error": {
        "code": 403,
        "message": "Vertex AI API has not been used in project acme before or it is disabled.",
        "status": "PERMISSION_DENIED",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.Help", "links": []},
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "SERVICE_DISABLED",
                "domain": "googleapis.com",
                "metadata": {"service": "aiplatform.googleapis.com", "consumer": "projects/acme"},
            },
        ],
    }
}


def _http_error(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.HTTPStatusError:
    request = httpx.Request("GET", "http://127.0.0.1/x")
    response = httpx.Response(status, json=body, headers=headers, request=request)
    return httpx.HTTPStatusError("boom", request=request, response=response)


def test_service_disabled_names_the_enable_command() -> None:
    error = errors.translate(_http_error(403, SERVICE_DISABLED), "list endpoints")
    assert error.reason == "SERVICE_DISABLED"
    assert error.status == "PERMISSION_DENIED"
    assert error.status_code == 403
    assert error.fix.startswith("gcloud services enable aiplatform.googleapis.com --project acme")


def test_billing_disabled_is_classified_by_reason_not_http_code() -> None:
    body = {
        "error": {
            "code": 400,
            "message": "billing off",
            "status": "FAILED_PRECONDITION",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "BILLING_DISABLED"}],
        }
    }
    error = errors.translate(_http_error(400, body), "deploy", project="acme")
    assert error.reason == "BILLING_DISABLED"
    assert "gcloud billing projects link acme" in error.fix


def test_lro_error_uses_grpc_codes() -> None:
    body = errors.ErrorBody.parse(None, {"code": 8, "message": "quota exceeded"})
    assert body.status == "RESOURCE_EXHAUSTED"
    assert "quotas" in errors.fix_for(body, "acme")


def test_gapic_exception_is_translated() -> None:
    error = errors.translate(core_exceptions.NotFound("no such project"), "read project x")
    assert error.status_code == 404 and error.status == "NOT_FOUND"


def test_dropped_connection_is_unavailable() -> None:
    error = errors.translate(httpx.ConnectError("refused"), "read project x")
    assert error.status == "UNAVAILABLE"


def test_secrets_are_masked() -> None:
    errors.register_secret("hf_supersecret_token")
    body = {"error": {"code": 400, "message": "bad token hf_supersecret_token", "status": "INVALID_ARGUMENT"}}
    error = errors.translate(_http_error(400, body), "deploy with hf_supersecret_token")
    assert "hf_supersecret_token" not in str(error)


def test_retry_recovers_from_transient_failures_and_honours_retry_after() -> None:
    sleeps: list[float] = []
    failures = [_http_error(429, {}, {"Retry-After": "3"}), httpx.ReadError("dropped")]

    def flaky() -> str:
        if failures:
            raise failures.pop(0)
        return "ok"

    assert retry.call(flaky, "read", sleep=sleeps.append) == "ok"
    assert len(sleeps) == 2
    assert sleeps[0] >= 3.0


def test_retry_gives_up_within_the_total_and_says_so() -> None:
    policy = retry.RetryPolicy(initial_s=0.01, maximum_s=0.02, total_s=0.05)
    clock: list[float] = []

    def always_503() -> None:
        raise _http_error(503, {"error": {"code": 503, "status": "UNAVAILABLE", "message": "busy"}})

    with pytest.raises(GoogleApiError) as caught:
        retry.call(always_503, "enable APIs", policy=policy, sleep=clock.append)
    assert "enable APIs" in caught.value.what
    assert "attempts" in caught.value.why
    assert sum(clock) <= 0.05


def test_permanent_errors_are_not_retried() -> None:
    calls = []

    def forbidden() -> None:
        calls.append(1)
        raise _http_error(403, SERVICE_DISABLED)

    with pytest.raises(GoogleApiError):
        retry.call(forbidden, "x", sleep=lambda _: None)
    assert len(calls) == 1

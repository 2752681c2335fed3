"""Pure parts of `provision smoke`: error diagnosis, readiness backoff, percentiles, redaction, targets."""

from __future__ import annotations

import json

import openai
import pytest

from provisioning.errors import BadInputError
from provisioning.smoke.diagnose import diagnose_response
from provisioning.smoke.load import percentiles
from provisioning.smoke.readiness import wait_ready
from provisioning.smoke.targets import target_from_flags


def _google(code: int, status: str, message: str, reason: str = "") -> str:
    details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}] if reason else []
    return json.dumps({"error": {"code": code, "status": status, "message": message, "details": details}})


@pytest.mark.parametrize(
    ("code", "body", "cause"),
    [
        (
            403,
            _google(403, "PERMISSION_DENIED", "Vertex AI API has not been used", "SERVICE_DISABLED"),
            "api_disabled",
        ),
        (403, _google(403, "PERMISSION_DENIED", "requires billing", "BILLING_DISABLED"), "billing_disabled"),
        (
            400,
            _google(400, "FAILED_PRECONDITION", "Project `1` is not allowed to use Publisher Model `x`"),
            "model_not_enabled",
        ),
        (404, _google(404, "NOT_FOUND", "Publisher Model `x` was not found"), "wrong_region_or_model"),
        (401, _google(401, "UNAUTHENTICATED", "invalid credentials"), "token_expired"),
        (429, _google(429, "RESOURCE_EXHAUSTED", "quota"), "rate_limited"),
        (400, json.dumps({"detail": "Server is pinned to m"}), "bad_request"),
        (400, _google(400, "INVALID_ARGUMENT", "messages: field required"), "bad_request"),
        (
            400,
            _google(400, "FAILED_PRECONDITION", "Endpoint e has no deployed model ready to serve requests."),
            "not_deployed",
        ),
        (500, "Internal Server Error", "server_error"),
    ],
)
def test_google_and_other_error_bodies_map_to_causes(code: int, body: str, cause: str) -> None:
    diagnosis = diagnose_response(code, body)
    assert diagnosis.cause == cause
    assert diagnosis.hint and cause in diagnosis.summary()


def test_readiness_backs_off_until_the_route_answers() -> None:
    now = [0.0]
    sleeps: list[float] = []
    answers = iter([ConnectionRefusedError("refused"), ConnectionRefusedError("refused"), None])

    def probe() -> None:
        outcome = next(answers)
        if outcome:
            raise outcome

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    ready = wait_ready(probe, 60, clock=lambda: now[0], sleep=sleep)
    assert ready.ready and ready.attempts == 3 and sleeps == [1.0, 2.0]


def test_readiness_gives_up_at_the_deadline_and_stops_on_permanent_errors() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    def refused() -> None:
        raise ConnectionRefusedError("refused")

    late = wait_ready(refused, 10, clock=lambda: now[0], sleep=sleep)
    assert (
        not late.ready
        and late.waited_s == pytest.approx(10)
        and late.last
        and late.last.cause == "unreachable"
    )

    request = openai._base_client.httpx2.Request("POST", "http://x")  # type: ignore[attr-defined]
    denied = openai.AuthenticationError(
        "401",
        response=openai._base_client.httpx2.Response(401, request=request, text="{}"),  # type: ignore[attr-defined]
        body=None,
    )

    def unauthorized() -> None:
        raise denied

    stopped = wait_ready(unauthorized, 10, clock=lambda: now[0], sleep=sleep)
    assert (
        not stopped.ready and stopped.attempts == 1 and stopped.last and stopped.last.cause == "token_expired"
    )


def _status_error(code: int, body: str) -> openai.APIStatusError:
    request = openai._base_client.httpx2.Request("POST", "http://x")  # type: ignore[attr-defined]
    response = openai._base_client.httpx2.Response(code, request=request, text=body)  # type: ignore[attr-defined]
    return openai.APIStatusError(str(code), response=response, body=None)


def test_readiness_waits_through_a_deploy_but_not_through_a_malformed_request() -> None:
    now = [0.0]
    deploying = _status_error(
        400, _google(400, "FAILED_PRECONDITION", "Endpoint e has no deployed model ready to serve requests.")
    )
    answers: list[Exception | None] = [deploying, deploying, None]

    def probe() -> None:
        answer = answers.pop(0)
        if answer is not None:
            raise answer

    def sleep(seconds: float) -> None:
        now[0] += seconds

    ready = wait_ready(probe, 60, clock=lambda: now[0], sleep=sleep)
    assert ready.ready and ready.attempts == 3 and ready.not_yet == {"not_deployed": 2}

    def malformed() -> None:
        raise _status_error(400, _google(400, "INVALID_ARGUMENT", "messages: field required"))

    refused = wait_ready(malformed, 60, clock=lambda: now[0], sleep=sleep)
    assert (
        not refused.ready and refused.attempts == 1 and refused.last and refused.last.cause == "bad_request"
    )


def test_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    result = percentiles(values)
    assert result["p50"] == pytest.approx(50.5) and result["p99"] == pytest.approx(99.01)
    assert percentiles([]) == {}


def test_targets_from_flags_take_catalog_features_and_reject_bad_urls() -> None:
    gemini = target_from_flags(
        "https://h/v1/projects/p/locations/global/endpoints/openapi",
        "google/gemini-2.5-flash",
        None,
        "maas",
        "google",
    )
    assert gemini.family == "gemini" and "thinking_config" in gemini.features
    with pytest.raises(BadInputError):
        target_from_flags("ftp://nowhere", "m", None, "maas", "google")


@pytest.mark.parametrize(
    ("base_url", "routed"),
    [
        (
            "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/openapi",
            "http://127.0.0.1:8790/v1/projects/p/locations/us-central1/endpoints/openapi",
        ),
        (
            "https://aiplatform.googleapis.com/v1/projects/p/locations/global/endpoints/openapi/",
            "http://127.0.0.1:8790/v1/projects/p/locations/global/endpoints/openapi",
        ),
        (
            "https://42.us-central1-1234.prediction.vertexai.goog/v1/projects/p/locations/us-central1/endpoints/42",
            "http://127.0.0.1:8790/v1/projects/p/locations/us-central1/endpoints/42",
        ),
        # Not a Google host (a server on loopback, or already the override): left alone.
        ("http://127.0.0.1:9000/v1", "http://127.0.0.1:9000/v1"),
    ],
)
def test_the_endpoint_override_replaces_every_google_host_and_keeps_the_path(
    base_url: str, routed: str
) -> None:
    target = target_from_flags(base_url, "", None, "endpoint", "google", "http://127.0.0.1:8790")
    assert target.base_url == routed
    unrouted = target_from_flags(base_url, "", None, "endpoint", "google")
    assert unrouted.base_url == base_url.rstrip("/")  # without the override the real-Google path is unchanged

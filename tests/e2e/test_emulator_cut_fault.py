"""The faults that let the request through: `cut` (served, then its reply breaks mid-body, unlike `drop`,
which sends headers and no body at all and serves nothing) and `lose_reply` (served, then the connection is
reset before any byte of the reply); and a rule's `method` and `count`."""

from __future__ import annotations

import httpx
import pytest

from emulator.testing import EmulatorProcess
from tests.e2e.vertex_support import PROJECT, TOKEN, rest, seed_project

CHAT = f"/v1/projects/{PROJECT}/locations/us-central1/endpoints/openapi/chat/completions"
BODY = {"model": "google/gemini-2.5-flash", "messages": [{"role": "user", "content": "Say hello"}]}


def _post(url: str, body: dict[str, object]) -> tuple[int, bytes]:
    """Status and every byte received before the connection ended (cleanly or not)."""
    received = b""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.stream("POST", url, json=body, headers=headers, timeout=30) as response:
        try:
            for chunk in response.iter_raw():
                received += chunk
        except httpx.RemoteProtocolError:
            return -response.status_code, received  # negative: the body was cut
    return response.status_code, received


@pytest.mark.parametrize("stream", [True, False])
def test_cut_sends_part_of_the_reply_then_closes(emulator_env, stream: bool) -> None:
    seed_project(emulator_env)
    url = emulator_env.url + CHAT
    status, whole = _post(url, {**BODY, "stream": stream})
    assert status == 200 and (b"[DONE]" in whole) == stream
    emulator_env.set_faults([{"route": "/chat/completions$", "kind": "cut"}])
    status, part = _post(url, {**BODY, "stream": stream})
    assert status == -200  # the headers said 200, the body never finished
    assert part and b"[DONE]" not in part
    assert part.startswith(b"data: {" if stream else b'{"id":')
    assert emulator_env.requests()[-1]["status"] == 200  # the emulator served it; the wire broke


def test_cut_only_touches_matching_routes(emulator_env) -> None:
    seed_project(emulator_env)
    emulator_env.set_faults([{"route": "/chat/completions$", "kind": "cut"}])
    assert (
        rest(emulator_env, "GET", f"/v1/projects/{PROJECT}/locations/us-central1/endpoints").status_code
        == 200
    )


PROJECTS = "/v3/projects"
PARENT = "organizations/123456789012"


def _create_project(emulator: EmulatorProcess, project_id: str) -> int:
    """POST a project; the HTTP status, or 0 when the connection broke before any reply."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    body = {"projectId": project_id, "parent": PARENT}
    try:
        return httpx.post(emulator.url + PROJECTS, json=body, headers=headers, timeout=30).status_code
    except httpx.TransportError:
        return 0


def test_lose_reply_serves_the_request_then_resets_the_connection(emulator_env: EmulatorProcess) -> None:
    emulator_env.set_faults([{"route": f"^{PROJECTS}$", "method": "POST", "kind": "lose_reply", "count": 1}])

    assert _create_project(emulator_env, "lost-reply-one") == 0  # no reply at all
    assert _create_project(emulator_env, "lost-reply-one") == 409  # the first one took effect
    assert _create_project(emulator_env, "lost-reply-two") == 200  # count 1: the rule is spent

    log = emulator_env.requests()
    assert [(r["status"], r.get("reply_lost", False)) for r in log] == [
        (200, True),
        (409, False),
        (200, False),
    ]
    assert emulator_env.set_faults([]) == []


def test_a_fault_rule_with_a_method_leaves_other_methods_alone(emulator_env: EmulatorProcess) -> None:
    [rule] = emulator_env.set_faults([{"route": f"^{PROJECTS}$", "method": "post", "kind": "503"}])
    assert rule["method"] == "POST" and rule["count"] is None
    headers = {"Authorization": f"Bearer {TOKEN}"}
    listed = httpx.get(emulator_env.url + PROJECTS, params={"parent": PARENT}, headers=headers, timeout=30)
    assert listed.status_code == 200
    assert _create_project(emulator_env, "method-filtered") == 503


@pytest.mark.parametrize("count", [0, -1, "x"])
def test_a_fault_count_must_be_a_positive_whole_number(emulator_env: EmulatorProcess, count: object) -> None:
    with pytest.raises(httpx.HTTPStatusError) as refused:
        emulator_env.set_faults([{"route": ".", "kind": "lose_reply", "count": count}])
    assert refused.value.response.status_code == 400

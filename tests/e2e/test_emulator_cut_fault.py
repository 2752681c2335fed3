"""The fault kind `cut`: the request is served, then its reply breaks mid-body (unlike `drop`, which sends
headers and no body at all)."""

from __future__ import annotations

import httpx
import pytest

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

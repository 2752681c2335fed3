"""Smoke client figures against the real emulator (`python -m emulator`, its Vertex MaaS chat route):

- TTFT measured by our streaming client against the emulator's configured first-token delay (target: within
  5% or 5 ms, whichever is larger);
- the per-request overhead our client (openai SDK + refreshing-token hook) adds over a bare HTTP POST
  (target: < 10 ms).

`python -m bench smoke` (or `python -m bench.bench_smoke`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import httpx
import httpx2

from bench.figures import Figure
from emulator.testing import EmulatorProcess
from provisioning.smoke.client import build_chat_client
from provisioning.smoke.stream import stream_chat

PROJECT = "bench-smoke"
MODEL = "openai/gpt-oss-20b-maas"
BODY = {"model": MODEL, "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 32}
TOKEN = "bench-token"
FIRST_TOKEN_DELAYS_MS = (50.0, 200.0)


class _Token:
    description = "bench token"

    def token(self, *, refresh: bool = False) -> str:
        return TOKEN


def _prepare(emulator: EmulatorProcess) -> str:
    """A project with Vertex enabled and gpt-oss-20b enabled; returns the MaaS base_url."""
    emulator.seed(
        {
            "projects": [
                {
                    "projectId": PROJECT,
                    "parent": "organizations/123456789012",
                    "billingAccountName": "billingAccounts/012345-6789AB-CDEF01",
                    "enabledServices": ["aiplatform.googleapis.com"],
                }
            ]
        }
    )
    enable = (
        f"{emulator.url}/v1beta1/projects/{PROJECT}/publishers/openai/models/gpt-oss-20b-maas:enableModel"
    )
    httpx.post(enable, json={}, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30).raise_for_status()
    emulator.configure(record_bodies=False)
    return f"{emulator.url}/v1/projects/{PROJECT}/locations/us-central1/endpoints/openapi"


def _median_ms(call: Callable[[], object], rounds: int = 60) -> float:
    call()  # warm the connection
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> list[Figure]:
    figures: list[Figure] = []
    with EmulatorProcess.start() as emulator:
        base_url = _prepare(emulator)
        client = build_chat_client(base_url, _Token())
        try:
            for first_ms in FIRST_TOKEN_DELAYS_MS:
                emulator.configure(chat_first_token_delay_ms=first_ms, chat_inter_token_delay_ms=2.0)
                stream_chat(client, **BODY)  # warm the connection
                ttfts = [stream_chat(client, **BODY).first_token_s or 0.0 for _ in range(15)]
                error = statistics.median(ttfts) * 1000 - first_ms
                allowed = max(5.0, 0.05 * first_ms)
                figures.append(
                    Figure(
                        "smoke",
                        f"TTFT error at {first_ms:.0f} ms configured (median of 15)",
                        error,
                        "ms",
                        f"|error| <= {allowed:.0f} ms",
                        abs(error) <= allowed,
                    )
                )
            emulator.configure(chat_first_token_delay_ms=0.0, chat_inter_token_delay_ms=0.0)
            with httpx2.Client(headers={"Authorization": f"Bearer {TOKEN}"}) as raw:
                url = base_url + "/chat/completions"
                bare = _median_ms(lambda: raw.post(url, json=BODY).raise_for_status())
                sdk = _median_ms(lambda: client.sdk.chat.completions.create(**BODY))  # type: ignore[arg-type]
        finally:
            client.close()
    overhead = sdk - bare
    figures += [
        Figure("smoke", "bare httpx2 POST, median", bare, "ms", "", None),
        Figure("smoke", "smoke client (SDK + token hook), median", sdk, "ms", "", None),
        Figure("smoke", "client overhead per request", overhead, "ms", "< 10 ms", overhead < 10),
    ]
    return figures


if __name__ == "__main__":
    for figure in main():
        print(" | ".join(figure.row()))

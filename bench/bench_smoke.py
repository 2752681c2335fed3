"""Smoke client figures: measured TTFT against the emulator's configured first-token delay (target: within 5%
or 5 ms), and the per-request overhead our client adds over a bare HTTP POST (target: < 10 ms).

Runs the emulator's chat model on loopback (tests/e2e/smoke_harness.py). `python -m bench.bench_smoke`.
"""

from __future__ import annotations

import statistics
import time

import httpx2

from provisioning.smoke.client import build_chat_client
from provisioning.smoke.stream import stream_chat
from tests.e2e.smoke_harness import ChatHarness

MODEL = "openai/gpt-oss-20b-maas"
BODY = {"model": MODEL, "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 32}


class _Token:
    description = "bench token"

    def token(self, *, refresh: bool = False) -> str:
        return "bench-token"


def main() -> None:
    with ChatHarness() as harness:
        client = build_chat_client(harness.base_url, _Token())
        for first_ms in (50.0, 200.0):
            harness.settings.update(chat_first_token_delay_ms=first_ms, chat_inter_token_delay_ms=2.0)
            stream_chat(client, **BODY)  # warm the connection
            ttfts = [stream_chat(client, **BODY).first_token_s or 0.0 for _ in range(15)]
            measured = statistics.median(ttfts) * 1000
            error = measured - first_ms
            ok = abs(error) <= max(5.0, 0.05 * first_ms)
            print(
                f"TTFT configured {first_ms:.0f} ms, measured median {measured:.1f} ms "
                f"(error {error:+.1f} ms, {'within' if ok else 'OUTSIDE'} target)"
            )
        harness.settings.update(chat_first_token_delay_ms=0.0, chat_inter_token_delay_ms=0.0)
        raw = httpx2.Client(headers={"Authorization": "Bearer bench-token"})
        url = harness.base_url + "/chat/completions"

        def timed(call: object, rounds: int = 60) -> float:
            assert callable(call)
            call()
            samples = []
            for _ in range(rounds):
                start = time.perf_counter()
                call()
                samples.append(time.perf_counter() - start)
            return statistics.median(samples) * 1000

        bare = timed(lambda: raw.post(url, json=BODY).raise_for_status())
        sdk = timed(lambda: client.sdk.chat.completions.create(**BODY))  # type: ignore[arg-type]
        streamed = timed(lambda: stream_chat(client, **BODY))
        print(
            f"bare httpx2 POST median {bare:.2f} ms; smoke client (SDK + token hook) {sdk:.2f} ms; "
            f"streamed with SSE timing {streamed:.2f} ms"
        )
        overhead = sdk - bare
        print(
            f"client overhead per request {overhead:.2f} ms ({'<' if overhead < 10 else '>='} 10 ms target)"
        )
        client.close()
        raw.close()


if __name__ == "__main__":
    main()

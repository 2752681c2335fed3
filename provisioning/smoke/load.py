"""A small load probe in the spirit of vLLM's serving benchmark: M streamed requests over N concurrent
workers, reporting percentiles of time to first token and end-to-end latency, throughput and errors.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from provisioning.smoke.diagnose import diagnose_exception
from provisioning.smoke.stream import StreamBroken, StreamTrace


@dataclass
class LoadReport:
    concurrency: int
    requests: int
    ok: int
    errors: dict[str, int]  # cause -> count
    wall_s: float
    ttft_s: dict[str, float]
    latency_s: dict[str, float]
    output_tokens: int
    request_throughput: float
    output_tokens_per_s: float
    # Per request, for the terminal's histograms (not in the JSON report): TTFT, and the mean gap between
    # tokens after the first ((total - TTFT) / (tokens - 1)).
    ttft_samples_s: list[float] = field(default_factory=list, repr=False)
    inter_token_samples_s: list[float] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = self.__dict__.copy()
        del data["ttft_samples_s"], data["inter_token_samples_s"]
        return data


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    if len(values) == 1:
        only = round(values[0], 4)
        return {"mean": only, "p50": only, "p95": only, "p99": only}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "mean": round(statistics.fmean(values), 4),
        "p50": round(cuts[49], 4),
        "p95": round(cuts[94], 4),
        "p99": round(cuts[98], 4),
    }


def run_load(send: Callable[[], StreamTrace], concurrency: int, requests: int) -> LoadReport:
    """`send` performs one streamed request and returns its trace (it may raise)."""

    def one(_: int) -> StreamTrace | str:
        try:
            return send()
        except StreamBroken:
            return "stream_broken"
        except Exception as error:
            return diagnose_exception(error).cause

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(one, range(requests)))
    wall = time.perf_counter() - start
    traces = [o for o in outcomes if isinstance(o, StreamTrace)]
    errors = Counter(o for o in outcomes if isinstance(o, str))
    tokens = sum(t.output_tokens or 0 for t in traces)
    ttfts = [t.first_token_s for t in traces if t.first_token_s is not None]
    gaps = [
        (t.total_s - t.first_token_s) / (t.output_tokens - 1)
        for t in traces
        if t.first_token_s is not None and t.output_tokens and t.output_tokens > 1
    ]
    return LoadReport(
        concurrency=concurrency,
        requests=requests,
        ok=len(traces),
        errors=dict(errors),
        wall_s=round(wall, 4),
        ttft_s=percentiles(ttfts),
        latency_s=percentiles([t.total_s for t in traces]),
        output_tokens=tokens,
        request_throughput=round(len(traces) / wall, 2) if wall > 0 else 0.0,
        output_tokens_per_s=round(tokens / wall, 1) if wall > 0 else 0.0,
        ttft_samples_s=ttfts,
        inter_token_samples_s=gaps,
    )

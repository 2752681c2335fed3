"""Run the smoke checks over the targets: readiness first (when asked), then each applicable check, then the
optional load probe. Input is validated before any request is sent."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from provisioning.auth import TokenSource, resolve_token_source
from provisioning.errors import BadInputError
from provisioning.progress import NoRows, Rows
from provisioning.smoke.checks import CHECKS, Check, CheckContext, CheckFailed, SmokeOptions
from provisioning.smoke.client import GoogleTokenAuth, build_chat_client
from provisioning.smoke.diagnose import diagnose_exception
from provisioning.smoke.load import run_load
from provisioning.smoke.readiness import wait_ready
from provisioning.smoke.report import SmokeReport, headline
from provisioning.smoke.results import CheckResult
from provisioning.smoke.stream import stream_chat
from provisioning.smoke.targets import SmokeTarget


@dataclass(frozen=True)
class SmokeRun:
    targets: list[SmokeTarget]
    access_token_file: Path | None = None
    options: SmokeOptions = field(default_factory=SmokeOptions)
    wait_ready_s: float | None = None
    concurrency: int | None = None
    requests: int | None = None
    timeout_s: float = 60.0
    max_retries: int = 2
    checks: tuple[Check, ...] = CHECKS

    def validate(self) -> None:
        if (self.concurrency is None) != (self.requests is None):
            raise BadInputError(
                "--concurrency and --requests go together",
                fix="pass both, e.g. --concurrency 4 --requests 40",
            )
        if self.concurrency is not None and (self.concurrency < 1 or (self.requests or 0) < 1):
            raise BadInputError(
                "--concurrency and --requests must be at least 1", fix="e.g. --concurrency 4 --requests 40"
            )
        if self.wait_ready_s is not None and self.wait_ready_s < 0:
            raise BadInputError("--wait-ready must be zero or more seconds", fix="e.g. --wait-ready 600")
        if self.timeout_s <= 0 or self.max_retries < 0:
            raise BadInputError(
                "--timeout must be positive and --max-retries zero or more",
                fix="e.g. --timeout 60 --max-retries 2",
            )
        if self.options.max_tokens < 1:
            raise BadInputError("--max-tokens must be at least 1", fix="e.g. --max-tokens 200")
        if self.options.gcs_image is not None and not self.options.gcs_image.startswith("gs://"):
            raise BadInputError(
                f"--gcs-image {self.options.gcs_image!r} is not a gs:// URI",
                fix="e.g. --gcs-image gs://cloud-samples-data/generative-ai/image/scones.jpg",
            )


def _row(result: CheckResult) -> str:
    return f"{result.target}/{result.check}"


def _show(rows: Rows, result: CheckResult) -> CheckResult:
    """Finish the check's live row: failures stay red (optional ones say so), passes green."""
    if result.status == "pass":
        rows.finish(_row(result), "ok", result.message or headline(result) or "passed")
    else:
        gate = "" if result.required else "optional, "
        rows.finish(_row(result), "failed", f"{gate}failed: {result.message}")
    return result


def _timed(target: SmokeTarget, check: Check, ctx: CheckContext, level: str) -> CheckResult:
    result = CheckResult(target.name, check.name, "pass", required=level == "required")
    mark = ctx.client.wire.mark()
    start = time.perf_counter()
    try:
        result.evidence = check.run(ctx)
    except CheckFailed as failed:
        result.status, result.message, result.evidence = "fail", str(failed), failed.evidence
    except Exception as error:
        diagnosis = diagnose_exception(error)
        result.status, result.message = "fail", diagnosis.summary()
        result.evidence = {"cause": diagnosis.cause, "http_status": diagnosis.status_code}
    result.seconds = time.perf_counter() - start
    statuses = ctx.client.wire.since(mark)
    if statuses != [200] * len(statuses) or len(statuses) > 1:
        result.evidence["http_statuses"] = statuses  # shows retries (429, 200) and refreshes (401, 200)
    return result


def _readiness(
    target: SmokeTarget,
    ctx: CheckContext,
    deadline_s: float,
    sleep: Callable[[float], None],
    rows: Rows,
) -> CheckResult:
    probe_client = ctx.client.sdk.with_options(max_retries=0)
    request = ctx.request("ping", max_tokens=8)
    key = f"{target.name}/ready"
    attempts = 0

    def probe() -> object:
        nonlocal attempts
        attempts += 1
        rows.update(key, f"waiting for the chat route to answer (attempt {attempts}, up to {deadline_s:g}s)")
        return probe_client.chat.completions.create(**request)

    rows.start(key, f"waiting for the chat route to answer (up to {deadline_s:g}s)", f"{target.name} ready")
    outcome = wait_ready(probe, deadline_s, sleep=sleep)
    evidence = {
        "attempts": outcome.attempts,
        "waited_s": round(outcome.waited_s, 3),
        "not_yet": outcome.not_yet,
    }
    if outcome.ready:
        return CheckResult(target.name, "ready", "pass", True, outcome.waited_s, "", evidence)
    message = f"not ready after {outcome.waited_s:.1f}s" + (
        f": {outcome.last.summary()}" if outcome.last else ""
    )
    return CheckResult(target.name, "ready", "fail", True, outcome.waited_s, message, evidence)


def run_smoke(
    run: SmokeRun,
    *,
    source: TokenSource | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rows: Rows | None = None,
) -> SmokeReport:
    """`rows` shows each check live, as it runs and as it finishes (skipped checks get no row)."""
    run.validate()
    auth: GoogleTokenAuth | None = None
    if any(t.auth == "google" for t in run.targets):
        auth = GoogleTokenAuth(source or resolve_token_source(run.access_token_file))
        auth.current()  # an unreadable token file is bad input: fail before sending anything
    report = SmokeReport()
    for target in run.targets:
        client = build_chat_client(
            target.base_url,
            None,
            auth=auth if target.auth == "google" else None,
            timeout=run.timeout_s,
            max_retries=run.max_retries,
        )
        try:
            ctx = CheckContext(target, client, run.options)
            _smoke_target(run, target, ctx, report, sleep, rows or NoRows())
        finally:
            client.close()
    if auth is not None:
        report.token_refreshes = auth.refreshes
        report.secrets = set(auth.issued)
    return report


def _smoke_target(
    run: SmokeRun,
    target: SmokeTarget,
    ctx: CheckContext,
    report: SmokeReport,
    sleep: Callable[[float], None],
    rows: Rows,
) -> None:
    if run.wait_ready_s is not None:
        ready = _show(rows, _readiness(target, ctx, run.wait_ready_s, sleep, rows))
        report.results.append(ready)
        if ready.status != "pass":
            for check in run.checks:
                report.results.append(
                    CheckResult(target.name, check.name, "skip", False, message="target not ready")
                )
            return
    for check in run.checks:
        level, reason = check.requirement(target, run.options)
        if level == "skip":
            report.results.append(CheckResult(target.name, check.name, "skip", False, message=reason))
            continue
        rows.start(f"{target.name}/{check.name}", f"running ({level})", f"{target.name} {check.name}")
        report.results.append(_show(rows, _timed(target, check, ctx, level)))
    if run.concurrency is not None and run.requests is not None:
        request = ctx.request(stream_options={"include_usage": True})
        rows.start(
            f"{target.name}/load",
            f"{run.requests} requests at concurrency {run.concurrency}",
            f"{target.name} load",
        )
        load = run_load(lambda: stream_chat(ctx.client, **request), run.concurrency, run.requests)
        report.load[target.name] = load
        failed = load.requests - load.ok
        result = CheckResult(
            target.name,
            "load",
            "pass" if failed == 0 else "fail",
            True,
            load.wall_s,
            f"{failed} of {load.requests} requests failed: {load.errors}"
            if failed
            else f"{load.ok}/{load.requests} ok, TTFT p95 {load.ttft_s.get('p95')}s",
            {
                "ttft_s": load.ttft_s,
                "latency_s": load.latency_s,
                "output_tokens_per_s": load.output_tokens_per_s,
            },
        )
        report.results.append(_show(rows, result))

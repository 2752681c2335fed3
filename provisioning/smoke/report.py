"""The smoke report for people (a rich table) and machines (JSON, JUnit XML). Every string that leaves goes
through `mask_all`, so a token that found its way into a server's error message is still never written."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from provisioning.errors import EXIT_FINDINGS, EXIT_OK
from provisioning.smoke.histogram import histogram
from provisioning.smoke.load import LoadReport
from provisioning.smoke.results import CheckResult
from redaction import mask, mask_all


@dataclass
class SmokeReport:
    results: list[CheckResult] = field(default_factory=list)
    load: dict[str, LoadReport] = field(default_factory=dict)
    token_refreshes: int = 0
    secrets: set[str] = field(default_factory=set, repr=False)

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if any(r.blocks for r in self.results) else EXIT_OK

    def counts(self) -> dict[str, int]:
        counts = {"pass": 0, "fail": 0, "skip": 0, "required_failed": 0}
        for r in self.results:
            counts[r.status] += 1
            counts["required_failed"] += int(r.blocks)
        return counts

    def to_dict(self) -> dict[str, Any]:
        data = {
            "ok": self.exit_code == EXIT_OK,
            "counts": self.counts(),
            "token_refreshes": self.token_refreshes,
            "results": [r.to_dict() for r in self.results],
            "load": {name: report.to_dict() for name, report in self.load.items()},
        }
        return mask_all(data, self.secrets)  # type: ignore[no-any-return]


def json_lines(report: SmokeReport) -> list[dict[str, Any]]:
    """`--json`: one `check` event per result, then the `smoke` summary (the report without its results)."""
    data = report.to_dict()
    results = data.pop("results")
    return [*({"event": "check", **r} for r in results), {"event": "smoke", **data}]


def write_json(report: SmokeReport, path: str | os.PathLike[str]) -> None:
    text = json.dumps(report.to_dict(), indent=2) + "\n"
    if str(path) == "-":
        print(text, end="")
    else:
        Path(path).write_text(text, encoding="utf-8")


def write_junit(report: SmokeReport, path: str | os.PathLike[str]) -> None:
    """One testcase per target x check; a failed optional check is reported as skipped with its message, so CI
    dashboards agree with the exit code."""
    suite = ET.Element("testsuite", name="provision-smoke")
    failures = skipped = 0
    total = 0.0
    for r in report.results:
        case = ET.SubElement(
            suite, "testcase", classname=f"smoke.{r.target}", name=r.check, time=f"{r.seconds:.4f}"
        )
        total += r.seconds
        message = mask(r.message, report.secrets)
        if r.blocks:
            failures += 1
            failure = ET.SubElement(case, "failure", message=message or "failed", type=r.status)
            failure.text = json.dumps(mask_all(r.evidence, report.secrets), indent=1)
        elif r.status != "pass":
            skipped += 1
            label = "optional check failed: " if r.status == "fail" else ""
            ET.SubElement(case, "skipped", message=label + message)
    suite.set("tests", str(len(report.results)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    suite.set("time", f"{total:.4f}")
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


_STYLE = {"pass": "green", "fail": "red", "skip": "yellow"}


def headline(r: CheckResult) -> str:
    """The figures a passed check measured (TTFT, latency), for its row."""
    e = r.evidence
    if "ttft_s" in e:
        rate = e.get("output_tokens_per_s")
        return f"TTFT {e['ttft_s']}s, total {e['total_s']}s" + (f", {rate} tok/s" if rate else "")
    if "latency_s" in e:
        return f"{e['latency_s']}s, finish {e.get('finish_reason')}"
    return ""


def _failures_first(r: CheckResult) -> int:
    return 0 if r.blocks else 1 if r.status == "fail" else 2


def skipped_summary(results: list[CheckResult]) -> str:
    """The skipped checks as one line of counts by reason, instead of a row each."""
    reasons = Counter(r.message or "not applicable" for r in results if r.status == "skip")
    return "; ".join(f"{count} ({reason})" for reason, count in reasons.most_common())


def print_table(report: SmokeReport, console: Console) -> None:
    """Failures first (required, then optional), then passes; skipped checks collapse into one line."""
    table = Table(title="provision smoke", show_lines=False)
    for column in ("target", "check", "result", "gate", "time", "detail"):
        table.add_column(column, overflow="fold")
    ran = sorted((r for r in report.results if r.status != "skip"), key=_failures_first)
    for r in ran:
        style = _STYLE[r.status]
        detail = mask(r.message or headline(r), report.secrets)
        table.add_row(
            r.target,
            r.check,
            f"[{style}]{r.status}[/]",
            "required" if r.required else "optional",
            f"{r.seconds:.2f}s",
            detail,
        )
    console.print(table)
    skipped = skipped_summary(report.results)
    if skipped:
        console.print(f"[yellow]skipped:[/] {mask(skipped, report.secrets)}", soft_wrap=True)
    for name, load in report.load.items():
        console.print(
            f"[bold]load[/] {name}: {load.ok}/{load.requests} ok at concurrency {load.concurrency} "
            f"in {load.wall_s}s; "
            f"TTFT p50/p95/p99 {load.ttft_s.get('p50')}/{load.ttft_s.get('p95')}/{load.ttft_s.get('p99')}s; "
            f"latency p50/p95/p99 {load.latency_s.get('p50')}/{load.latency_s.get('p95')}/"
            f"{load.latency_s.get('p99')}s; {load.output_tokens_per_s} tok/s; errors {load.errors or 'none'}"
        )
        for title, samples in (
            ("TTFT", load.ttft_samples_s),
            ("inter-token gap", load.inter_token_samples_s),
        ):
            if samples:
                console.print(f"  {title} ({len(samples)} requests)")
                for line in histogram(samples):
                    console.print(f"  {line}", highlight=False)
    counts = report.counts()
    verdict = "[green]OK[/]" if report.exit_code == EXIT_OK else "[red]FAILED[/]"
    console.print(
        f"{verdict}: {counts['pass']} passed, {counts['fail']} failed "
        f"({counts['required_failed']} required), {counts['skip']} skipped; "
        f"token refreshes {report.token_refreshes}"
    )

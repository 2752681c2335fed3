"""`make bench`: run every bench/bench_*.py, print one table; --write records it in bench/RESULTS.md."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.figures import Figure

HERE = Path(__file__).resolve().parent
COLUMNS = ["benchmark", "figure", "value", "unit", "target", "verdict"]


def discover(selected: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if not selected or any(s in n for s in selected)]


def run(names: list[str]) -> list[Figure]:
    figures: list[Figure] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        figures.extend(module.main())
        print(f"  {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return figures


def markdown(figures: list[Figure], command: str, load: tuple[float, float, float]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()} with {platform.python_implementation()} {platform.python_version()}, "
        "against the local emulator on loopback (2 cores; load average at the start "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}, other work inflates latency figures).",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in f.row()) + " |" for f in figures]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("only", nargs="*", help="run only benchmarks whose name contains one of these")
    parser.add_argument("--write", action="store_true", help="record the table in bench/RESULTS.md")
    args = parser.parse_args()
    load = os.getloadavg()
    figures = run(discover(args.only))
    table = Table(title="benchmarks")
    for column in COLUMNS:
        table.add_column(column)
    for figure in figures:
        table.add_row(*figure.row())
    Console().print(table)
    if args.write:
        command = "make bench" if not args.only else f"python -m bench {' '.join(args.only)}"
        (HERE / "RESULTS.md").write_text(markdown(figures, command, load), encoding="utf-8")
    return 0 if all(f.ok is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())

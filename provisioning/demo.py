"""`make demo`: the whole flow against the bundled emulator, as a user would run it, with examples/dev.yaml.

Starts `python -m emulator --port 0`, then runs `provision doctor`, `apply`, `smoke` and `destroy` as
subprocesses (their own output is shown as it happens), with PROVISION_API_ENDPOINT pointing at the emulator
and fake tokens the emulator accepts. Outputs, state and reports go to a temporary folder. The result table
shows each step's real exit code and time; a step that failed shows as failed and the demo exits 1. A step
that cannot run because an earlier one failed is shown as not run, never as passed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from emulator.testing import EmulatorProcess
from provisioning.errors import EXIT_FINDINGS, EXIT_OK

SPEC = "examples/dev.yaml"
ROOT = Path(__file__).resolve().parents[1]
# Fakes: the emulator accepts any non-empty bearer token; the Hugging Face token is only passed through.
FAKE_ENV = {
    "CLOUDSDK_AUTH_ACCESS_TOKEN": "demo-fake-google-token-for-the-emulator",
    "HF_TOKEN": "hf_demo_fake_token_for_the_emulator",
}


@dataclass(frozen=True)
class Step:
    name: str
    args: tuple[str, ...]
    purpose: str
    needs: Path | None = None  # a file an earlier step must have written


@dataclass(frozen=True)
class StepResult:
    step: Step
    exit_code: int | None  # None: not run
    seconds: float
    mutating_calls: int
    detail: str

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK


def demo_steps(work: Path) -> list[Step]:
    outputs, state = work / "outputs.json", work / "state.json"
    return [
        Step("doctor", ("doctor", "--spec", SPEC), "read-only preflight of the spec against the API"),
        Step(
            "apply",
            ("apply", "--spec", SPEC, "--outputs", str(outputs), "--state", str(state)),
            "project, billing, APIs, MaaS model, vLLM endpoint, caller; writes outputs",
        ),
        Step(
            "smoke",
            (
                "smoke",
                "--outputs",
                str(outputs),
                "--json-file",
                str(work / "smoke.json"),
                "--junit",
                str(work / "smoke.xml"),
            ),
            "chat-completions checks on every target with the openai SDK",
            needs=outputs,
        ),
        Step(
            "destroy",
            ("destroy", "--spec", SPEC, "--state", str(state), "--delete-project", "--yes"),
            "undeploy and delete the endpoint, delete the project",
        ),
    ]


def _detail(step: Step, work: Path) -> str:
    """What the step produced, read from the files it wrote (nothing is assumed)."""
    if step.name == "apply" and (work / "outputs.json").exists():
        outputs = json.loads((work / "outputs.json").read_text())
        names = ", ".join(t["name"] for t in outputs["targets"])
        return f"outputs: project {outputs['project']}, targets {names}"
    if step.name == "smoke" and (work / "smoke.json").exists():
        counts = json.loads((work / "smoke.json").read_text())["counts"]
        return f"checks: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped"
    return step.purpose


def run_step(
    step: Step, emulator: EmulatorProcess, env: dict[str, str], work: Path, console: Console
) -> StepResult:
    command = " ".join(("provision", *step.args))
    if step.needs is not None and not step.needs.exists():
        console.print(
            f"\n[bold yellow]$ {command}[/]  (not run: {step.needs.name} was not written)", soft_wrap=True
        )
        return StepResult(step, None, 0.0, 0, f"not run: no {step.needs.name} (an earlier step failed)")
    console.print(f"\n[bold]$ {command}[/]", soft_wrap=True)
    before = len(emulator.requests(mutating_only=True))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "provisioning", *step.args], env=env, cwd=ROOT, check=False)
    seconds = time.monotonic() - started
    mutating = len(emulator.requests(mutating_only=True)) - before
    return StepResult(step, done.returncode, seconds, mutating, _detail(step, work))


def result_table(results: list[StepResult]) -> Table:
    table = Table(title="provision demo against the local emulator")
    for column in ("step", "result", "exit code", "seconds", "mutating calls", "what it did"):
        table.add_column(column)
    for r in results:
        if r.exit_code is None:
            verdict, code = "[yellow]not run[/]", "-"
        else:
            verdict, code = ("[green]ok[/]" if r.ok else "[bold red]failed[/]"), str(r.exit_code)
        table.add_row(r.step.name, verdict, code, f"{r.seconds:.1f}", str(r.mutating_calls), r.detail)
    return table


def main() -> int:
    console = Console(highlight=False, width=max(Console().width, 120))
    with tempfile.TemporaryDirectory(prefix="provision-demo-") as tmp, EmulatorProcess.start() as emulator:
        work = Path(tmp)
        # The steps print through pipes, where rich would fall back to 80 columns: give them the terminal's.
        columns = str(shutil.get_terminal_size((120, 40)).columns)
        env = {**os.environ, **FAKE_ENV, "PROVISION_API_ENDPOINT": emulator.url, "COLUMNS": columns}
        console.print(
            f"emulator listening on {emulator.url} (a local stand-in for Google Cloud; nothing leaves)"
        )
        console.print(
            "CLOUDSDK_AUTH_ACCESS_TOKEN and HF_TOKEN are set to fakes: the emulator accepts any bearer token."
        )
        console.print(f"spec {SPEC}; outputs, state and reports in {work}")
        results = [run_step(step, emulator, env, work, console) for step in demo_steps(work)]
        console.print()
        console.print(result_table(results))
    failed = [r.step.name for r in results if not r.ok]
    if failed:
        console.print(f"[bold red]demo failed[/]: {', '.join(failed)} did not succeed (see above)")
        return EXIT_FINDINGS
    console.print("[green]demo ok[/]: every step ran and exited 0")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

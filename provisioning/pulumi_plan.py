"""`provision plan --engine pulumi`: the resource graph `pulumi up` would register, and the policy's verdict.

The graph is computed offline under Pulumi's mocks by `python -m infra.plan`, in a child process (as `pulumi
up`'s preflight does), so provision never imports the Pulumi program; this module runs it and prints its
answer.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from provisioning.errors import BadInputError, ProvisionError
from provisioning.spec import EnvironmentSpec

TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class PulumiPlan:
    """What `pulumi up` would register (offline, under Pulumi's mocks) and the policy's verdict on it."""

    project: str
    resources: list[dict[str, Any]]
    violations: list[dict[str, str]]

    @property
    def exit_code(self) -> int:
        return 1 if self.violations else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "engine": "pulumi",
            "resources": self.resources,
            "policy": {"passed": not self.violations, "violations": self.violations},
            "exit_code": self.exit_code,
        }


def pulumi_plan(spec: EnvironmentSpec) -> PulumiPlan:
    """Needs the `pulumi` extra; without it the error says how to install it."""
    missing = [name for name in ("pulumi", "pulumi_gcp") if importlib.util.find_spec(name) is None]
    if missing:
        raise ProvisionError(
            "the Pulumi resource graph needs the pulumi packages",
            why=f"not installed: {', '.join(missing)}",
            fix="pip install -e '.[pulumi]' (make env installs every extra)",
        )
    done = subprocess.run(
        [sys.executable, "-m", "infra.plan"],
        input=json.dumps(spec.model_dump(mode="json")),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    lines = done.stdout.strip().splitlines()[-1:] if done.returncode == 0 else []
    if not lines:
        raise ProvisionError(
            "the Pulumi resource graph could not be computed",
            why=f"python -m infra.plan exited {done.returncode}: {done.stderr.strip()[-800:]}",
            fix="run `python -m pytest tests/unit/test_plan_pulumi.py` to see the program's error in full",
        )
    answer = json.loads(lines[0])
    if "error" in answer:
        error = answer["error"]
        kind = BadInputError if error["exit_code"] == BadInputError.exit_code else ProvisionError
        raise kind(error["what"], error["why"], error["fix"])
    return PulumiPlan(spec.project.id, answer["resources"], answer["violations"])


def _short(urn_id: str) -> str:
    """`type::name` → `name (Type)`: the last segment of the type is enough to tell nodes apart in a table."""
    type_, _, name = urn_id.partition("::")
    return f"{name} ({type_.rsplit(':', 1)[-1]})"


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_shown(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_shown(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def print_pulumi_plan(plan: PulumiPlan, console: Console) -> None:
    resources = plan.resources
    table = Table(title=f"pulumi resource graph: {plan.project} ({len(resources)} resources)", expand=True)
    table.add_column("type", ratio=3)
    table.add_column("name", ratio=2)
    table.add_column("parent", ratio=2)
    table.add_column("depends on", ratio=3)
    table.add_column("key inputs", ratio=4)
    for node in resources:
        table.add_row(
            node["type"],
            node["name"],
            _short(node["parent"]) if node["parent"] else "",
            ", ".join(_short(d) for d in node["depends_on"]),
            # escaped: rich would take "[secret]" for markup and print nothing
            escape("\n".join(f"{key}: {_shown(value)}" for key, value in node["inputs"].items())),
        )
    console.print(table)
    console.print(
        "computed offline under Pulumi's mocks, no API call; `pulumi preview` checks it against Google Cloud"
    )
    if not plan.violations:
        console.print("policy: passed (`pulumi up` runs the same check before registering anything)")
        return
    count = len(plan.violations)
    console.print(f"[bold red]policy: {count} violation(s)[/]; `pulumi up` would refuse this stack")
    for v in plan.violations:
        listed = escape(f"{v['resource']}: [{v['rule']}] {v['message']}\n  fix: {v['fix']}")
        console.print(f"[bold red]fail[/] {listed}", soft_wrap=True, highlight=False)

"""`pulumi up`'s policy gate: the graph this spec gives under mocks must pass infra.policy before registering.

The graph comes from a child process (`python -m infra.graph`, the same program under Pulumi's mocks):
mocks replace the Pulumi runtime's global settings and need an event loop of their own, while `pulumi up`
runs this program inside the engine's loop. The child gets the validated spec on stdin, placeholder tokens
(never the real ones: their variables and every PULUMI_* setting are left out of its environment), and
answers with the violations as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from infra.policy import PolicyError, Violation
from provisioning.errors import ProvisionError
from provisioning.spec import EnvironmentSpec

TIMEOUT_SECONDS = 300


def violations_to_json(violations: list[Violation]) -> str:
    return json.dumps([asdict(v) for v in violations])


def enforce_policy(spec: EnvironmentSpec, now: datetime, root: Path) -> None:
    """Raise PolicyError listing every violation (with its fix); return when the stack passes."""
    request = json.dumps({"spec": spec.model_dump(mode="json"), "now": now.isoformat()})
    done = subprocess.run(
        [sys.executable, "-m", "infra.graph"],
        input=request,
        capture_output=True,
        text=True,
        cwd=root,
        env=_child_environment(spec, root),
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    answer = done.stdout.strip().splitlines()[-1:] if done.returncode == 0 else []
    if not answer:
        raise ProvisionError(
            "the policy check could not run, so nothing was registered",
            why=f"python -m infra.graph exited {done.returncode}: {done.stderr.strip()[-800:]}",
            fix="run `provision plan --engine pulumi --spec SPEC` to see the same check with its error",
        )
    violations = [Violation(**item) for item in _parse(answer[0])]
    if violations:
        raise PolicyError(violations)


def _parse(line: str) -> list[dict[str, Any]]:
    items = json.loads(line)
    assert isinstance(items, list)
    return items


def _child_environment(spec: EnvironmentSpec, root: Path) -> dict[str, str]:
    token_variables = {e.hf_token_env for e in spec.endpoints if e.hf_token_env}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_") and k not in token_variables}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    return env

"""`resource_graph(spec)`: what `pulumi up` would register, computed offline under Pulumi's mocks.

Each node: id (`type::name`), type, name, parent, custom, inputs (secrets shown as "[secret]"), secret_inputs,
depends_on, provider and the options that matter (custom_timeouts, ignore_changes, additional_secret_outputs).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pulumi
from pulumi.runtime import Mocks
from pulumi.runtime import settings as pulumi_settings

from infra.mocks import FakeGoogleCloud, RecordingMonitor
from infra.policy import Violation, check
from infra.preflight import violations_to_json
from infra.program import build
from provisioning.spec import EnvironmentSpec, parse_spec

PLACEHOLDER_TOKEN = "hf_placeholder_not_a_token"  # shaped like one: provisioning.hf_token checks


def fresh_mock_runtime() -> None:
    """Make the next `pulumi.runtime.set_mocks` independent of whatever ran before in this process."""
    # Pulumi's mocks run on the thread's current event loop; code that ran before (asyncio.run, uvicorn)
    # may have closed or cleared it, so each run gets a fresh one.
    asyncio.set_event_loop(asyncio.new_event_loop())
    # Likewise the root Stack resource lives on from any earlier mocked run (under another project/stack
    # name); clearing it makes set_mocks create this run's own, so the graph is the same whatever ran before.
    pulumi_settings.ROOT.set(None)


def run_program(
    spec: EnvironmentSpec,
    environ: Mapping[str, str] | None = None,
    now: datetime | None = None,
    mocks: Mocks | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run the program under mocks (default FakeGoogleCloud); return (graph sorted by id, resolved outputs).

    Without `environ`, every Hugging Face token variable the spec names gets a placeholder (it is a secret in
    the graph either way), so planning needs no token.
    """
    if environ is None:
        environ = {e.hf_token_env: PLACEHOLDER_TOKEN for e in spec.endpoints if e.hf_token_env}
    fresh_mock_runtime()
    mocks = mocks or FakeGoogleCloud()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="vertex-bootstrap", stack="mock", preview=False, monitor=monitor)
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        outputs = build(spec, environ, now or datetime.now(UTC))
        return pulumi.Output.all(**outputs).apply(resolved.update)

    run()
    return sorted(monitor.nodes, key=lambda node: node["id"]), resolved


def resource_graph(spec: EnvironmentSpec, now: datetime | None = None) -> list[dict[str, Any]]:
    return run_program(spec, now=now)[0]


def policy_violations(spec: EnvironmentSpec, now: datetime | None = None) -> list[Violation]:
    """infra.policy over the graph this spec gives (one program, one set of rules, for plan and up)."""
    return check(resource_graph(spec, now=now))


def _preflight_child() -> None:
    """`python -m infra.graph`: infra.preflight's child; spec and time on stdin, violations on stdout."""
    request = json.load(sys.stdin)
    spec = parse_spec(request["spec"], "the policy preflight's spec")
    violations = policy_violations(spec, now=datetime.fromisoformat(request["now"]))
    sys.stdout.write("\n" + violations_to_json(violations) + "\n")


if __name__ == "__main__":
    _preflight_child()

"""Guard rails checked on the resource graph (`infra.graph.resource_graph`), before anything is created.

Plain Python, so it runs in pytest, in `provision plan --engine pulumi` and as `pulumi up`'s preflight
(`infra.preflight`); Pulumi's CrossGuard would need the CLI. Rules:
- a GPU endpoint carries an `expires-at` label and a max replica count (it must stop, and stop growing;
  the rule itself is provisioning/guardrails.py, which `provision apply` checks on the spec too);
- a workload identity provider admits exactly one GitHub repository; no binding admits a whole pool;
- tokens travel only as Pulumi secrets; no service-account key exists at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infra.mocks import SECRET
from provisioning.errors import ProvisionError
from provisioning.guardrails import gpu_endpoint_breaches

DEPLOYMENT = "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment"
WIF_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
SA_KEY = "gcp:serviceaccount/key:Key"
ONE_REPOSITORY = re.compile(r'^assertion\.repository == "[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+"$')
TOKEN_KEYS = re.compile(r"(token|password|secret|apikey|privatekey)$", re.IGNORECASE)


@dataclass(frozen=True)
class Violation:
    resource: str
    rule: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.resource}: [{self.rule}] {self.message}\n    fix: {self.fix}"


class PolicyError(ProvisionError):
    """The stack breaks the policy; nothing was registered (exit 1, like any finding)."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        listed = "\n  ".join(str(v) for v in violations)
        super().__init__(
            f"the stack breaks the vertex-bootstrap policy ({len(violations)} violation(s)); "
            f"nothing was registered:\n  {listed}"
        )


def check(graph: list[dict[str, Any]]) -> list[Violation]:
    """Every violation in the graph, in graph order; an empty list means the stack may be created."""
    found: list[Violation] = []
    for node in graph:
        found.extend(_check_node(node))
    return found


def _check_node(node: dict[str, Any]) -> Iterator[Violation]:
    rid, inputs = node["id"], node.get("inputs", {})
    if node["type"] == DEPLOYMENT:
        yield from _gpu_endpoint(rid, inputs)
    if node["type"] == WIF_PROVIDER:
        condition = inputs.get("attributeCondition") or ""
        if not ONE_REPOSITORY.fullmatch(condition.strip()):
            yield Violation(
                rid,
                "wif-open-pool",
                f"attribute_condition {condition!r} does not pin one repository",
                "set caller.workload_identity.github_repository: OWNER/REPO in the spec (the provider then "
                'gets assertion.repository == "OWNER/REPO")',
            )
    if node["type"] == SA_KEY:
        yield Violation(
            rid,
            "no-sa-keys",
            "a service-account key is a long-lived credential",
            "remove the Key resource; callers impersonate the service account or use workload identity",
        )
    member = inputs.get("member")
    if isinstance(member, str) and member.startswith("principalSet://") and member.endswith("/*"):
        yield Violation(
            rid,
            "wif-open-pool",
            f"{member} admits every identity in the pool",
            "bind principalSet://.../attribute.repository/OWNER/REPO (one repository), not the pool",
        )
    for path, value in _leaves(inputs, ""):
        if TOKEN_KEYS.search(path.rpartition(".")[2]) and value not in (SECRET, None, ""):
            yield Violation(
                rid,
                "plain-token",
                f"{path} is in plain text (it would be stored readable in the stack state)",
                "pass it through pulumi.Output.secret (infra.program.hf_tokens does this for HF tokens)",
            )


def _gpu_endpoint(rid: str, inputs: dict[str, Any]) -> Iterator[Violation]:
    endpoint = rid.partition("::")[2]
    deploy = inputs.get("deployConfig") or {}
    resources = deploy.get("dedicatedResources") or {}
    machine = resources.get("machineSpec") or {}
    breaches = gpu_endpoint_breaches(
        endpoint,
        has_gpu=bool(machine.get("acceleratorType") or machine.get("acceleratorCount")),
        expires="expires-at" in (deploy.get("systemLabels") or {}),
        max_replicas=resources.get("maxReplicaCount"),
    )
    for breach in breaches:
        yield Violation(rid, breach.rule, breach.message, breach.fix)


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    else:
        yield path, value

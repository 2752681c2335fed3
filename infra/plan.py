"""`python -m infra.plan`: what `provision plan --engine pulumi` shows, computed in a child process.

Like `pulumi up`'s preflight (infra/preflight.py), the program runs under Pulumi's mocks in a process of its
own, so the CLI never imports the Pulumi program. The validated spec comes on stdin; the answer, one JSON line
on stdout, is `{"resources": [...], "violations": [...]}` (each node with its key inputs) or, when the spec
cannot be built, `{"error": {"what", "why", "fix", "exit_code"}}`. Placeholder tokens only (infra.graph).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

from infra.graph import resource_graph
from infra.policy import check
from provisioning.errors import ProvisionError
from provisioning.spec import parse_spec

# The inputs a reviewer needs to judge a node (leaf or map names in pulumi-gcp's wire form), in display order.
# Secrets arrive already masked ("[secret]"); the plan runs on placeholder tokens and never reads a real one.
KEY_INPUTS = (
    "projectId",
    "service",
    "location",
    "region",
    "publisherModelName",
    "huggingFaceModelId",
    "acceptEula",
    "huggingFaceAccessToken",
    "machineType",
    "acceleratorType",
    "acceleratorCount",
    "minReplicaCount",
    "maxReplicaCount",
    "spot",
    "dedicatedEndpointEnabled",
    "billingAccount",
    "specifiedAmount",
    "thresholdRules",
    "accountId",
    "role",
    "member",
    "attributeCondition",
    "labels",
    "systemLabels",
)


def key_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """The KEY_INPUTS found anywhere in a node's inputs, in KEY_INPUTS order."""
    found: dict[str, Any] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in KEY_INPUTS:
                    found[key] = item
                else:
                    walk(item)

    walk(inputs)
    return {key: found[key] for key in KEY_INPUTS if key in found}


def plan_answer(spec_data: dict[str, Any]) -> dict[str, Any]:
    """The resource graph for the spec with each node's key inputs, and infra.policy's check of it."""
    try:
        graph = resource_graph(parse_spec(spec_data, "the Pulumi plan's spec"))
    except ProvisionError as error:
        return {
            "error": {"what": error.what, "why": error.why, "fix": error.fix, "exit_code": error.exit_code}
        }
    resources = [
        {
            "type": node["type"],
            "name": node["name"],
            "parent": node["parent"] or "",
            "depends_on": list(node["depends_on"]),
            "custom": node["custom"],
            "inputs": key_inputs(node["inputs"]),
        }
        for node in graph
    ]
    return {"resources": resources, "violations": [asdict(v) for v in check(graph)]}


if __name__ == "__main__":
    answer = plan_answer(json.load(sys.stdin))
    sys.stdout.write("\n" + json.dumps(answer) + "\n")

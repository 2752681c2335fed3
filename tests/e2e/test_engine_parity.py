"""Both engines build the same thing from one spec (issue 14): for every example spec, the REST bodies
`provision apply` sends (the emulator's request log, bodies recorded) and the inputs `pulumi up` would
register (the Pulumi program under mocks) carry the same values, concern by concern, compared in the field
names of provisioning/desired/ (Google's camelCase REST names).

What may differ, and why, is named here and nowhere else:
- `expires-at` is `now + ttl` and the two runs happen at different instants: only its presence is compared;
- project numbers (the emulator's vs the mocks'): compared as `projects/NUMBER`;
- the Hugging Face token: a Pulumi secret in one, the real value in the other: only its presence is compared;
- `endpointConfig.endpointUserId` has no pulumi-gcp argument (APPLY_ONLY);
- a gated open model: Pulumi enables it in Model Garden (AiModelGardenEnableModel), apply accepts its licence
  in the deploy itself (`modelConfig.acceptEula`).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from google.cloud import aiplatform_v1beta1

from emulator.testing import EmulatorProcess
from infra.graph import run_program
from provisioning.desired import model_access
from provisioning.spec import load_spec
from redaction import REDACTED, fingerprint
from tests.e2e.engine_support import EXAMPLES, provision

SPECS = [
    "dev.yaml",
    "laptop.yaml",
    "team.yaml",
    "ci.yaml",
    *(f"fleet/{p.name}" for p in EXAMPLES.glob("fleet/*.yaml")),
]
HF_TOKEN = "hf_e2e_secret_token"  # engine_env sets it
APPLY_ONLY = {"endpointConfig.endpointUserId"}
PRESENT = "<present>"
Body = dict[str, Any]


def _numbers(value: Any) -> Any:
    """Project numbers differ between the emulator and the mocks; everything else must not."""
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, str):
        return re.sub(r"projects/\d+", "projects/NUMBER", value)
    return value


def _labels(labels: dict[str, str]) -> dict[str, str]:
    return {k: (PRESENT if k == "expires-at" else v) for k, v in labels.items()}


# -- what apply sent -----------------------------------------------------------------------------------------
def _sent(log: list[dict[str, Any]], method: str, pattern: str) -> list[tuple[str, Body]]:
    return [
        (e["path"], e.get("request_body") or {})
        for e in log
        if e["method"] == method and re.fullmatch(pattern, e["path"])
    ]


def _query(log: list[dict[str, Any]], pattern: str, key: str) -> list[str]:
    return [
        value
        for e in log
        if e["method"] == "POST" and re.fullmatch(pattern, e["path"])
        for part in e["query"].split("&")
        if (pair := part.split("=", 1))[0] == key and (value := pair[1])
    ]


def apply_concerns(log: list[dict[str, Any]], gated: set[str]) -> dict[str, Any]:
    """`gated`: the publisher models whose licence apply accepts in the deploy (Pulumi enables them)."""
    got: dict[str, Any] = {}
    for _, body in _sent(log, "POST", r"/v3/projects"):
        got["project"] = {**body, "labels": _labels(body["labels"])}
    for _, body in _sent(log, "PUT", r"/v1/projects/[^/]+/billingInfo"):
        got["billing"] = {"billingAccountName": body["billingAccountName"]}
    got["apis"] = sorted(
        s
        for _, body in _sent(log, "POST", r"/v1/projects/[^/]+/services:batchEnable")
        for s in body["serviceIds"]
    )
    enabled = [
        re.sub(r"^/v1beta1/projects/[^/]+/|:enableModel$", "", p)
        for p, _ in _sent(log, "POST", r".*:enableModel")
    ]
    deploy_route = r"/v1beta1/projects/[^/]+/locations/[^/]+:deploy"
    deploys = [_deploy_from_apply(path, body) for path, body in _sent(log, "POST", deploy_route)]
    carried = [e.get("redacted") for e in log if re.fullmatch(deploy_route, e["path"])]
    tokened = [d for d in deploys if "huggingFaceAccessToken" in d["modelConfig"]]
    assert [c for c in carried if c] == [[fingerprint(HF_TOKEN)]] * len(tokened)  # the spec's token, masked
    accepted = [
        d["publisherModelName"]
        for d in deploys
        if d["modelConfig"]["acceptEula"] and "publisherModelName" in d
    ]
    got["model_access"] = sorted({*enabled, *(p for p in accepted if p in gated)})
    got["endpoints"] = sorted(deploys, key=lambda d: d["endpointConfig"]["endpointDisplayName"])
    for _, body in _sent(log, "POST", r"/v1/projects/[^/]+/serviceAccounts"):
        got["caller"] = body
    for _, body in _sent(log, "POST", r"/v3/projects/[^/]+:setIamPolicy"):
        ours = [b for b in body["policy"]["bindings"] if b["role"] == "roles/aiplatform.user"]
        got["caller_binding"] = ours
    for path, body in _sent(log, "POST", r"/v1/billingAccounts/[^/]+/budgets"):
        got["budget"] = _numbers(
            {
                "parent": path.removeprefix("/v1/").removesuffix("/budgets"),
                "displayName": body["displayName"],
                "budgetFilter": {"projects": body["budgetFilter"]["projects"]},
                "amount": body["amount"],
                "thresholdRules": [
                    {"thresholdPercent": r["thresholdPercent"]} for r in body["thresholdRules"]
                ],
            }
        )
    pools = r"/v1/projects/[^/]+/locations/global/workloadIdentityPools"
    for _, body in _sent(log, "POST", pools):
        got["wif_pool"] = {**body, "id": _query(log, pools, "workloadIdentityPoolId")[0]}
    for _, body in _sent(log, "POST", pools + r"/[^/]+/providers"):
        got["wif_provider"] = {
            **body,
            "id": _query(log, pools + r"/[^/]+/providers", "workloadIdentityPoolProviderId")[0],
        }
    for _, body in _sent(log, "POST", r"/v1/projects/[^/]+/serviceAccounts/[^/]+:setIamPolicy"):
        got["wif_binding"] = _numbers(body["policy"]["bindings"])
    return got


def _deploy_from_apply(path: str, body: Body) -> Body:
    """The GAPIC client sends enums as numbers, leaves default values out and `destination` in the path."""
    deploy = _numbers(body)
    machine = deploy["deployConfig"]["dedicatedResources"]["machineSpec"]
    machine["acceleratorType"] = aiplatform_v1beta1.AcceleratorType(machine["acceleratorType"]).name
    deploy["deployConfig"]["dedicatedResources"].setdefault("spot", False)
    deploy["deployConfig"]["systemLabels"] = _labels(deploy["deployConfig"]["systemLabels"])
    deploy["endpointConfig"].setdefault("dedicatedEndpointDisabled", False)
    for only in APPLY_ONLY:
        section, key = only.split(".")
        del deploy[section][key]
    deploy["modelConfig"].setdefault("acceptEula", False)
    if "huggingFaceAccessToken" in deploy["modelConfig"]:
        assert deploy["modelConfig"]["huggingFaceAccessToken"] == REDACTED  # the request log masks it
        deploy["modelConfig"]["huggingFaceAccessToken"] = PRESENT
    container = deploy["modelConfig"].get("containerSpec")
    if container is not None:
        for repeated in ("command", "args", "env"):
            container.setdefault(repeated, [])
    deploy["location"] = re.fullmatch(r"/v1beta1/projects/[^/]+/locations/([^/:]+):deploy", path)[1]  # type: ignore[index]
    return deploy


# -- what Pulumi would register ------------------------------------------------------------------------------
def _nodes(graph: list[Body], kind: str) -> list[Body]:
    """The inputs of each gcp resource of `kind` the program registers (not our components, not reads)."""
    return [
        n["inputs"]
        for n in graph
        if n["type"].startswith("gcp:") and n["type"].rpartition(":")[2] == kind and "read_id" not in n
    ]


def pulumi_concerns(graph: list[Body]) -> dict[str, Any]:
    got: dict[str, Any] = {}
    for project in _nodes(graph, "Project"):
        parents = [
            f"{kind}s/{project[key]}"
            for kind, key in (("organization", "orgId"), ("folder", "folderId"))
            if key in project
        ]
        got["project"] = {
            "projectId": project["projectId"],
            "displayName": project["name"],
            "labels": _labels(project["labels"]),
            **({"parent": parents[0]} if parents else {}),
        }
        if "billingAccount" in project:
            got["billing"] = {"billingAccountName": f"billingAccounts/{project['billingAccount']}"}
    got["apis"] = sorted(s["service"] for s in _nodes(graph, "Service"))
    got["model_access"] = sorted(e["publisherModelName"] for e in _nodes(graph, "AiModelGardenEnableModel"))
    got["endpoints"] = sorted(
        (_deploy_from_pulumi(d) for d in _nodes(graph, "AiEndpointWithModelGardenDeployment")),
        key=lambda d: d["endpointConfig"]["endpointDisplayName"],
    )
    for account in _nodes(graph, "Account"):
        got["caller"] = {
            "accountId": account["accountId"],
            "serviceAccount": {"displayName": account["displayName"], "description": account["description"]},
        }
    project_grants = [n["inputs"] for n in graph if n["type"] == "gcp:projects/iAMMember:IAMMember"]
    if project_grants:
        got["caller_binding"] = [{"role": g["role"], "members": [g["member"]]} for g in project_grants]
    for budget in _nodes(graph, "Budget"):
        got["budget"] = _numbers(
            {
                "parent": f"billingAccounts/{budget['billingAccount']}",
                "displayName": budget["displayName"],
                "budgetFilter": {"projects": budget["budgetFilter"]["projects"]},
                "amount": budget["amount"],
                "thresholdRules": budget["thresholdRules"],
            }
        )
    for pool in _nodes(graph, "WorkloadIdentityPool"):
        got["wif_pool"] = {"displayName": pool["displayName"], "id": pool["workloadIdentityPoolId"]}
    for provider in _nodes(graph, "WorkloadIdentityPoolProvider"):
        got["wif_provider"] = {
            "attributeMapping": provider["attributeMapping"],
            "attributeCondition": provider["attributeCondition"],
            "oidc": provider["oidc"],
            "id": provider["workloadIdentityPoolProviderId"],
        }
    account_grants = [n["inputs"] for n in graph if n["type"] == "gcp:serviceaccount/iAMMember:IAMMember"]
    if account_grants:
        got["wif_binding"] = _numbers([{"role": g["role"], "members": [g["member"]]} for g in account_grants])
    return got


def _deploy_from_pulumi(inputs: Body) -> Body:
    model, deploy = inputs["modelConfig"], inputs["deployConfig"]
    model_config: Body = {
        "acceptEula": model.get("acceptEula", False),
        "modelDisplayName": model["modelDisplayName"],
    }
    if "huggingFaceAccessToken" in model:
        assert model["huggingFaceAccessToken"] == "[secret]"
        model_config["huggingFaceAccessToken"] = PRESENT
    container = model.get("containerSpec")
    if container is not None:  # pulumi-gcp names command and env in the plural
        model_config["containerSpec"] = {
            "imageUri": container["imageUri"],
            "command": container.get("commands", []),
            "args": container.get("args", []),
            "env": container.get("envs", []),
            "ports": container["ports"],
            "predictRoute": container["predictRoute"],
            "healthRoute": container["healthRoute"],
        }
    resources = deploy["dedicatedResources"]
    artifact: Body = {k: inputs[k] for k in ("publisherModelName", "huggingFaceModelId") if k in inputs}
    return {
        **artifact,
        "location": inputs["location"],
        "modelConfig": model_config,
        "endpointConfig": {
            "endpointDisplayName": inputs["endpointConfig"]["endpointDisplayName"],
            "dedicatedEndpointDisabled": not inputs["endpointConfig"]["dedicatedEndpointEnabled"],
        },
        "deployConfig": {
            "dedicatedResources": {**resources, "spot": resources.get("spot", False)},
            "systemLabels": _labels(deploy["systemLabels"]),
        },
    }


@pytest.mark.parametrize("name", SPECS)
def test_apply_and_pulumi_carry_the_same_values_concern_by_concern(
    engine_env: EmulatorProcess, name: str
) -> None:
    spec = load_spec(EXAMPLES / name)
    result = provision("apply", "--spec", str(EXAMPLES / name), "--outputs", "out.json", "--json")
    assert result.exit_code == 0, result.output
    gated = {use.publisher_model for use in model_access.enablements(spec)}
    applied = apply_concerns(engine_env.requests(mutating_only=True), gated)

    environ = {e.hf_token_env: HF_TOKEN for e in spec.endpoints if e.hf_token_env}
    graph, _ = run_program(spec, environ=environ)
    planned = pulumi_concerns(graph)

    assert set(applied) == set(planned)
    for concern in sorted(applied):
        assert applied[concern] == planned[concern], concern
    assert applied["apis"] and applied["caller"]  # what every spec creates was found in both
    assert len(applied["endpoints"]) == len(spec.endpoints)

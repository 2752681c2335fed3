"""Pulumi's unit-test mocks standing in for the gcp provider, plus a monitor that records the resource graph.

Used by `infra.graph` (so `provision plan --engine pulumi` can show what `pulumi up` would create, offline)
and by the tests. The fake outputs are deterministic, so the graph and the outputs are too.
"""

from __future__ import annotations

import zlib
from typing import Any

from google.protobuf import json_format
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks, rpc
from pulumi.runtime.mocks import MockMonitor

PROJECT_NUMBER = "424242424242"
SECRET = "[secret]"
UNKNOWN = "[unknown]"


def fake_number(text: str) -> str:
    """A stable 10-digit id for a name (Vertex endpoint ids are numeric strings)."""
    return str(1_000_000_000 + zlib.crc32(text.encode()) % 9_000_000_000)


def dedicated_host(endpoint: str, location: str) -> str:
    return f"{endpoint}.{location}-{PROJECT_NUMBER}.prediction.vertexai.goog"


def _vertex_endpoint_outputs(args: MockResourceArgs) -> dict[str, Any]:
    # A read by id: projects/{p}/locations/{l}/endpoints/{e}. pulumi-gcp documents the DNS output with its
    # scheme ("Format: https://{endpointId}.{region}-{projectNumber}.prediction.vertexai.goog").
    parts = (args.resource_id or "").split("/")
    location, endpoint = parts[3], parts[5]
    return {"name": endpoint, "dedicatedEndpointDns": "https://" + dedicated_host(endpoint, location)}


def _computed(args: MockResourceArgs) -> dict[str, Any]:
    """Outputs the provider would compute, by resource type (everything else echoes the inputs)."""
    inputs = args.inputs
    if not args.typ.startswith("gcp:"):
        return {}
    kind = args.typ.rpartition(":")[2]
    if kind == "Project":
        return {"number": PROJECT_NUMBER}
    if kind == "Account":
        email = f"{inputs['accountId']}@{inputs['project']}.iam.gserviceaccount.com"
        return {
            "email": email,
            "member": f"serviceAccount:{email}",
            "name": f"projects/{inputs['project']}/serviceAccounts/{email}",
        }
    if kind == "WorkloadIdentityPool":
        pool = inputs["workloadIdentityPoolId"]
        return {"name": f"projects/{PROJECT_NUMBER}/locations/global/workloadIdentityPools/{pool}"}
    if kind == "WorkloadIdentityPoolProvider":
        pool, provider = inputs["workloadIdentityPoolId"], inputs["workloadIdentityPoolProviderId"]
        pool_name = f"projects/{PROJECT_NUMBER}/locations/global/workloadIdentityPools/{pool}"
        return {"name": f"{pool_name}/providers/{provider}"}
    if kind == "AiModelGardenEnableModel":
        return {"enablementState": "ENABLEMENT_STATE_SUCCEEDED"}
    if kind == "AiEndpointWithModelGardenDeployment":
        return {"endpoint": fake_number(args.name), "deployedModelId": fake_number("model-" + args.name)}
    if kind == "AiEndpoint":
        return _vertex_endpoint_outputs(args)
    if kind == "Budget":
        return {"name": f"billingAccounts/{inputs['billingAccount']}/budgets/{fake_number(args.name)}"}
    return {}


class FakeGoogleCloud(Mocks):
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return args.resource_id or f"{args.name}-id", {**args.inputs, **_computed(args)}

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "gcp:organizations/getProject:getProject":
            return {"number": PROJECT_NUMBER, "projectId": args.args.get("projectId")}, []
        raise NotImplementedError(f"no fake for invoke {args.token}")


def node_id(urn: str) -> str:
    """`type::name` of a URN (the parent chain is dropped: names are unique per type in this program)."""
    if not urn:
        return ""
    parts = urn.split("::")
    return f"{parts[2].rpartition('$')[2]}::{parts[3]}"


def _wire_to_plain(value: Any, path: str, secrets: list[str]) -> Any:
    """Undo the RPC encoding: secrets become a marker (their paths are collected), references become ids."""
    if isinstance(value, dict):
        sig = value.get(rpc._special_sig_key)
        if sig == rpc._special_secret_sig:
            secrets.append(path)
            return SECRET
        if sig == rpc._special_resource_sig:
            return node_id(value.get("urn", ""))
        return {k: _wire_to_plain(v, f"{path}.{k}" if path else k, secrets) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_wire_to_plain(v, f"{path}[{i}]", secrets) for i, v in enumerate(value)]
    if value == rpc.UNKNOWN:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf Struct numbers are doubles
    return value


class RecordingMonitor(MockMonitor):
    """A mock monitor that also keeps what each registration asked for: parent, dependencies, options."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.nodes: list[dict[str, Any]] = []

    def _record(self, request: Any, read: bool) -> None:
        secrets: list[str] = []
        inputs = _wire_to_plain(
            json_format.MessageToDict(request.properties if read else request.object), "", secrets
        )
        depends = set(request.dependencies)
        if not read:
            for urns in request.propertyDependencies.values():
                depends.update(urns.urns)
        node: dict[str, Any] = {
            "id": f"{request.type}::{request.name}",
            "type": request.type,
            "name": request.name,
            "parent": node_id(request.parent) or None,
            "custom": True if read else bool(request.custom),
            "inputs": inputs,
            "secret_inputs": sorted(secrets),
            "depends_on": sorted({node_id(u) for u in depends} - {""}),
            "provider": node_id(request.provider.rsplit("::", 1)[0]) if request.provider else None,
        }
        if read:
            node["read_id"] = request.id
        else:
            timeouts = json_format.MessageToDict(request.customTimeouts)
            for key, value in (
                ("custom_timeouts", timeouts),
                ("ignore_changes", sorted(request.ignoreChanges)),
                ("additional_secret_outputs", sorted(request.additionalSecretOutputs)),
            ):
                if value:
                    node[key] = value
        self.nodes.append(node)

    def RegisterResource(self, request: Any) -> Any:
        if request.type != "pulumi:pulumi:Stack":
            self._record(request, read=False)
        return super().RegisterResource(request)

    def ReadResource(self, request: Any) -> Any:
        self._record(request, read=True)
        return super().ReadResource(request)

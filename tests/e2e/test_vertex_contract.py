"""Vertex reply shapes checked (strictly) against the aiplatform discovery documents, the schema of record."""

from __future__ import annotations

from typing import Any

import pytest

from emulator import contract
from tests.e2e.vertex_support import PROJECT, rest, seed_project

LLAMA = "publishers/meta/models/llama3-1@llama-3.1-8b-instruct"


def _schema_of(type_url: str) -> str | None:
    """`type.googleapis.com/google.cloud.aiplatform.v1beta1.Endpoint` → "aiplatform.v1beta1#GoogleCloud...";
    None for messages the discovery document does not carry (e.g. DeployResponse, google.protobuf.Empty)."""
    message = type_url.removeprefix("type.googleapis.com/")
    if not message.startswith("google.cloud.aiplatform."):
        return None
    version, name = message.removeprefix("google.cloud.aiplatform.").split(".", 1)
    api = f"aiplatform.{version}"
    schema = f"GoogleCloudAiplatform{version.capitalize()}{name}"
    return f"{api}#{schema}" if schema in contract.schemas(api) else None


def _check(value: Any, ref: str) -> None:
    assert contract.validate(value, ref) == [], (ref, value)


def _check_operation(operation: dict[str, Any]) -> None:
    _check(operation, "aiplatform.v1#GoogleLongrunningOperation")
    for part in ("metadata", "response"):
        payload = operation.get(part)
        if payload and (ref := _schema_of(payload["@type"])):
            _check({k: v for k, v in payload.items() if k != "@type"}, ref)


def _wait(vertex, operation: dict[str, Any]) -> dict[str, Any]:
    for _ in range(100):
        if operation["done"]:
            break
        operation = rest(vertex, "GET", f"/ui/{operation['name']}").json()
    _check_operation(operation)
    assert "error" not in operation, operation
    return operation


@pytest.mark.parametrize("version", ["v1", "v1beta1"])
def test_replies_match_the_discovery_schemas(emulator_env, version):
    seed_project(emulator_env)
    api = f"aiplatform.{version}#GoogleCloudAiplatform{version.capitalize()}"
    parent = f"/{version}/projects/{PROJECT}/locations/us-central1"

    created = rest(emulator_env, "POST", f"{parent}/endpoints", {"displayName": "e", "labels": {"a": "b"}})
    endpoint = _wait(emulator_env, created.json())["response"]
    upload = {"model": {"displayName": "m", "containerSpec": {"imageUri": "us-docker.pkg.dev/x/vllm:1"}}}
    model_name = _wait(emulator_env, rest(emulator_env, "POST", f"{parent}/models:upload", upload).json())[
        "response"
    ]
    deploy = {
        "deployedModel": {
            "model": model_name["model"],
            "dedicatedResources": {
                "machineSpec": {
                    "machineType": "g2-standard-12",
                    "acceleratorType": 11,
                    "acceleratorCount": 1,
                },
                "minReplicaCount": 1,
            },
        },
        "trafficSplit": {"0": 100},
    }
    _wait(
        emulator_env, rest(emulator_env, "POST", f"/{version}/{endpoint['name']}:deployModel", deploy).json()
    )
    garden = {"publisherModelName": LLAMA, "modelConfig": {"acceptEula": True}}
    _wait(emulator_env, rest(emulator_env, "POST", f"{parent}:deploy", garden).json())

    _check(rest(emulator_env, "GET", f"/{version}/{endpoint['name']}").json(), f"{api}Endpoint")
    _check(rest(emulator_env, "GET", f"{parent}/endpoints").json(), f"{api}ListEndpointsResponse")
    _check(rest(emulator_env, "GET", f"/{version}/{model_name['model']}").json(), f"{api}Model")
    _check(rest(emulator_env, "GET", f"/{version}/{LLAMA}").json(), f"{api}PublisherModel")


def test_model_garden_replies_match_the_discovery_schemas(emulator_env):
    seed_project(emulator_env)
    api = "aiplatform.v1beta1#GoogleCloudAiplatformV1beta1"
    enabled = rest(
        emulator_env,
        "POST",
        f"/v1beta1/projects/{PROJECT}/publishers/openai/models/gpt-oss-20b-maas:enableModel",
    )
    _check(enabled.json(), f"{api}EnableModelResponse")
    for verb in ("check", "accept"):
        reply = rest(
            emulator_env,
            "POST",
            f"/v1beta1/projects/{PROJECT}/modelGardenEula:{verb}",
            {"publisherModel": LLAMA},
        )
        _check(reply.json(), f"{api}PublisherModelEulaAcceptance")
    maas = rest(emulator_env, "GET", "/v1beta1/publishers/openai/models/gpt-oss-120b-maas").json()
    _check(maas, f"{api}PublisherModel")

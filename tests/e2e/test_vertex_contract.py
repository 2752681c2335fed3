"""Vertex reply shapes checked (strictly) against the aiplatform discovery documents, the schema of record."""

from __future__ import annotations

from typing import Any

import pytest

from emulator import contract
from tests.e2e.vertex_support import PROJECT, rest, seed_project

LLAMA = "publishers/meta/models/llama3-1@llama-3.1-8b-instruct"


def _checked_schemas(emulator) -> set[str]:
    """Every reply of the test checked against its schema (operations' Any payloads too, by their @type);
    the schema names that were used."""
    names = set()
    for entry in emulator.requests():
        method, path = entry["method"], entry["path"]
        assert contract.check_reply(method, path, entry["status"], entry["response_body"]) == [], path
        names.add(str(contract.reply_schema(method, path)).split("#")[1])
    return names


def _wait(vertex, operation: dict[str, Any]) -> dict[str, Any]:
    for _ in range(100):
        if operation["done"]:
            break
        operation = rest(vertex, "GET", f"/ui/{operation['name']}").json()
    assert "error" not in operation, operation
    return operation


@pytest.mark.parametrize("version", ["v1", "v1beta1"])
def test_replies_match_the_discovery_schemas(emulator_env, version):
    seed_project(emulator_env)
    prefix = f"GoogleCloudAiplatform{version.capitalize()}"
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

    rest(emulator_env, "GET", f"/{version}/{endpoint['name']}")
    rest(emulator_env, "GET", f"{parent}/endpoints")
    rest(emulator_env, "GET", f"/{version}/{model_name['model']}")
    rest(emulator_env, "GET", f"/{version}/{LLAMA}")
    kinds = ("Endpoint", "ListEndpointsResponse", "Model", "PublisherModel")
    assert _checked_schemas(emulator_env) == {"GoogleLongrunningOperation", *(prefix + k for k in kinds)}


def test_model_garden_replies_match_the_discovery_schemas(emulator_env):
    seed_project(emulator_env)
    enabled = rest(
        emulator_env,
        "POST",
        f"/v1beta1/projects/{PROJECT}/publishers/openai/models/gpt-oss-20b-maas:enableModel",
    )
    for verb in ("check", "accept"):
        reply = rest(
            emulator_env,
            "POST",
            f"/v1beta1/projects/{PROJECT}/modelGardenEula:{verb}",
            {"publisherModel": LLAMA},
        )
        assert reply.status_code == 200, reply.text
    assert enabled.status_code == 200, enabled.text
    rest(emulator_env, "GET", "/v1beta1/publishers/openai/models/gpt-oss-120b-maas")
    beta = "GoogleCloudAiplatformV1beta1"
    kinds = ("EnableModelResponse", "PublisherModelEulaAcceptance", "PublisherModel")
    assert _checked_schemas(emulator_env) == {beta + kind for kind in kinds}

"""The PublisherModel JSON of `GET /{v1|v1beta1}/publishers/{publisher}/models/{model}`: for open models,
one `supportedActions.multiDeployVertex` entry per machine shape the seed lists (what
`OpenModel.list_deploy_options` and `gcloud ai model-garden models list-deployment-config` read), served by
Model Garden's vLLM container."""

from __future__ import annotations

from typing import Any

from emulator.services.vertex.catalog import PublisherModel, model_garden_container


def _deploy_option(model: PublisherModel, index: int) -> dict[str, Any]:
    spec = model.machine_specs[index]
    return {
        "modelDisplayName": f"{model.model_id}-{model.version_id}",
        "containerSpec": model_garden_container(model),
        "dedicatedResources": {"machineSpec": spec.to_json(), "minReplicaCount": 1, "maxReplicaCount": 1},
        "deployTaskName": f"vLLM {spec.accelerator_count}x{spec.accelerator_type}",
        "title": f"Deploy {model.model_id} on {spec.machine_type}",
    }


def publisher_model_json(model: PublisherModel) -> dict[str, Any]:
    reply: dict[str, Any] = {
        "name": model.unversioned,
        "versionId": model.version_id,
        "launchStage": "GA",
        "versionState": "VERSION_STATE_STABLE",
        "openSourceCategory": "PROPRIETARY" if model.kind == "maas" else "THIRD_PARTY_OWNED_OSS",
        "supportedActions": {},
    }
    if model.kind == "open" and model.machine_specs:
        options = [_deploy_option(model, index) for index in range(len(model.machine_specs))]
        reply["supportedActions"] = {
            "multiDeployVertex": {"multiDeployVertex": options},
            "deploy": options[0],
        }
    return reply

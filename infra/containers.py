"""provisioning/desired/endpoint.py's `ModelContainerSpec` in pulumi-gcp's argument types."""

from __future__ import annotations

from typing import Any

import pulumi_gcp as gcp

ContainerSpec = gcp.vertex.AiEndpointWithModelGardenDeploymentModelConfigContainerSpecArgs
EnvVar = gcp.vertex.AiEndpointWithModelGardenDeploymentModelConfigContainerSpecEnvArgs
Port = gcp.vertex.AiEndpointWithModelGardenDeploymentModelConfigContainerSpecPortArgs


def container_spec(container: dict[str, Any] | None) -> ContainerSpec | None:
    """pulumi-gcp names `command` and `env` in the plural (`commands`, `envs`); the rest keep their names."""
    if container is None:
        return None
    return ContainerSpec(
        image_uri=container["imageUri"],
        commands=list(container["command"]) or None,
        args=list(container["args"]),
        envs=[EnvVar(name=e["name"], value=e["value"]) for e in container["env"]] or None,
        ports=[Port(container_port=p["containerPort"]) for p in container["ports"]],
        predict_route=container["predictRoute"],
        health_route=container["healthRoute"],
    )

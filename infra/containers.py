"""The serving container of `provisioning.serving` in pulumi-gcp's argument types."""

from __future__ import annotations

import pulumi_gcp as gcp

from provisioning.serving import Container

ContainerSpec = gcp.vertex.AiEndpointWithModelGardenDeploymentModelConfigContainerSpecArgs
EnvVar = gcp.vertex.AiEndpointWithModelGardenDeploymentModelConfigContainerSpecEnvArgs
Port = gcp.vertex.AiEndpointWithModelGardenDeploymentModelConfigContainerSpecPortArgs


def container_spec(container: Container | None) -> ContainerSpec | None:
    if container is None:
        return None
    return ContainerSpec(
        image_uri=container.image_uri,
        commands=list(container.command) or None,
        args=list(container.args),
        envs=[EnvVar(name=name, value=value) for name, value in container.env] or None,
        ports=[Port(container_port=container.port)],
        predict_route=container.predict_route,
        health_route=container.health_route,
    )

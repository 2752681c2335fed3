"""Vertex AI: endpoints, models, Model Garden (deploy, EULA, MaaS enablement), operations, chat."""

from emulator.services.vertex.responses import register

__all__ = ["register"]

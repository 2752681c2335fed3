"""Cloud Resource Manager v3: projects, organizations, project IAM policies, operations."""

from emulator.services.resourcemanager.responses import register

__all__ = ["register"]

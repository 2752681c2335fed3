"""Vertex serving GPU quotas: Cloud Quotas v1 quotaInfos, Cloud Monitoring v3 usage, allocate/release."""

from emulator.services.quotas.responses import register

__all__ = ["register"]

"""Service Usage v1: services get / list / enable / batchEnable / disable and their operations."""

from emulator.services.serviceusage.responses import register

__all__ = ["register"]

"""Cloud Billing v1: billing accounts and project billing info."""

from emulator.services.billing.responses import register

__all__ = ["register"]

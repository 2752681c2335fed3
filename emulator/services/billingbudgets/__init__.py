"""Cloud Billing Budget API v1: budgets on a billing account."""

from emulator.services.billingbudgets.responses import register

__all__ = ["register"]

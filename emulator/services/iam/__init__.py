"""IAM v1: service accounts."""

from emulator.services.iam.responses import register

__all__ = ["register"]

"""Vertex AI OpenAI-compatible bootstrap toolkit: spec → doctor/plan → apply or Pulumi → smoke."""

__version__ = "0.1.0"

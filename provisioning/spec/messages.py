"""A pydantic ValidationError as one SpecError: each problem's field path, the bad value and an example."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from provisioning.errors import SpecError

# What a valid value looks like, by field name: shown with every validation error.
EXAMPLES: dict[str, str] = {
    "id": "acme-genai-dev",
    "project": "{id: acme-genai-dev, billing_account: 012345-6789AB-CDEF01}",
    "parent": "organizations/123456789012",
    "billing_account": "012345-6789AB-CDEF01",
    "region": "us-central1",
    "fallback_regions": "[us-east4, europe-west4]",
    "location": "us-central1",
    "environment": "dev",
    "owner": "platform-team",
    "ttl": "72h (m, h or d; between 10m and 90d)",
    "labels": "{cost-center: cc-1234}",
    "apis": "[bigquery.googleapis.com]",
    "maas_models": "[{name: gpt-oss-20b}]",
    "endpoints": "[{name: llama-8b-vllm, model: llama-3.1-8b-instruct, framework: vllm}]",
    "name": "llama-8b-vllm",
    "model": "llama-3.1-8b-instruct",
    "framework": "vllm",
    "machine_type": "g2-standard-12",
    "accelerator_type": "NVIDIA_L4",
    "accelerator_count": "1",
    "min_replicas": "1",
    "max_replicas": "2",
    "hf_token_env": "HF_TOKEN",
    "service_account_id": "llm-caller",
    "github_repository": "acme/inference-app",
    "monthly_amount_usd": "500",
    "thresholds": "[0.5, 0.9, 1.0]",
    "container_args": '["--max-model-len=8192"]',
    "tensor_parallel_size": "2",
    "state": "gs://acme-provision-state/envs (or a local file path)",
}


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not part.startswith(("function-", "constrained-")) and "[" not in part:
            path += f".{part}" if path else part
    return path or "(top level)"


def _example_for(loc: tuple[int | str, ...]) -> str:
    for part in reversed(loc):
        if isinstance(part, str) and part in EXAMPLES:
            return EXAMPLES[part]
    return "see examples/dev.yaml"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_MODEL_LEVEL_FIELD = re.compile(r"^([a-z_]+): (.*)$", re.DOTALL)


def format_validation_error(source: str, error: ValidationError) -> SpecError:
    lines = []
    for item in error.errors():
        loc = tuple(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        value = item.get("input")
        model_level = _MODEL_LEVEL_FIELD.match(message)
        if model_level and isinstance(value, dict):
            # A cross-field rule: the message names the field it is about.
            loc = (*loc, model_level.group(1))
            message, value = model_level.group(2), value.get(model_level.group(1))
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see examples/dev.yaml for every key)"
        elif item["type"] == "missing":
            message = "required field is missing"
        got = "" if item["type"] == "missing" else f" (got {_short(value)})"
        if isinstance(value, bool) and item["type"] == "string_type":
            field = _field_path(loc).rsplit(".", 1)[-1]
            word = "yes" if value else "no"
            got += (
                f"; YAML 1.1 reads an unquoted yes/no/on/off/true/false as a boolean: quote it, "
                f'e.g. {field}: "{word}"'
            )
        lines.append(f"{_field_path(loc)}: {message}{got}; example: {_example_for(loc)}")
    return SpecError(
        f"{source}: the spec is not valid ({len(lines)} problem{'s' if len(lines) != 1 else ''})",
        "".join(f"\n    - {line}" for line in lines),
        "correct the field(s) above; nothing was sent to Google Cloud",
    )

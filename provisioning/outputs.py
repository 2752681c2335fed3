"""The outputs contract: one JSON document both engines write and `provision smoke` reads.

See ../shared/DESIGN.md ("The outputs contract"). Extra keys are allowed; the ones modelled here are required.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from provisioning.errors import BadInputError

API_VERSION = "v1"


class Target(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    kind: Literal["maas", "endpoint"]
    base_url: str
    model: str
    framework: str | None = None
    endpoint_id: str | None = None
    dedicated_dns: str | None = None
    region: str | None = None  # where an endpoint was deployed (a fallback region after a failover)


class Outputs(BaseModel):
    model_config = ConfigDict(extra="allow")

    project: str
    region: str
    caller_service_account: str
    targets: list[Target]


def vertex_host(location: str) -> str:
    """The public Vertex AI host for a location: `global` has no region prefix."""
    if location == "global":
        return "https://aiplatform.googleapis.com"
    return f"https://{location}-aiplatform.googleapis.com"


def maas_base_url(project: str, location: str, api_endpoint: str | None = None) -> str:
    """The openai SDK `base_url` of the shared OpenAI-compatible route (MaaS models and Gemini)."""
    host = (api_endpoint or vertex_host(location)).rstrip("/")
    return f"{host}/{API_VERSION}/projects/{project}/locations/{location}/endpoints/openapi"


def endpoint_base_url(
    project: str,
    location: str,
    endpoint_id: str,
    dedicated_dns: str | None,
    api_endpoint: str | None = None,
) -> str:
    """The `base_url` of a self-deployed endpoint: its dedicated DNS when it has one, else the regional host.

    With an API endpoint override (the emulator) every host, dedicated DNS included, maps to the override.
    """
    if api_endpoint:
        host = api_endpoint.rstrip("/")
    elif dedicated_dns:
        host = f"https://{dedicated_dns}"
    else:
        host = vertex_host(location)
    return f"{host}/{API_VERSION}/projects/{project}/locations/{location}/endpoints/{endpoint_id}"


def check_outputs_path(outputs: Path, spec: Path) -> None:
    """`apply --outputs`, before any call: a file path for one spec (a folder for a folder of specs), never
    the spec itself, in a folder that is one (else the write fails after everything was created)."""
    fix = "e.g. --outputs .provision/outputs.json (or leave it out for .provision/<project>.outputs.json)"
    if spec.is_dir():
        if outputs.exists() and not outputs.is_dir():
            raise BadInputError(
                f"--outputs {outputs}: not a folder",
                "with a folder of specs, --outputs names the folder that gets a <project>.outputs.json each",
                "pass a folder (it is created when missing)",
            )
        return
    if outputs.exists() and spec.exists() and os.path.samefile(outputs, spec):
        raise BadInputError(
            f"--outputs {outputs} is the spec file itself", "apply would overwrite the spec", fix
        )
    if outputs.is_dir():
        raise BadInputError(
            f"--outputs {outputs} is a directory", "--outputs names the JSON file apply writes", fix
        )
    parent = next((p for p in outputs.absolute().parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise BadInputError(f"--outputs {outputs}: {parent} is a file, not a folder", fix=fix)


def write_outputs(outputs: Outputs, path: str | os.PathLike[str]) -> None:
    """Write atomically, so a reader never sees half a file."""
    file = Path(path)
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(json.dumps(outputs.model_dump(exclude_none=True), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, file)


def read_outputs(path: str | os.PathLike[str]) -> Outputs:
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInputError(
            f"{file}: no such outputs file",
            fix="run `provision apply --spec FILE --outputs FILE` or `pulumi stack output --json > FILE`",
        ) from None
    except IsADirectoryError:
        raise BadInputError(
            f"{file}: is a directory, not an outputs file",
            fix="pass the JSON file apply wrote, e.g. --outputs .provision/acme-genai-dev.outputs.json",
        ) from None
    except OSError as error:
        raise BadInputError(f"{file}: cannot read the outputs file", str(error), "check the path") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadInputError(f"{file}: not a JSON document", str(error), "regenerate it with apply") from None
    data = _unwrap_pulumi_outputs(data)
    try:
        return Outputs.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise BadInputError(
            f"{file}: not a valid outputs document", problems, "regenerate it with apply"
        ) from None


def _unwrap_pulumi_outputs(data: object) -> object:
    """`pulumi stack output --json` prints the stack outputs; ours keep the contract under `outputs` too."""
    if isinstance(data, dict) and "targets" not in data and isinstance(data.get("outputs"), dict):
        return data["outputs"]
    return data

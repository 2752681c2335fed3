"""What to smoke-test: targets from the outputs file (or flags), each with the catalog features that decide
which checks are required, optional or skipped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urlparse

from provisioning.catalog import Catalog, load_catalog
from provisioning.errors import BadInputError
from provisioning.outputs import Target, read_outputs

Auth = Literal["google", "none"]

# The hosts the endpoint override stands in for: the Vertex API hosts (regional and global) and the DNS of
# dedicated endpoints, `{id}.{region}-{number}.prediction.vertexai.goog`.
_GOOGLE_HOST_SUFFIXES = (".googleapis.com", ".prediction.vertexai.goog")


@dataclass(frozen=True)
class SmokeTarget:
    name: str
    kind: str  # maas | endpoint
    base_url: str
    model: str  # what the request's `model` field carries ("" for dedicated endpoints)
    family: str  # gpt-oss | gemini | open (self-deployed or unknown)
    catalog_model: str | None
    framework: str | None
    features: frozenset[str]
    auth: Auth


def _catalog_entry(target: Target, catalog: Catalog) -> str | None:
    """The catalog model a target serves: its MaaS model id, or the `catalog_model` key apply writes."""
    named = getattr(target, "catalog_model", None)
    if isinstance(named, str) and named in catalog.models:
        return named
    for name, model in catalog.models.items():
        if model.maas and model.maas.model == target.model:
            return name
    return None


def _family(catalog_model: str | None, model: str) -> str:
    key = (catalog_model or model).lower()
    if "gpt-oss" in key:
        return "gpt-oss"
    if "gemini" in key:
        return "gemini"
    return "open"


def smoke_target(target: Target, catalog: Catalog | None = None) -> SmokeTarget:
    catalog = catalog or load_catalog()
    entry = _catalog_entry(target, catalog)
    features: frozenset[str] = frozenset()
    if entry and target.kind == "maas":
        offer = catalog.models[entry].maas
        features = frozenset(offer.features) if offer else frozenset()
    auth: Auth
    match getattr(target, "auth", "google"):
        case "google":
            auth = "google"
        case "none":
            auth = "none"
        case other:
            raise BadInputError(
                f"target {target.name}: auth must be 'google' or 'none', not {other!r}",
                fix='set "auth": "google" (or leave it out) in the outputs file',
            )
    _check_url(target.name, target.base_url)
    return SmokeTarget(
        name=target.name,
        kind=target.kind,
        base_url=target.base_url.rstrip("/"),
        model=target.model,
        family=_family(entry, target.model),
        catalog_model=entry,
        framework=target.framework,
        features=features,
        auth=auth,
    )


def _check_url(name: str, url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise BadInputError(
            f"target {name}: base_url {url!r} is not an http(s) URL",
            fix="use the base_url from the outputs file, e.g. https://us-central1-aiplatform.googleapis.com/v1/"
            "projects/P/locations/us-central1/endpoints/openapi",
        )


def routed_to(target: SmokeTarget, api_endpoint: str | None) -> SmokeTarget:
    """The target with its Google host swapped for the endpoint override, path kept:
    `https://us-central1-aiplatform.googleapis.com/v1/...` and `https://<dedicated-dns>/v1/...` both become
    `{override}/v1/...`. The emulator serves a dedicated endpoint's chat route on the regional path form (it
    does not look at the Host), so the path is all it needs. Hosts that are not Google's (a server on
    loopback, a URL already on the override) are left alone."""
    parsed = urlparse(target.base_url)
    if not api_endpoint or not (parsed.hostname or "").lower().endswith(_GOOGLE_HOST_SUFFIXES):
        return target
    return replace(target, base_url=api_endpoint.rstrip("/") + parsed.path.rstrip("/"))


def targets_from_outputs(
    path: str | os.PathLike[str], only: list[str] | None = None, api_endpoint: str | None = None
) -> list[SmokeTarget]:
    outputs = read_outputs(path)
    targets = [routed_to(smoke_target(t), api_endpoint) for t in outputs.targets]
    return _select(targets, only, str(path))


def target_from_flags(
    base_url: str, model: str, name: str | None, kind: str, auth: str, api_endpoint: str | None = None
) -> SmokeTarget:
    if kind not in ("maas", "endpoint"):
        raise BadInputError(f"--kind must be maas or endpoint, not {kind!r}", fix="e.g. --kind maas")
    target = Target.model_validate(
        {
            "name": name or model or "endpoint",
            "kind": kind,
            "base_url": base_url,
            "model": model,
            "auth": auth,
        }
    )
    return routed_to(smoke_target(target), api_endpoint)


def _select(targets: list[SmokeTarget], only: list[str] | None, source: str) -> list[SmokeTarget]:
    if not targets:
        raise BadInputError(f"{source}: no targets to test", fix="deploy something first (`provision apply`)")
    if not only:
        return targets
    known = {t.name for t in targets}
    unknown = [name for name in only if name not in known]
    if unknown:
        raise BadInputError(
            f"unknown target(s): {', '.join(unknown)}",
            f"{source} has: {', '.join(sorted(known))}",
            "pass --target with one of those names, or leave it out to test every target",
        )
    return [t for t in targets if t.name in only]

"""Vertex AI models.patch (v1 and v1beta1): synchronous, replaces the fields named in `updateMask`
(displayName, description, labels) and returns the Model. Kept apart from models.py so it can be added
without touching the rest of the Vertex emulator."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from typing import Any

from emulator import errors
from emulator.routing import ApiRequest, RouteTable
from emulator.services.resourcemanager.models import LABEL_KEY, LABEL_VALUE
from emulator.services.vertex import models

UPDATABLE = {"display_name": "displayName", "description": "description", "labels": "labels"}


def _check_labels(labels: Any) -> None:
    if not isinstance(labels, dict) or len(labels) > 64:
        raise errors.invalid_argument("labels must be a map of at most 64 entries.", "model.labels")
    for key, value in labels.items():
        if not LABEL_KEY.match(key) or not isinstance(value, str) or not LABEL_VALUE.match(value):
            raise errors.invalid_argument(f"Label '{key}' is invalid.", f"model.labels.{key}")


def patch_model(place_of: Callable[[ApiRequest], models.Place], request: ApiRequest) -> dict[str, Any]:
    place = place_of(request)
    paths = [p.strip() for p in (request.param("updateMask") or "").split(",") if p.strip()]
    if not paths:
        raise errors.invalid_argument("update_mask is required.", "update_mask")
    keys = []
    for path in paths:
        snake = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), path)
        if snake not in UPDATABLE:
            raise errors.invalid_argument(f"Field '{path}' cannot be updated.", "update_mask")
        keys.append(UPDATABLE[snake])
    model_id = request.params["model"].split("@", 1)[0]
    with request.state.store.transaction():
        record = models._model_record(request.state, place, model_id)
        model = record["model"]
        for key in keys:
            value = request.body.get(key)
            if key == "displayName" and not value:
                raise errors.invalid_argument("Model display_name must be set.", "model.display_name")
            if key == "labels":
                _check_labels(value or {})
            if value in (None, "", {}):
                model.pop(key, None)
            else:
                model[key] = value
        model["updateTime"] = models._now(request.state)
        model["etag"] = secrets.token_hex(8)
        request.state.store.put(models.MODELS, place.key(model_id), record)
    return dict(model)


def register(routes: RouteTable, place_of: Callable[[ApiRequest], models.Place]) -> None:
    """`place_of`: the Vertex routes' guard (service enabled, project exists) that resolves the path."""
    for version in ("v1", "v1beta1"):
        routes.add(
            "PATCH",
            f"/{version}/projects/{{project}}/locations/{{location}}/models/{{model}}",
            functools.partial(patch_model, place_of),
            body_schema=f"aiplatform.{version}#GoogleCloudAiplatform{version.capitalize()}Model",
        )

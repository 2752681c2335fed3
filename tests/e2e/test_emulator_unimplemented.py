"""A method the API defines (its discovery document) that the emulator does not serve answers 501
UNIMPLEMENTED in Google's error shape, so a client sees "not implemented" and not "no such resource"; a
path no API defines stays 404."""

from __future__ import annotations

from typing import Any

import google.api_core.exceptions as gexc
import pytest

from tests.e2e.vertex_support import PARENT, model_client, rest, seed_project

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("method", "path", "method_id"),
    [
        ("POST", f"/v1/{PARENT}/endpoints/123:explain", "aiplatform.projects.locations.endpoints.explain"),
        ("GET", f"/v1beta1/{PARENT}/datasets", "aiplatform.projects.locations.datasets.list"),
        ("GET", "/v3/folders", "cloudresourcemanager.folders.list"),
        (
            "DELETE",
            "/v1/projects/p/serviceAccounts/sa@p.iam.gserviceaccount.com",
            "iam.projects.serviceAccounts.delete",
        ),
    ],
)
def test_a_method_the_discovery_document_has_but_the_emulator_lacks_is_501(
    emulator_env: Any, method: str, path: str, method_id: str
) -> None:
    reply = rest(emulator_env, method, path, {} if method == "POST" else None)
    assert reply.status_code == 501, reply.text
    error = reply.json()["error"]
    assert set(reply.json()) == {"error"}
    assert (error["code"], error["status"]) == (501, "UNIMPLEMENTED")
    assert method_id in error["message"]


def test_the_gapic_client_sees_method_not_implemented(emulator_env: Any) -> None:
    seed_project(emulator_env)
    with pytest.raises(gexc.MethodNotImplemented, match="not implemented by this emulator"):
        model_client(emulator_env).list_model_versions(name=f"{PARENT}/models/123")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/nothing"),
        ("PUT", f"/v1/{PARENT}/endpoints/123"),  # no API has PUT on an endpoint
        ("GET", f"/v1/{PARENT}/endpoints/123:nosuchverb"),
    ],
)
def test_a_path_no_api_defines_stays_404(emulator_env: Any, method: str, path: str) -> None:
    reply = rest(emulator_env, method, path, {} if method == "PUT" else None)
    assert reply.status_code == 404, reply.text
    assert reply.json()["error"]["status"] == "NOT_FOUND"

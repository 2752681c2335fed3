"""Vertex endpoints.patch (synchronous, `updateMask` required) through the GAPIC client and raw REST."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import aiplatform_v1
from google.protobuf import field_mask_pb2

from tests.e2e.vertex_support import create_endpoint, endpoint_client, rest, seed_project


@pytest.fixture
def vertex(emulator_env):
    seed_project(emulator_env)
    return emulator_env


def test_patch_labels_returns_the_endpoint_and_leaves_other_fields(vertex):
    created = create_endpoint(
        vertex, display_name="llm", labels={"team": "a"}, dedicated_endpoint_enabled=True
    )
    client = endpoint_client(vertex)

    update = aiplatform_v1.Endpoint(
        name=created.name, display_name="ignored", labels={"managed-by": "provision"}
    )
    updated = client.update_endpoint(endpoint=update, update_mask=field_mask_pb2.FieldMask(paths=["labels"]))

    assert dict(updated.labels) == {"managed-by": "provision"}
    assert updated.display_name == "llm"  # not in the mask
    assert updated.dedicated_endpoint_dns == created.dedicated_endpoint_dns
    assert dict(client.get_endpoint(name=created.name).labels) == {"managed-by": "provision"}


def test_patch_display_name_on_v1beta1_with_a_camel_case_mask(vertex):
    created = create_endpoint(vertex, display_name="before")
    path = "/v1beta1/" + created.name

    reply = rest(vertex, "PATCH", path, {"displayName": "after"}, updateMask="displayName")

    assert reply.status_code == 200 and reply.json()["displayName"] == "after"
    assert "done" not in reply.json()  # the Endpoint itself, not an operation


def test_patch_needs_a_mask_and_refuses_fields_it_cannot_change(vertex):
    created = create_endpoint(vertex)
    path = "/v1/" + created.name

    assert rest(vertex, "PATCH", path, {"labels": {"a": "b"}}).status_code == 400
    refused = rest(vertex, "PATCH", path, {"network": "x"}, updateMask="network")
    assert refused.status_code == 400 and refused.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert rest(vertex, "PATCH", path, {"displayName": ""}, updateMask="display_name").status_code == 400


def test_patch_of_a_missing_endpoint_is_404(vertex):
    client = endpoint_client(vertex)
    missing = aiplatform_v1.Endpoint(
        name="projects/acme-genai-dev/locations/us-central1/endpoints/123", labels={"a": "b"}
    )
    with pytest.raises(exceptions.NotFound):
        client.update_endpoint(endpoint=missing, update_mask=field_mask_pb2.FieldMask(paths=["labels"]))

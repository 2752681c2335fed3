"""`hf_token_env` may not name a credential for another service, and its value must look like a Hugging Face
token: refused in spec validation (the name) and before any API call (the value), with exit code 2."""

from __future__ import annotations

import pytest

from provisioning.errors import BadInputError, SpecError
from provisioning.hf_token import check_not_access_token, check_token, refused_variable
from provisioning.spec import parse_spec
from tests.unit.test_spec import with_change

REFUSED = [
    "CLOUDSDK_AUTH_ACCESS_TOKEN",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_OAUTH_ACCESS_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "PULUMI_ACCESS_TOKEN",
    "GITHUB_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
]
TOKEN = "hf_" + "a1B2c3D4e5" * 3 + "xyzw"  # the shape of a user access token: hf_ and 34 characters


@pytest.mark.parametrize("variable", REFUSED)
def test_a_spec_naming_a_credential_variable_is_refused(variable: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(with_change("endpoints.0.hf_token_env", variable), "dev.yaml")
    error = caught.value
    assert error.exit_code == 2
    assert "endpoints[0].hf_token_env" in error.why and variable in error.why
    assert "holds a credential for another service" in error.why
    assert "nothing was sent" in error.fix


@pytest.mark.parametrize(
    "variable", ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "TEAM_A_HF_TOKEN", "GITHUB_SHA_HF"]
)
def test_ordinary_variables_are_accepted(variable: str) -> None:
    assert refused_variable(variable) is None
    spec = parse_spec(with_change("endpoints.0.hf_token_env", variable), "dev.yaml")
    assert spec.endpoints[0].hf_token_env == variable


@pytest.mark.parametrize(
    "value",
    [
        "ya29.a0AfB_byC-google-access-token",
        "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
        "AKIAIOSFODNN7EXAMPLE",
        "pul-0123456789abcdef0123456789abcdef01234567",
        "hf_short",
        "hf_has spaces in it here",
        "hf_" + "x" * 300,
    ],
)
def test_a_value_that_is_not_shaped_like_a_hugging_face_token_is_refused(value: str) -> None:
    with pytest.raises(BadInputError) as caught:
        check_token("llama", "HF_TOKEN", value)
    assert caught.value.exit_code == 2
    assert "does not look like a Hugging Face token" in caught.value.why
    assert value not in str(caught.value)


def test_a_token_shaped_like_a_hugging_face_token_passes() -> None:
    assert check_token("llama", "HF_TOKEN", TOKEN) == TOKEN


def test_the_variable_the_access_token_came_from_is_refused_whatever_its_name() -> None:
    with pytest.raises(BadInputError, match="holds the Google access token this run uses"):
        check_token("llama", "MY_TOKEN", TOKEN, access_token_variable="MY_TOKEN")


def test_a_hugging_face_token_equal_to_the_access_token_is_refused() -> None:
    check_not_access_token({"llama": ("HF_TOKEN", TOKEN)}, "ya29.other")
    with pytest.raises(BadInputError) as caught:
        check_not_access_token({"llama": ("HF_TOKEN", TOKEN)}, TOKEN)
    assert "HF_TOKEN holds the Google access token" in caught.value.why
    assert TOKEN not in str(caught.value)


def test_the_pulumi_program_refuses_a_value_that_is_not_a_hugging_face_token() -> None:
    from infra.program import hf_tokens

    spec = parse_spec(with_change("endpoints.0.hf_token_env", "HF_TOKEN"), "dev.yaml")
    with pytest.raises(BadInputError, match="does not look like a Hugging Face token"):
        hf_tokens(spec, {"HF_TOKEN": "ya29.a0AfB_byC-google-access-token"})
    assert set(hf_tokens(spec, {"HF_TOKEN": TOKEN})) == {"llama-8b-vllm"}

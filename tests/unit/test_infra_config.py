"""Stack config → spec: a file path or an inline object, exactly one, and the spec's own errors."""

from __future__ import annotations

import pytest

from infra.config import spec_from_config
from provisioning.errors import SpecError
from tests.unit.infra_helpers import REPO, dev_data


class Config:
    def __init__(self, **values: object) -> None:
        self.values = values

    def get(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if isinstance(value, str) else None

    def get_object(self, key: str) -> object | None:
        return self.values.get(key)


def test_spec_file_relative_to_the_project_root() -> None:
    assert spec_from_config(Config(specFile="examples/dev.yaml"), REPO).project.id == "acme-genai-dev"


def test_inline_spec_is_validated_like_a_file() -> None:
    assert spec_from_config(Config(spec=dev_data()), REPO).endpoints[0].name == "llama-8b-vllm"
    with pytest.raises(SpecError, match=r"stack config vertex-bootstrap:spec: the spec is not valid"):
        spec_from_config(Config(spec=dev_data(region="mars-north1")), REPO)


def test_both_or_neither_is_a_usage_error() -> None:
    with pytest.raises(SpecError, match="both"):
        spec_from_config(Config(spec=dev_data(), specFile="examples/dev.yaml"), REPO)
    with pytest.raises(SpecError, match="names no environment spec") as error:
        spec_from_config(Config(), REPO)
    assert "pulumi config set vertex-bootstrap:specFile" in error.value.fix


def test_bad_spec_file_gives_the_spec_error() -> None:
    with pytest.raises(SpecError, match=r"project\.id"):
        spec_from_config(Config(specFile="examples/bad.yaml"), REPO)

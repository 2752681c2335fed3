"""The spec is the only input: good specs load; every bad one gets a message naming the field and a fix."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from provisioning.errors import SpecError
from provisioning.spec import load_spec, parse_spec

REPO = Path(__file__).resolve().parents[2]
DEV = yaml.safe_load((REPO / "examples" / "dev.yaml").read_text())


def with_change(path: str, value: Any) -> dict[str, Any]:
    """A copy of the dev spec with one dotted path set (or deleted when value is ...)."""
    data = copy.deepcopy(DEV)
    node: Any = data
    keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        node = node[key]
    if value is ...:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return data


def test_example_specs_load() -> None:
    for path in sorted((REPO / "examples").glob("**/*.yaml")):
        if path.name.startswith("bad"):
            continue
        spec = load_spec(path)
        assert spec.project.id


def test_dev_spec_derived_values() -> None:
    spec = parse_spec(DEV)
    assert spec.project.billing_account == "billingAccounts/012345-6789AB-CDEF01"
    assert spec.required_apis()[0] == "aiplatform.googleapis.com"
    assert "cloudcommerceconsumerprocurement.googleapis.com" in spec.required_apis()
    assert spec.maas_location(spec.maas_models[0]) == "us-central1"
    assert spec.ttl_delta is not None and spec.ttl_delta.total_seconds() == 72 * 3600


def test_required_apis_cover_quota_reads_and_workload_identity() -> None:
    plain = parse_spec({**DEV, "caller": {"service_account_id": "llm-caller"}})
    assert "cloudquotas.googleapis.com" in plain.required_apis()
    assert "sts.googleapis.com" not in plain.required_apis()
    federated = parse_spec(
        {
            **DEV,
            "caller": {
                "service_account_id": "llm-caller",
                "workload_identity": {"github_repository": "acme/app"},
            },
        }
    )
    apis = federated.required_apis()
    assert {"sts.googleapis.com", "iamcredentials.googleapis.com"} <= set(apis)
    assert len(apis) == len(set(apis))


BAD_CHANGES = [
    ("project.id", "Acme-Dev", "project.id"),
    ("project.id", "abc", "project.id"),
    ("project.id", "a" * 31, "project.id"),
    ("project.id", "1acme-dev", "project.id"),
    ("project.id", "acme-dev-", "project.id"),
    ("project.id", "acme_genai_dev", "project.id"),
    ("project.id", "my-google-proj", "project.id"),
    ("project.id", "acme-dev\u0430", "project.id"),  # Cyrillic 'а'
    ("project.id", "acme-dev-\uff11", "project.id"),  # fullwidth digit one
    ("project.id", 123456, "project.id"),
    ("project.billing_account", "12345", "project.billing_account"),
    ("project.billing_account", ..., "project.billing_account"),
    ("project.parent", "org/1", "project.parent"),
    ("region", "us-central-1", "region"),
    ("region", "mars-north1", "region"),
    ("region", ["us-central1"], "region"),
    ("fallback_regions", ["us-central1"], "fallback_regions"),
    ("environment", "Dev Env", "environment"),
    ("owner", "", "owner"),
    ("ttl", "3 days", "ttl"),
    ("ttl", "1m", "ttl"),
    ("ttl", "365d", "ttl"),
    ("labels", {"Cost": "x"}, "labels"),
    ("labels", {"cost": "UPPER"}, "labels"),
    ("endpoints.0.min_replicas", 0, "endpoints[0].min_replicas"),
    ("endpoints.0.max_replicas", 1000, "endpoints[0].max_replicas"),
    ("endpoints.0.min_replicas", 3, "endpoints[0].max_replicas"),
    ("endpoints.0.min_replicas", "1", "endpoints[0].min_replicas"),
    ("endpoints.0.model", "gpt-5", "endpoints[0].model"),
    ("endpoints.0.framework", "sglang", "endpoints[0].framework"),
    ("endpoints.0.machine_type", "n2-standard-8", "endpoints[0].machine_type"),
    ("endpoints.0.name", "Llama_8B", "endpoints[0].name"),
    ("endpoints.0.hf_token_env", "hf_abcdefSECRET", "endpoints[0].hf_token_env"),
    ("endpoints.0.replicas", 2, "endpoints[0].replicas"),
    ("maas_models.0.name", "gpt-oss-7b", "maas_models[0].name"),
    ("maas_models.0.location", "europe-west1", "maas_models[0].location"),
    ("caller.service_account_id", "x", "caller.service_account_id"),
    ("budget.monthly_amount_usd", -5, "budget.monthly_amount_usd"),
    ("unknown_key", True, "unknown_key"),
    ("project.adopt", "yes", "project.adopt"),
]


@pytest.mark.parametrize(
    ("path", "value", "field"), BAD_CHANGES, ids=[f"{p}={v!r}"[:60] for p, v, _ in BAD_CHANGES]
)
def test_bad_value_names_field_and_example(path: str, value: Any, field: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(with_change(path, value), "dev.yaml")
    error = caught.value
    assert error.exit_code == 2
    assert f"- {field}" in error.why, error.why
    assert "example:" in error.why
    assert "nothing was sent" in error.fix
    if isinstance(value, str | int) and not isinstance(value, bool) and field == path.replace(".0.", "[0]."):
        assert repr(value) in error.why, f"the bad value {value!r} is not shown: {error.why}"


def test_machine_type_accelerator_mismatch() -> None:
    data = with_change("endpoints.0.machine_type", "g2-standard-12")
    data["endpoints"][0]["accelerator_type"] = "NVIDIA_H100_80GB"
    with pytest.raises(SpecError, match="g2-standard-12 comes with NVIDIA_L4"):
        parse_spec(data)


def test_duplicate_endpoint_names() -> None:
    data = copy.deepcopy(DEV)
    data["endpoints"].append(copy.deepcopy(data["endpoints"][0]))
    with pytest.raises(SpecError, match="repeated: llama-8b-vllm"):
        parse_spec(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the spec is empty"),
        ("# only a comment\n", "the spec is empty"),
        ("- a\n- b\n", "must be a mapping"),
        ("just a string", "must be a mapping"),
        ("region: [us-central1\n", "not valid YAML"),
        ("a: &x [1]\nb: *x\n", "not valid YAML"),
        ("key: value\n\tbad: tab\n", "not valid YAML"),
    ],
)
def test_bad_files(tmp_path: Path, content: str, message: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(content)
    with pytest.raises(SpecError, match=message):
        load_spec(spec)


def test_yaml_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1}]" for i in range(1, 10)]
    spec = tmp_path / "bomb.yaml"
    spec.write_text("\n".join(lines))
    with pytest.raises(SpecError, match="aliases"):
        load_spec(spec)


def test_huge_and_missing_and_binary_files(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text("# " + "x" * (2 * 1024 * 1024))
    with pytest.raises(SpecError, match="the limit is"):
        load_spec(huge)
    with pytest.raises(SpecError, match="no such spec file"):
        load_spec(tmp_path / "absent.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec(binary)

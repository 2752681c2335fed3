"""The bad-input corpus: malformed specs, files and flags, one row per case, for every `provision` command.

Each row runs as a real CLI subprocess against a running emulator and must end with exit 2, a message naming
the field (or flag) and a fix, and no request at all in the emulator's log. Spec values here are different
from tests/unit/test_spec.py's (which checks the same rules in-process).

`argv` placeholders: {spec} the spec file, {outputs} the outputs file, {tmp} the work dir, {emulator} the
emulator's base URL, {state} a state file. `spec` is a dotted change to examples/dev.yaml (see `Change`),
a raw text, raw bytes, a callable that writes the file, or None for no file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.reliability.support import dev_spec


class _Missing:
    """A Change value: delete the key."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING = _Missing()


@dataclass(frozen=True)
class Change:
    """examples/dev.yaml with one dotted path set (e.g. `endpoints.0.min_replicas`)."""

    path: str
    value: Any

    def document(self) -> dict[str, Any]:
        data = dev_spec()
        node: Any = data
        keys: list[Any] = [int(k) if k.isdigit() else k for k in self.path.split(".")]
        for key in keys[:-1]:
            node = node[key]
        if self.value is MISSING:
            del node[keys[-1]]
        else:
            node[keys[-1]] = self.value
        return data


SpecInput = Change | str | bytes | Callable[[Path], None] | dict[str, Any] | None


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    expect: tuple[str, ...]  # substrings of stderr that name the field or flag
    spec: SpecInput = field(default_factory=dev_spec)
    outputs: Any = None  # smoke: a dict/list written as JSON, or raw text
    env: dict[str, str | None] = field(default_factory=dict)  # None unsets


def write_spec(spec: SpecInput, path: Path) -> None:
    if spec is None:
        return
    if isinstance(spec, Change):
        path.write_text(yaml.safe_dump(spec.document(), allow_unicode=True), encoding="utf-8")
    elif isinstance(spec, dict):
        path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    elif isinstance(spec, str):
        path.write_text(spec, encoding="utf-8")
    elif isinstance(spec, bytes):
        path.write_bytes(spec)
    else:
        spec(path)


def write_outputs(outputs: Any, path: Path, emulator_url: str) -> None:
    if outputs is None:
        return
    if isinstance(outputs, str):
        path.write_text(outputs, encoding="utf-8")
    else:
        path.write_text(json.dumps(outputs).replace("{emulator}", emulator_url), encoding="utf-8")


def _alias_bomb(path: Path) -> None:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [
        f"l{i}: &l{i} [*l{i - 1},*l{i - 1},*l{i - 1},*l{i - 1},*l{i - 1},*l{i - 1}]" for i in range(1, 12)
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def _deep_nesting(path: Path) -> None:
    path.write_text("project: " + "[" * 20_000 + "]" * 20_000 + "\n", encoding="utf-8")


def _deep_mapping(path: Path) -> None:
    path.write_text("".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "x: 1\n")


def _huge_file(path: Path) -> None:
    path.write_text(yaml.safe_dump(dev_spec()) + "labels:\n" + "  # padding\n" * 120_000, encoding="utf-8")


def _folder_with_one_bad_spec(path: Path) -> None:
    path.mkdir()
    (path / "a-good.yaml").write_text(yaml.safe_dump(dev_spec()), encoding="utf-8")
    (path / "b-bad.yaml").write_text(yaml.safe_dump(Change("project.id", "Bad Id").document()), "utf-8")


def _empty_folder(path: Path) -> None:
    path.mkdir()


def _utf16(path: Path) -> None:
    path.write_bytes(yaml.safe_dump(dev_spec()).encode("utf-16"))


def _with_second_project_block(path: Path) -> None:
    path.write_text(
        yaml.safe_dump(dev_spec())
        + "project:\n  id: someone-elses-id\n  billing_account: 012345-6789AB-CDEF01\n",
        encoding="utf-8",
    )


def _with_repeated_max_replicas(path: Path) -> None:
    text = yaml.safe_dump(dev_spec(), sort_keys=False)
    path.write_text(text.replace("  max_replicas: 2\n", "  max_replicas: 2\n  max_replicas: 50\n"), "utf-8")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _symlink_loop(path: Path) -> None:
    other = path.with_name("other.yaml")
    path.symlink_to(other)
    other.symlink_to(path)


def _endpoint(**changes: Any) -> dict[str, Any]:
    data = dev_spec()
    data["endpoints"][0].update(changes)
    return data


def _labels(count: int) -> dict[str, str]:
    return {f"team-{i}": "x" for i in range(count)}


ZWSP, RTL, NBHY = (
    "\u200b",
    "\u202e",
    "\u2011",
)  # zero-width space, right-to-left override, non-breaking hyphen
CYRILLIC_A, CYRILLIC_O = "\u0430", "\u043e"

# -- spec values, spread over the commands that load a spec ---------------------------------------
SPEC_VALUES: list[tuple[str, str, Any, str]] = [
    # (command, dotted path, bad value, field as printed)
    ("apply", "project.id", f"acme{ZWSP}-genai-dev", "project.id"),
    ("plan", "project.id", f"acme-genai-dev{RTL}", "project.id"),
    ("doctor", "project.id", "ａｃｍｅ-genai-dev", "project.id"),  # fullwidth letters
    ("destroy", "project.id", "acme-genai-dev ", "project.id"),
    ("validate", "project.id", "", "project.id"),
    ("reap", "project.id", None, "project.id"),
    ("apply", "project.id", "acme-ssl-dev", "project.id"),
    ("plan", "region", f"us-centr{CYRILLIC_A}l1", "region"),
    ("doctor", "region", f"us{ZWSP}-central1", "region"),
    ("destroy", "region", "US-CENTRAL1", "region"),
    ("apply", "region", "", "region"),
    ("validate", "region", "us-central1 ", "region"),
    ("reap", "region", 5, "region"),
    ("plan", "fallback_regions", "us-east4", "fallback_regions"),
    ("apply", "ttl", "７２h", "ttl"),  # fullwidth digits
    ("doctor", "ttl", 72, "ttl"),
    ("destroy", "ttl", "-1h", "ttl"),
    ("validate", "ttl", "0h", "ttl"),
    ("plan", "ttl", "99999d", "ttl"),
    ("reap", "ttl", "72H", "ttl"),
    ("validate", "endpoints.0.min_replicas", -1, "endpoints[0].min_replicas"),
    ("plan", "endpoints.0.max_replicas", 0, "endpoints[0].max_replicas"),
    ("doctor", "endpoints.0.max_replicas", float("inf"), "endpoints[0].max_replicas"),
    ("doctor", "endpoints.0.min_replicas", 1.5, "endpoints[0].min_replicas"),
    ("validate", "endpoints.0.min_replicas", True, "endpoints[0].min_replicas"),
    ("plan", "endpoints.0.max_replicas", 10**30, "endpoints[0].max_replicas"),
    ("plan", "endpoints.0.accelerator_count", "two", "endpoints[0].accelerator_count"),
    ("doctor", "endpoints.0.accelerator_type", "NVIDIA_TESLA_Z9", "endpoints[0].accelerator_type"),
    ("validate", "endpoints.0.dedicated_endpoint", "maybe", "endpoints[0].dedicated_endpoint"),
    ("validate", "endpoints.0.container_args", "--max-model-len=8192", "endpoints[0].container_args"),
    ("doctor", "endpoints.0.framework", "VLLM", "endpoints[0].framework"),
    ("plan", "endpoints.0.name", f"llama{RTL}8b", "endpoints[0].name"),
    ("plan", "endpoints.0.hf_token_env", "hf token", "endpoints[0].hf_token_env"),
    ("doctor", "endpoints.0.tensor_parallel_size", 0, "endpoints[0].tensor_parallel_size"),
    ("validate", "endpoints", "llama-8b-vllm", "endpoints"),
    ("validate", "endpoints.0.region", "us-central2", "endpoints[0].region"),
    ("doctor", "endpoints.0.spot", "yes", "endpoints[0].spot"),
    ("plan", "maas_models", {"name": "gpt-oss-20b"}, "maas_models"),
    ("doctor", "maas_models.0.accept_eula", "sure", "maas_models[0].accept_eula"),
    ("plan", "maas_models.0.name", f"gpt{NBHY}oss-20b", "maas_models[0].name"),
    ("validate", "labels", ["cost-center"], "labels"),
    ("validate", "labels", {"cost-center": f"cc{ZWSP}1234"}, "labels"),
    ("doctor", "labels", {"k" * 64: "x"}, "labels"),
    ("plan", "labels", _labels(65), "labels"),
    ("plan", "caller.service_account_id", "llm_caller", "caller.service_account_id"),
    ("doctor", "caller.workload_identity", {"github_repository": "acme"}, "github_repository"),
    ("validate", "caller.workload_identity", {"github_repository": "acme/app;rm -rf"}, "github_repository"),
    ("doctor", "budget.monthly_amount_usd", "lots", "budget.monthly_amount_usd"),
    ("validate", "budget.thresholds", [-0.5], "budget.thresholds"),
    ("plan", "project.parent", "organizations/abc", "project.parent"),
    ("plan", "project.billing_account", "012345-6789ab-cdef01", "project.billing_account"),
    ("doctor", "project.display_name", "x" * 200, "project.display_name"),
    ("validate", "apis", "aiplatform.googleapis.com", "apis"),
    ("doctor", "apis", ["compute.googleapis.com; rm -rf /"], "apis"),
    ("validate", "project", None, "project"),
    ("plan", "endpoint", [{"name": "typo"}], "endpoint"),  # unknown top-level key
    ("doctor", "endpoints.0.min_replica", 1, "endpoints[0].min_replica"),  # unknown nested key
    ("doctor", f"regi{CYRILLIC_O}n", "us-central1", f"regi{CYRILLIC_O}n"),  # homoglyph key
    ("plan", "owner", f"platform{RTL}team", "owner"),
    ("validate", "environment", "", "environment"),
    ("plan", "region", MISSING, "region"),
    ("validate", "owner", False, 'owner: "no"'),  # `owner: no` in YAML 1.1 is a boolean
    ("doctor", "endpoints.0.name", "openapi", "endpoints[0].name"),  # the MaaS base URL's path
    ("apply", "caller.workload_identity", {"github_repository": "acme/app", "pool_id": "ci"}, "pool_id"),
    ("plan", "caller.workload_identity", {"github_repository": "acme/app", "pool_id": "p" * 33}, "pool_id"),
]


def _spec_flags(command: str) -> tuple[str, ...]:
    return ("reap", "--spec", "{spec}", "--dry-run") if command == "reap" else (command, "--spec", "{spec}")


SPEC_CASES = [
    Case(f"{command}-{path}={value!r}"[:70], _spec_flags(command), (shown, "example:"), Change(path, value))
    for command, path, value, shown in SPEC_VALUES
]

# -- whole files ---------------------------------------------------------------------------------
FILE_CASES = [
    Case("apply-alias-bomb", ("apply", "--spec", "{spec}"), ("aliases",), _alias_bomb),
    Case("plan-deep-flow-nesting", ("plan", "--spec", "{spec}"), ("nests deeper",), _deep_nesting),
    Case("validate-deep-block-nesting", ("validate", "--spec", "{spec}"), ("nests deeper",), _deep_mapping),
    Case("doctor-huge-file", ("doctor", "--spec", "{spec}"), ("the limit is",), _huge_file),
    Case(
        "apply-python-tag",
        ("apply", "--spec", "{spec}"),
        ("python/object",),
        'project: !!python/object/apply:os.system ["touch pwned"]\n',
    ),
    Case("destroy-missing-file", ("destroy", "--spec", "{tmp}/absent.yaml"), ("no such spec file",), None),
    Case("validate-binary", ("validate", "--spec", "{spec}"), ("not UTF-8",), b"\x89PNG\r\n\x1a\n\x00\xff"),
    Case("plan-utf16", ("plan", "--spec", "{spec}"), ("not UTF-8",), _utf16),
    Case("reap-empty-spec", ("reap", "--spec", "{spec}"), ("empty",), ""),
    Case("doctor-top-level-list", ("doctor", "--spec", "{spec}"), ("mapping",), "- project\n- region\n"),
    Case("apply-empty-folder", ("apply", "--spec", "{spec}"), ("no *.yaml",), _empty_folder),
    Case(
        "apply-folder-with-a-bad-spec",
        ("apply", "--spec", "{spec}", "--parallel", "2"),
        ("b-bad.yaml", "project.id"),
        _folder_with_one_bad_spec,
    ),
    Case(
        "validate-second-project-block",
        ("validate", "--spec", "{spec}"),
        ("'project'", "twice"),
        _with_second_project_block,
    ),
    Case(
        "apply-second-project-block",
        ("apply", "--spec", "{spec}"),
        ("'project'", "twice"),
        _with_second_project_block,
    ),
    Case(
        "plan-repeated-max-replicas",
        ("plan", "--spec", "{spec}"),
        ("'max_replicas'", "twice"),
        _with_repeated_max_replicas,
    ),
    Case("validate-fifo", ("validate", "--spec", "{spec}"), ("not a regular file", "FIFO"), _fifo),
    Case("apply-fifo", ("apply", "--spec", "{spec}"), ("not a regular file",), _fifo),
    Case("doctor-symlink-loop", ("doctor", "--spec", "{spec}"), ("symbolic link loop",), _symlink_loop),
    Case("plan-directory", ("plan", "--spec", "{tmp}/specs"), ("is a directory",), None),
    Case("destroy-directory", ("destroy", "--spec", "{tmp}/specs"), ("is a directory",), None),
    # what doctor calls blocking without a read: apply refuses it before its first call
    Case(
        "apply-70b-on-one-l4",
        ("apply", "--spec", "{spec}"),
        ("model-fit:", "does not fit"),
        _endpoint(model="llama-3.3-70b-instruct", machine_type="g2-standard-12"),
    ),
    Case(
        "apply-tensor-parallel-4-on-1-gpu",
        ("apply", "--spec", "{spec}"),
        ("tensor_parallel_size 4",),
        _endpoint(machine_type="g2-standard-12", tensor_parallel_size=4),
    ),
    Case(
        "apply-region-lacks-the-gpu",
        ("apply", "--spec", "{spec}"),
        ("gpu-region:", "europe-west1"),
        {**_endpoint(region="europe-west1", machine_type="a2-ultragpu-1g"), "fallback_regions": []},
    ),
    Case(
        "apply-eula-not-accepted",
        ("apply", "--spec", "{spec}"),
        ("accept_eula: true",),
        _endpoint(accept_eula=False),
    ),
    Case(
        "apply-gpu-endpoint-without-ttl",
        ("apply", "--spec", "{spec}"),
        ("gpu-expires-at", "set ttl:"),
        Change("ttl", MISSING),
    ),
    Case(
        "validate-huge-value",
        ("validate", "--spec", "{spec}"),
        ("project.id",),
        Change("project.id", "a" * 900_000),
    ),
]

# -- flags ---------------------------------------------------------------------------------------
GOOD_OUTPUTS = {
    "project": "acme-genai-dev",
    "region": "us-central1",
    "caller_service_account": "llm-caller@acme-genai-dev.iam.gserviceaccount.com",
    "targets": [
        {
            "name": "gpt-oss-20b",
            "kind": "maas",
            "base_url": "{emulator}/v1/projects/acme-genai-dev/locations/us-central1/endpoints/openapi",
            "model": "openai/gpt-oss-20b-maas",
        }
    ],
}


def _outputs_with(**target: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(GOOD_OUTPUTS))
    data["targets"][0].update(target)
    return data


SMOKE = ("smoke", "--outputs", "{outputs}")

FLAG_CASES = [
    Case("apply-parallel-0", ("apply", "--spec", "{spec}", "--parallel", "0"), ("--parallel",)),
    Case("apply-parallel-65", ("apply", "--spec", "{spec}", "--parallel", "65"), ("--parallel",)),
    Case("apply-parallel-text", ("apply", "--spec", "{spec}", "--parallel", "many"), ("--parallel",)),
    Case("apply-parallel-fullwidth", ("apply", "--spec", "{spec}", "--parallel", "４"), ("--parallel",)),
    Case(
        "apply-api-endpoint-path",
        ("apply", "--spec", "{spec}", "--api-endpoint", "{emulator}/v1"),
        ("--api-endpoint",),
    ),
    Case(
        "doctor-api-endpoint-ftp",
        ("doctor", "--spec", "{spec}", "--api-endpoint", "ftp://127.0.0.1"),
        ("--api-endpoint",),
    ),
    Case(
        "plan-api-endpoint-query",
        ("plan", "--spec", "{spec}", "--api-endpoint", "{emulator}?alt=json"),
        ("--api-endpoint",),
    ),
    Case(
        "destroy-api-endpoint-port",
        ("destroy", "--spec", "{spec}", "--api-endpoint", "http://127.0.0.1:99999"),
        ("--api-endpoint",),
    ),
    Case(
        "reap-api-endpoint-no-scheme",
        ("reap", "--projects", "acme-genai-dev", "--api-endpoint", "127.0.0.1:8790"),
        ("--api-endpoint",),
    ),
    Case(
        "apply-api-endpoint-env",
        ("apply", "--spec", "{spec}"),
        ("PROVISION_API_ENDPOINT",),
        env={"PROVISION_API_ENDPOINT": "{emulator}/x/"},
    ),
    Case(
        "apply-token-file-missing",
        ("apply", "--spec", "{spec}", "--access-token-file", "{tmp}/no-token"),
        ("access token file",),
    ),
    Case(
        "doctor-token-file-empty",
        ("doctor", "--spec", "{spec}", "--access-token-file", "{tmp}/empty-token"),
        ("access token file", "empty"),
    ),
    Case(
        "plan-token-file-directory",
        ("plan", "--spec", "{spec}", "--access-token-file", "{tmp}"),
        ("access token file",),
    ),
    Case("apply-hf-token-unset", ("apply", "--spec", "{spec}"), ("HF_TOKEN",), env={"HF_TOKEN": None}),
    Case("apply-hf-token-blank", ("apply", "--spec", "{spec}"), ("HF_TOKEN",), env={"HF_TOKEN": "  "}),
    Case(
        "apply-state-corrupt",
        ("apply", "--spec", "{spec}", "--state", "{tmp}/corrupt.state.json"),
        ("state file",),
    ),
    Case(
        "apply-state-other-project",
        ("apply", "--spec", "{spec}", "--state", "{tmp}/other.state.json"),
        ("state belongs",),
    ),
    Case(
        "apply-state-with-folder", ("apply", "--spec", "{tmp}/specs", "--state", "{tmp}/x.json"), ("--state",)
    ),
    Case(
        "apply-outputs-is-the-spec",
        ("apply", "--spec", "{spec}", "--outputs", "{spec}"),
        ("--outputs", "spec file itself"),
    ),
    Case(
        "apply-outputs-is-a-directory",
        ("apply", "--spec", "{spec}", "--outputs", "{tmp}"),
        ("--outputs", "is a directory"),
    ),
    Case(
        "apply-outputs-under-a-file",
        ("apply", "--spec", "{spec}", "--outputs", "{spec}/out.json"),
        ("--outputs", "is a file, not a folder"),
    ),
    Case(
        "apply-folder-outputs-is-a-file",
        ("apply", "--spec", "{tmp}/specs", "--outputs", "{tmp}/empty-token"),
        ("--outputs", "not a folder"),
    ),
    Case("smoke-outputs-directory", ("smoke", "--outputs", "{tmp}/"), ("is a directory",)),
    Case("apply-unknown-flag", ("apply", "--spec", "{spec}", "--dry-runn"), ("--dry-runn",)),
    Case("doctor-no-spec", ("doctor",), ("--spec",)),
    Case("reap-neither-spec-nor-projects", ("reap", "--dry-run"), ("--spec", "--projects")),
    Case(
        "reap-spec-and-projects",
        ("reap", "--spec", "{spec}", "--projects", "acme-genai-dev"),
        ("--spec", "--projects"),
    ),
    Case(
        "reap-projects-underscore",
        ("reap", "--projects", "Bad_Project", "--dry-run"),
        ("--projects", "Bad_Project"),
    ),
    Case(
        "reap-projects-homoglyph",
        ("reap", "--projects", f"acme-genai-dev,acme-d{CYRILLIC_O}v-01"),
        ("--projects",),
    ),
    Case("reap-projects-only-commas", ("reap", "--projects", ",,", "--dry-run"), ("--projects",)),
    Case("smoke-outputs-missing", ("smoke", "--outputs", "{tmp}/absent.json"), ("absent.json",)),
    Case("smoke-outputs-not-json", SMOKE, ("not a JSON",), outputs="{targets: nope"),
    Case("smoke-outputs-list", SMOKE, ("outputs",), outputs=[GOOD_OUTPUTS]),
    Case("smoke-outputs-no-targets", SMOKE, ("no targets",), outputs={**GOOD_OUTPUTS, "targets": []}),
    Case(
        "smoke-outputs-no-project",
        SMOKE,
        ("project",),
        outputs={k: v for k, v in GOOD_OUTPUTS.items() if k != "project"},
    ),
    Case("smoke-outputs-ftp-url", SMOKE, ("base_url",), outputs=_outputs_with(base_url="ftp://127.0.0.1/v1")),
    Case(
        "smoke-outputs-javascript-url",
        SMOKE,
        ("base_url",),
        outputs=_outputs_with(base_url="javascript:alert(1)"),
    ),
    Case("smoke-outputs-bad-auth", SMOKE, ("auth",), outputs=_outputs_with(auth="basic")),
    Case("smoke-unknown-target", (*SMOKE, "--target", "gpt-oss-21b"), ("gpt-oss-21b",), outputs=GOOD_OUTPUTS),
    Case(
        "smoke-concurrency-0",
        (*SMOKE, "--concurrency", "0", "--requests", "5"),
        ("--concurrency",),
        outputs=GOOD_OUTPUTS,
    ),
    Case(
        "smoke-concurrency-alone",
        (*SMOKE, "--concurrency", "4"),
        ("--concurrency", "--requests"),
        outputs=GOOD_OUTPUTS,
    ),
    Case(
        "smoke-concurrency-text",
        (*SMOKE, "--concurrency", "lots", "--requests", "5"),
        ("--concurrency",),
        outputs=GOOD_OUTPUTS,
    ),
    Case(
        "smoke-requests-negative",
        (*SMOKE, "--concurrency", "2", "--requests", "-1"),
        ("--requests",),
        outputs=GOOD_OUTPUTS,
    ),
    Case(
        "smoke-wait-ready-negative", (*SMOKE, "--wait-ready", "-5"), ("--wait-ready",), outputs=GOOD_OUTPUTS
    ),
    Case("smoke-timeout-0", (*SMOKE, "--timeout", "0"), ("--timeout",), outputs=GOOD_OUTPUTS),
    Case("smoke-max-tokens-0", (*SMOKE, "--max-tokens", "0"), ("--max-tokens",), outputs=GOOD_OUTPUTS),
    Case(
        "smoke-gcs-image-http",
        (*SMOKE, "--gcs-image", "http://example.com/a.jpg"),
        ("--gcs-image",),
        outputs=GOOD_OUTPUTS,
    ),
    Case("smoke-no-outputs-no-base-url", ("smoke",), ("--outputs", "--base-url")),
    Case("smoke-kind-bogus", ("smoke", "--base-url", "{emulator}/v1", "--kind", "bogus"), ("--kind",)),
    Case("smoke-base-url-file", ("smoke", "--base-url", "file:///etc/passwd"), ("base_url",)),
    Case(
        "smoke-token-file-missing",
        (*SMOKE, "--access-token-file", "{tmp}/no-token"),
        ("access token file",),
        outputs=GOOD_OUTPUTS,
    ),
]

CASES = [*SPEC_CASES, *FILE_CASES, *FLAG_CASES]

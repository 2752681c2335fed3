"""The environment spec: the only input format, shared by the CLI engine, doctor/plan and the Pulumi program.

Pure: parsing and validation only. A bad spec raises `SpecError` naming the field, the bad value and a valid
example, before any API is called.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from provisioning.catalog import load_catalog
from provisioning.errors import BadInputError, SpecError
from provisioning.hf_token import refused_variable
from provisioning.state_url import check_state_location

MAX_SPEC_BYTES = 1024 * 1024

# Google's rules: 6-30 characters, lowercase ASCII letters, digits and hyphens, starting with a letter,
# not ending with a hyphen. (Character classes are spelled out: `\d` would also match non-ASCII digits.)
_PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
_RESOURCE_NAME = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
_SERVICE_ACCOUNT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_BILLING_ACCOUNT = re.compile(r"^(billingAccounts/)?([0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6})$")
_PARENT = re.compile(r"^(organizations|folders)/[0-9]{1,20}$")
_API = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*\.googleapis\.com$")
_ENV_VAR = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_DURATION = re.compile(r"^([0-9]{1,5})(m|h|d)$")
# Workload identity pool and provider ids: 4-32 characters, and the prefix gcp- is Google's.
_WIF_ID = re.compile(r"^(?!gcp-)[a-z][a-z0-9-]{2,30}[a-z0-9]$")
MAAS_ROUTE_ID = "openapi"  # .../endpoints/openapi is the shared MaaS base URL: no endpoint may take the name
_FORBIDDEN_IN_PROJECT_ID = ("google", "null", "undefined", "ssl")

MIN_TTL = timedelta(minutes=10)
MAX_TTL = timedelta(days=90)
MAX_REPLICAS = 100

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


def _check(pattern: re.Pattern[str], rule: str) -> AfterValidator:
    def validate(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(rule)
        return value

    return AfterValidator(validate)


def _valid_project_id(value: str) -> str:
    if not _PROJECT_ID.fullmatch(value):
        raise ValueError(
            "a project id has 6-30 characters: lowercase ASCII letters, digits and hyphens, "
            "starts with a letter and does not end with a hyphen"
        )
    for word in _FORBIDDEN_IN_PROJECT_ID:
        if word in value:
            raise ValueError(f"a project id may not contain {word!r}")
    return value


def _not_a_credential_variable(value: str) -> str:
    reason = refused_variable(value)
    if reason:
        raise ValueError(reason)
    return value


def _valid_region(value: str) -> str:
    regions = load_catalog().regions
    if value not in regions:
        raise ValueError(f"unknown Vertex AI region; known regions: {', '.join(sorted(regions))}")
    return value


def _valid_labels(value: dict[str, str]) -> dict[str, str]:
    if len(value) > 64:
        raise ValueError("at most 64 labels")
    for key, val in value.items():
        if not _LABEL_KEY.fullmatch(key):
            raise ValueError(
                f"label key {key!r}: lowercase letters, digits, '_' or '-', starting with a letter"
            )
        if not _LABEL_VALUE.fullmatch(val):
            raise ValueError(
                f"label value {val!r} (key {key!r}): up to 63 lowercase letters, digits, '_' or '-'"
            )
    return value


ProjectId = Annotated[str, AfterValidator(_valid_project_id)]
RegionName = Annotated[str, AfterValidator(_valid_region)]
LabelValue = Annotated[str, _check(_LABEL_VALUE, "up to 63 lowercase letters, digits, '_' or '-'")]
ResourceName = Annotated[
    str, _check(_RESOURCE_NAME, "1-63 lowercase letters, digits or hyphens, starting with a letter")
]
Labels = Annotated[dict[str, str], AfterValidator(_valid_labels)]
WorkloadIdentityId = Annotated[
    str,
    _check(_WIF_ID, "4-32 lowercase letters, digits or hyphens, starting with a letter, not with gcp-"),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ProjectSpec(_Strict):
    id: ProjectId
    display_name: Annotated[str, Field(min_length=4, max_length=30)] | None = None
    adopt: bool = False
    parent: Annotated[str, _check(_PARENT, "organizations/NUMBER or folders/NUMBER")] | None = None
    billing_account: str | None = None

    @field_validator("billing_account")
    @classmethod
    def _normalise_billing_account(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = _BILLING_ACCOUNT.fullmatch(value)
        if not match:
            raise ValueError("a billing account id looks like 012345-6789AB-CDEF01 (uppercase hex)")
        return f"billingAccounts/{match.group(2)}"

    @model_validator(mode="after")
    def _billing_needed_to_create(self) -> ProjectSpec:
        if not self.adopt and self.billing_account is None:
            raise ValueError(
                "billing_account: required when the project is created (adopt: false); "
                "set project.billing_account, or adopt: true for a project that already has billing"
            )
        return self


class MaasModelSpec(_Strict):
    name: str
    location: str | None = None
    accept_eula: bool = False

    @field_validator("name")
    @classmethod
    def _known_maas_model(cls, value: str) -> str:
        known = load_catalog().maas_models()
        if value not in known:
            raise ValueError(f"not a managed (MaaS) model in the catalog; known: {', '.join(known)}")
        return value

    @model_validator(mode="after")
    def _served_location(self) -> MaasModelSpec:
        offer = load_catalog().models[self.name].maas
        assert offer is not None
        if self.location is not None and self.location not in offer.locations:
            raise ValueError(
                f"location: {self.location!r} does not serve {self.name}; "
                f"it is served in: {', '.join(offer.locations)}"
            )
        return self


class EndpointSpec(_Strict):
    name: ResourceName
    model: str
    framework: Literal["vllm", "tgi"] = "vllm"
    region: RegionName | None = None
    machine_type: str | None = None
    accelerator_type: str | None = None
    accelerator_count: Annotated[int, Field(ge=1, le=8)] | None = None
    tensor_parallel_size: Annotated[int, Field(ge=1, le=8)] | None = None
    min_replicas: Annotated[int, Field(ge=1, le=MAX_REPLICAS)] = 1
    max_replicas: Annotated[int, Field(ge=1, le=MAX_REPLICAS)] = 1
    dedicated_endpoint: bool = True
    spot: bool = False
    accept_eula: bool = False
    hf_token_env: (
        Annotated[
            str,
            _check(_ENV_VAR, "an environment variable name such as HF_TOKEN"),
            AfterValidator(_not_a_credential_variable),
        ]
        | None
    ) = None
    container_args: list[str] | None = None

    @field_validator("name")
    @classmethod
    def _not_the_maas_route(cls, value: str) -> str:
        if value == MAAS_ROUTE_ID:
            raise ValueError(
                f"{MAAS_ROUTE_ID!r} is the path of the shared MaaS base URL (.../endpoints/{MAAS_ROUTE_ID}); "
                "an endpoint with that id would collide with it: pick another name"
            )
        return value

    @field_validator("model")
    @classmethod
    def _known_open_model(cls, value: str) -> str:
        known = load_catalog().open_models()
        if value not in known:
            raise ValueError(f"not a self-deployable model in the catalog; known: {', '.join(known)}")
        return value

    @field_validator("machine_type")
    @classmethod
    def _known_machine_type(cls, value: str | None) -> str | None:
        if value is None:
            return None
        known = sorted({s.machine_type for s in load_catalog().machine_shapes.values()})
        if value not in known:
            raise ValueError(
                f"not a Vertex GPU serving machine type in the catalog; known: {', '.join(known)}"
            )
        return value

    @field_validator("accelerator_type")
    @classmethod
    def _known_accelerator(cls, value: str | None) -> str | None:
        if value is None:
            return None
        known = sorted(load_catalog().accelerators)
        if value not in known:
            raise ValueError(f"unknown accelerator; known: {', '.join(known)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EndpointSpec:
        if self.max_replicas < self.min_replicas:
            raise ValueError(f"max_replicas: {self.max_replicas} is below min_replicas ({self.min_replicas})")
        if self.machine_type is not None:
            shapes = load_catalog().shapes_for_machine_type(self.machine_type)
            if self.accelerator_type and all(s.accelerator != self.accelerator_type for s in shapes):
                offered = ", ".join(sorted({s.accelerator for s in shapes}))
                raise ValueError(
                    f"accelerator_type: {self.machine_type} comes with {offered}, not {self.accelerator_type}"
                )
            if self.accelerator_count and all(s.count != self.accelerator_count for s in shapes):
                counts = ", ".join(str(s.count) for s in shapes)
                raise ValueError(
                    f"accelerator_count: {self.machine_type} has {counts} GPU(s), "
                    f"not {self.accelerator_count}"
                )
        elif self.accelerator_type or self.accelerator_count:
            raise ValueError(
                "machine_type: needed with accelerator_type/accelerator_count (or leave all three out)"
            )
        return self


class WorkloadIdentitySpec(_Strict):
    github_repository: Annotated[str, _check(_GITHUB_REPO, "OWNER/REPOSITORY on GitHub")]
    pool_id: WorkloadIdentityId = "ci-pool"
    provider_id: WorkloadIdentityId = "github"


class CallerSpec(_Strict):
    service_account_id: Annotated[
        str, _check(_SERVICE_ACCOUNT_ID, "6-30 lowercase letters, digits or hyphens, starting with a letter")
    ] = "llm-caller"
    workload_identity: WorkloadIdentitySpec | None = None


class BudgetSpec(_Strict):
    monthly_amount_usd: Annotated[float, Field(gt=0, le=10_000_000)]
    thresholds: list[Annotated[float, Field(gt=0, le=2)]] = [0.5, 0.9, 1.0]


class EnvironmentSpec(_Strict):
    environment: LabelValue
    owner: LabelValue
    region: RegionName
    fallback_regions: list[RegionName] = []
    ttl: str | None = None
    project: ProjectSpec
    labels: Labels = {}
    apis: list[Annotated[str, _check(_API, "a service name such as bigquery.googleapis.com")]] = []
    maas_models: list[MaasModelSpec] = []
    endpoints: list[EndpointSpec] = []
    caller: CallerSpec = CallerSpec()
    budget: BudgetSpec | None = None
    state: str | None = None  # default for --state: a local file or gs://BUCKET/PREFIX

    @field_validator("state")
    @classmethod
    def _valid_state(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check_state_location(value)
        except BadInputError as error:
            raise ValueError(f"{error.what}; {error.why}".rstrip("; ")) from None

    @field_validator("environment", "owner")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("ttl")
    @classmethod
    def _valid_ttl(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> EnvironmentSpec:
        for kind, names in (
            ("endpoints", [e.name for e in self.endpoints]),
            ("maas_models", [m.name for m in self.maas_models]),
        ):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{kind}: names must be unique; repeated: {', '.join(dupes)}")
        if self.region in self.fallback_regions:
            raise ValueError(f"fallback_regions: repeats the main region {self.region}")
        return self

    @property
    def ttl_delta(self) -> timedelta | None:
        return parse_duration(self.ttl) if self.ttl else None

    def endpoint_region(self, endpoint: EndpointSpec) -> str:
        return endpoint.region or self.region

    def maas_location(self, model: MaasModelSpec) -> str:
        """Where a MaaS model is called: the spec's location, else the env region if served, else first."""
        if model.location:
            return model.location
        offer = load_catalog().models[model.name].maas
        assert offer is not None
        return self.region if self.region in offer.locations else offer.locations[0]

    def required_apis(self) -> list[str]:
        """Every service the spec needs enabled, aiplatform first, without duplicates."""
        apis = [
            "aiplatform.googleapis.com",
            "iam.googleapis.com",
            "cloudresourcemanager.googleapis.com",
            "cloudquotas.googleapis.com",  # the doctor reads GPU serving quota
        ]
        if self.caller.workload_identity is not None:
            apis += ["sts.googleapis.com", "iamcredentials.googleapis.com"]
        if self.maas_models:
            apis.append("cloudcommerceconsumerprocurement.googleapis.com")
        if self.budget:
            apis.append("billingbudgets.googleapis.com")
        for api in self.apis:
            if api not in apis:
                apis.append(api)
        return apis


def parse_duration(text: str) -> timedelta:
    match = _DURATION.fullmatch(text)
    if not match:
        raise ValueError("a duration is a whole number followed by m, h or d, e.g. 72h")
    amount, unit = int(match.group(1)), match.group(2)
    delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    if not MIN_TTL <= delta <= MAX_TTL:
        raise ValueError("a TTL must be between 10m and 90d")
    return delta


MAX_YAML_DEPTH = 32  # a spec nests 4 levels; deeper input is an attack on the parser's recursion


class DuplicateKeyError(yaml.YAMLError):
    """A mapping repeats a key: YAML would silently keep the last value (a second `project:` block wins)."""

    def __init__(self, key: Any, first_line: int, second_line: int) -> None:
        self.key, self.first_line, self.second_line = key, first_line, second_line
        super().__init__(f"key {key!r} is given twice (lines {first_line} and {second_line})")


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors/aliases (how YAML bombs work), without deep nesting (which would
    exhaust Python's recursion limit) and without repeated keys: a spec never needs any of them."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(
                f"YAML aliases (*name) are not allowed in a spec (line {event.start_mark.line + 1})"
            )
        if self._depth >= MAX_YAML_DEPTH:
            line = self.peek_event().start_mark.line + 1
            raise yaml.YAMLError(f"the spec nests deeper than {MAX_YAML_DEPTH} levels (line {line})")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_lines: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in first_lines:
                raise DuplicateKeyError(key, first_lines[key], line)
            first_lines[key] = line
        return super().construct_mapping(node, deep)


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


def _format_validation_error(source: str, error: ValidationError) -> SpecError:
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


def parse_spec(data: Any, source: str = "spec") -> EnvironmentSpec:
    """Validate already-parsed data (from YAML or Pulumi stack config)."""
    if data is None:
        raise SpecError(f"{source}: the spec is empty", fix="start from examples/dev.yaml")
    if not isinstance(data, dict):
        raise SpecError(
            f"{source}: the spec must be a mapping of keys to values, not a {type(data).__name__}",
            fix="start from examples/dev.yaml",
        )
    try:
        return EnvironmentSpec.model_validate(data)
    except ValidationError as error:
        raise _format_validation_error(source, error) from None


def _regular_file_size(file: Path) -> int:
    """The size of `file`, or the SpecError that says what it is instead of a regular file."""
    fix = "pass --spec with the path of a YAML spec file"
    try:
        info = file.stat()
    except FileNotFoundError:
        if file.is_symlink():
            raise SpecError(f"{file}: a symbolic link to a missing file", fix=fix) from None
        raise SpecError(f"{file}: no such spec file", fix=fix) from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise SpecError(f"{file}: a symbolic link loop (it never reaches a file)", fix=fix) from None
        raise SpecError(f"{file}: cannot read the spec", error.strerror or str(error), fix) from None
    if stat.S_ISDIR(info.st_mode):
        raise SpecError(
            f"{file}: is a directory, not a spec file",
            fix=f"{fix} (only `provision apply` takes a folder of specs)",
        )
    if not stat.S_ISREG(info.st_mode):
        kind = (
            "a FIFO"
            if stat.S_ISFIFO(info.st_mode)
            else "a socket"
            if stat.S_ISSOCK(info.st_mode)
            else "a device"
        )
        raise SpecError(f"{file}: not a regular file ({kind}); it is not read", fix=fix)
    return info.st_size


def load_spec(path: str | os.PathLike[str]) -> EnvironmentSpec:
    """Read, parse and validate a spec file; every failure is a `SpecError` (exit code 2)."""
    file = Path(path)
    size = _regular_file_size(file)
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            f"{file}: the spec is {size} bytes; the limit is {MAX_SPEC_BYTES}", fix="trim the file"
        )
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(f"{file}: not UTF-8 text ({error.reason})", fix="save the spec as UTF-8") from None
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)
    except DuplicateKeyError as error:
        raise SpecError(
            f"{file}: {error}",
            "YAML keeps only the last value of a repeated key, so the first would be silently ignored",
            f"keep one {error.key!r} (merge the two into one)",
        ) from None
    except yaml.YAMLError as error:
        raise SpecError(
            f"{file}: not valid YAML", str(error), "fix the YAML syntax at the line shown"
        ) from None
    return parse_spec(data, str(file))

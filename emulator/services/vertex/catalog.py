"""What Vertex AI offers: machine shapes per region and serving containers (static, from
`emulator/data/vertex_machines.yaml`), and Model Garden's publisher models (seeded documents in the store
collection `publisher_models`, see `emulator/data/default_seed.yaml`). No project state here.

The machine check raises the 400 Vertex answers with, naming the offending pair or region.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from emulator.errors import invalid_argument, not_found
from emulator.store import Store

DATA = Path(__file__).resolve().parents[2] / "data"
PUBLISHER_MODELS = "publisher_models"
FAMILY_BY_PUBLISHER = {"openai": "gpt-oss", "google": "gemini"}  # MaaS chat behaviour when a seed names none


@dataclass(frozen=True)
class MachineSpec:
    """A requested `machineSpec` (accelerator_type "" means CPU only)."""

    machine_type: str
    accelerator_type: str = ""
    accelerator_count: int = 0

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> MachineSpec:
        """From a request's `machineSpec`; the accelerator may come as its name or its enum number."""
        accelerator = spec.get("acceleratorType") or ""
        if isinstance(accelerator, int):
            accelerator = machines().accelerator_names.get(accelerator, f"ACCELERATOR_TYPE_{accelerator}")
        if accelerator == "ACCELERATOR_TYPE_UNSPECIFIED":
            accelerator = ""
        count = int(spec.get("acceleratorCount") or 0)
        return cls(str(spec.get("machineType") or ""), str(accelerator), count if accelerator else 0)

    def to_json(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"machineType": self.machine_type}
        if self.accelerator_type:
            spec["acceleratorType"] = self.accelerator_type
            spec["acceleratorCount"] = self.accelerator_count
        return spec


@dataclass(frozen=True)
class Container:
    family: str  # the chat behaviour: "vllm" or "tgi"
    image: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class MachineTable:
    quota_metrics: dict[str, str]  # accelerator type → serving quota metric
    accelerator_names: dict[int, str]  # AcceleratorType enum number → name
    machines: dict[str, dict[str, tuple[int, ...]]]  # machine type → accelerator type → allowed counts
    cpu_machines: frozenset[str]
    region_gpus: dict[str, frozenset[str]]
    containers: dict[str, Container]

    def check(self, spec: MachineSpec, region: str) -> None:
        """400 INVALID_ARGUMENT unless Vertex offers this machine/accelerator pair and count in `region`."""
        field = "dedicated_resources.machine_spec"
        offered = self.machines.get(spec.machine_type)
        if offered is None:
            raise invalid_argument(
                f"Machine type {spec.machine_type!r} is not supported for prediction.",
                f"{field}.machine_type",
            )
        if not spec.accelerator_type:
            if spec.machine_type not in self.cpu_machines:
                raise invalid_argument(
                    f"Machine type {spec.machine_type!r} requires an accelerator "
                    f"({', '.join(sorted(offered))}).",
                    f"{field}.accelerator_type",
                )
            return
        counts = offered.get(spec.accelerator_type)
        if counts is None:
            raise invalid_argument(
                f"Accelerator {spec.accelerator_type} is not supported with machine type "
                f"{spec.machine_type}.",
                f"{field}.accelerator_type",
            )
        if spec.accelerator_count not in counts:
            raise invalid_argument(
                f"Machine type {spec.machine_type} with accelerator {spec.accelerator_type} takes "
                f"{' or '.join(str(count) for count in counts)} accelerators, not {spec.accelerator_count}.",
                f"{field}.accelerator_count",
            )
        if spec.accelerator_type not in self.region_gpus.get(region, frozenset()):
            raise invalid_argument(
                f"Accelerator {spec.accelerator_type} (machine type {spec.machine_type}) is not available in "
                f"region {region}.",
                f"{field}.accelerator_type",
            )


@cache
def machines() -> MachineTable:
    with (DATA / "vertex_machines.yaml").open(encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    return MachineTable(
        quota_metrics={name: entry["quota_metric"] for name, entry in doc["accelerators"].items()},
        accelerator_names={entry["number"]: name for name, entry in doc["accelerators"].items()},
        machines={
            name: {accel: tuple(counts) for accel, counts in entry["accelerators"].items()}
            for name, entry in doc["machines"].items()
        },
        cpu_machines=frozenset(name for name, entry in doc["machines"].items() if entry.get("cpu")),
        region_gpus={region: frozenset(gpus) for region, gpus in doc["regions"].items()},
        containers={
            name: Container(entry["family"], entry["image"], tuple(entry["args"]))
            for name, entry in doc["containers"].items()
        },
    )


# ---- Model Garden publisher models (seeded documents) ------------------------------------------------------


@dataclass(frozen=True)
class PublisherModel:
    """One seeded publisher model (see the `publisher_models` section of emulator/data/default_seed.yaml).

    `name` is `publishers/P/models/M[@V]`. MaaS models (`kind: maas`) are called as `openaiModel` through
    endpoints/openapi; `enablement` says whether the project must call :enableModel first (Gemini needs none).
    Open models (`kind: open`) are deployable: `eula` gates Model Garden deploy on acceptEula; `hf_gated`
    gates the Hugging Face route on a token (default: same as `eula`); `machine_specs` are the deploy options.
    """

    name: str
    kind: str  # "maas" or "open"
    chat_model: str = ""  # "publisher/model", the `model` string of the OpenAI-compatible route
    family: str = ""
    locations: tuple[str, ...] = ()
    enablement: bool = False
    huggingface_id: str = ""
    eula: bool = False
    hf_gated: bool = False
    machine_specs: tuple[MachineSpec, ...] = ()

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> PublisherModel:
        _, publisher, _, model = doc["name"].partition("@")[0].split("/")[:4]
        eula = bool(doc.get("eula", False))
        return cls(
            name=doc["name"],
            kind=doc.get("kind", "open"),
            chat_model=doc.get("openaiModel") or f"{publisher}/{model}",
            family=doc.get("family") or FAMILY_BY_PUBLISHER.get(publisher, "vllm"),
            locations=tuple(doc.get("locations", ())),
            enablement=bool(doc.get("enablement", publisher != "google")),
            huggingface_id=doc.get("huggingFaceModelId", ""),
            eula=eula,
            hf_gated=bool(doc.get("hfGated", eula)),
            machine_specs=tuple(MachineSpec.from_json(spec) for spec in doc.get("machineSpecs", ())),
        )

    @property
    def publisher(self) -> str:
        return self.name.split("/")[1]

    @property
    def model_id(self) -> str:
        """`gpt-oss@gpt-oss-20b` → "gpt-oss"."""
        return self.name.split("/")[3].partition("@")[0]

    @property
    def version_id(self) -> str:
        return self.name.partition("@")[2] or "001"

    @property
    def unversioned(self) -> str:
        return self.name.partition("@")[0]


def model_garden_container(model: PublisherModel) -> dict[str, Any]:
    """Model Garden's vLLM container serving the model's weights, under its Hugging Face ID."""
    vllm = machines().containers["vllm"]
    args = [*vllm.args, f"--model={model.huggingface_id}"] if model.huggingface_id else list(vllm.args)
    return {"imageUri": vllm.image, "args": args, "ports": [{"containerPort": 8080}]}


def all_publisher_models(store: Store) -> tuple[PublisherModel, ...]:
    """Parsed once per change of the catalogue: every chat call searches it."""
    return store.derived(PUBLISHER_MODELS, _parse_publisher_models)


def _parse_publisher_models(documents: list[dict[str, Any]]) -> tuple[PublisherModel, ...]:
    return tuple(PublisherModel.from_document(doc) for doc in documents)


def find_publisher_model(store: Store, name: str) -> PublisherModel | None:
    """By resource name, versioned or not (unversioned picks the first version); case-insensitive."""
    wanted = name.lower()
    models = all_publisher_models(store)
    exact = next((model for model in models if model.name.lower() == wanted), None)
    return exact or next((model for model in models if model.unversioned.lower() == wanted), None)


def require_publisher_model(store: Store, name: str) -> PublisherModel:
    """`find_publisher_model`, or 404 NOT_FOUND as Model Garden answers."""
    model = find_publisher_model(store, name)
    if model is None:
        raise not_found(f"Publisher Model `{name}` not found.")
    return model


def find_by_huggingface_id(store: Store, huggingface_id: str) -> PublisherModel:
    """The seeded model with these weights, else an ungated Hugging Face model without default deploy options
    (Model Garden deploys any public Hugging Face model; gated ones are seeded with their EULA flag)."""
    wanted = huggingface_id.lower()
    seeded = (
        m for m in all_publisher_models(store) if m.kind == "open" and m.huggingface_id.lower() == wanted
    )
    organization, _, model = wanted.partition("/")
    synthesized = PublisherModel(
        name=f"publishers/hf-{organization}/models/{model}@001", kind="open", huggingface_id=huggingface_id
    )
    return next(seeded, synthesized)


def find_chat_model(store: Store, model: str) -> PublisherModel | None:
    """A MaaS model by its chat `model` string ("openai/gpt-oss-20b-maas")."""
    wanted = model.lower()
    return next(
        (m for m in all_publisher_models(store) if m.kind == "maas" and m.chat_model.lower() == wanted), None
    )

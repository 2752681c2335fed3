"""The emulator's Vertex tables agree with the toolkit's reviewed catalog, and the machine check says why."""

from __future__ import annotations

import pytest
import yaml

from emulator.errors import ApiError
from emulator.seed import DEFAULT_SEED
from emulator.services.vertex.catalog import MachineSpec, PublisherModel, machines
from provisioning.catalog import load_catalog


def test_region_gpus_match_the_provisioning_catalog():
    catalog = load_catalog()
    assert {region: set(entry.gpus) for region, entry in catalog.regions.items()} == {
        region: set(gpus) for region, gpus in machines().region_gpus.items()
    }


def test_every_catalog_shape_is_offered_in_every_region_with_its_gpu():
    table = machines()
    for shape in load_catalog().machine_shapes.values():
        spec = MachineSpec(shape.machine_type, shape.accelerator, shape.count)
        for region, gpus in table.region_gpus.items():
            if shape.accelerator in gpus:
                table.check(spec, region)


def test_quota_metrics_match_the_provisioning_catalog():
    catalog = load_catalog()
    assert {
        name: entry.quota_metric for name, entry in catalog.accelerators.items()
    } == machines().quota_metrics


def test_accelerator_numbers_match_the_client_enum():
    from google.cloud.aiplatform_v1.types.accelerator_type import AcceleratorType

    for number, name in machines().accelerator_names.items():
        assert AcceleratorType[name].value == number


def test_seeded_open_models_match_the_catalog():
    seeded = {
        model.name: model
        for model in (
            PublisherModel.from_document(doc)
            for doc in yaml.safe_load(DEFAULT_SEED.read_text())["publisher_models"]
        )
    }
    for entry in load_catalog().models.values():
        if entry.open and entry.open.publisher_model:
            model = seeded[entry.open.publisher_model]
            assert model.huggingface_id == entry.open.huggingface_id
            assert model.eula == entry.open.eula
            for spec in model.machine_specs:
                machines().check(spec, "us-central1")
        if entry.maas:
            assert seeded[entry.maas.publisher_model].locations == entry.maas.locations
            assert seeded[entry.maas.publisher_model].chat_model == entry.maas.model


@pytest.mark.parametrize(
    ("spec", "region", "named"),
    [
        (MachineSpec("g2-standard-12", "NVIDIA_H100_80GB", 1), "us-central1", "NVIDIA_H100_80GB"),
        (MachineSpec("a3-highgpu-8g", "NVIDIA_H100_80GB", 4), "us-central1", "takes 8 accelerators, not 4"),
        (
            MachineSpec("a3-ultragpu-8g", "NVIDIA_H200_141GB", 8),
            "us-east4",
            "not available in region us-east4",
        ),
        (MachineSpec("g2-standard-12"), "us-central1", "requires an accelerator"),
        (MachineSpec("z9-mega-1"), "us-central1", "z9-mega-1"),
    ],
)
def test_machine_check_names_the_problem(spec, region, named):
    with pytest.raises(ApiError) as raised:
        machines().check(spec, region)
    assert raised.value.status == "INVALID_ARGUMENT"
    assert named in raised.value.message


def test_cpu_machine_and_enum_numbers_are_accepted():
    machines().check(MachineSpec("n1-standard-4"), "us-central1")
    spec = MachineSpec.from_json(
        {"machineType": "g2-standard-24", "acceleratorType": 11, "acceleratorCount": 2}
    )
    assert spec == MachineSpec("g2-standard-24", "NVIDIA_L4", 2)

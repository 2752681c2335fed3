"""The reviewed catalog is internally consistent: every reference resolves, every number is plausible."""

from __future__ import annotations

from provisioning.catalog import load_catalog


def test_every_shape_references_a_known_accelerator_with_a_price() -> None:
    catalog = load_catalog()
    for name, shape in catalog.machine_shapes.items():
        assert shape.accelerator in catalog.accelerators, name
        assert shape.count in (1, 2, 4, 8), name
        assert shape.price_per_hour_usd > 0, name


def test_prices_scale_with_gpu_count_within_a_family() -> None:
    catalog = load_catalog()
    for family in ("g2-standard", "a2-highgpu", "a2-ultragpu", "a3-highgpu"):
        shapes = sorted(
            (s for s in catalog.machine_shapes.values() if s.machine_type.startswith(family)),
            key=lambda s: s.count,
        )
        prices = [s.price_per_hour_usd for s in shapes]
        assert prices == sorted(prices), family


def test_regions_only_offer_known_gpus_and_every_gpu_is_offered_somewhere() -> None:
    catalog = load_catalog()
    for region in catalog.regions.values():
        assert set(region.gpus) <= set(catalog.accelerators)
    for accelerator in catalog.accelerators:
        assert catalog.regions_offering(accelerator), accelerator


def test_quota_metrics_follow_the_vertex_serving_pattern() -> None:
    for name, gpu in load_catalog().accelerators.items():
        assert gpu.quota_metric.startswith("aiplatform.googleapis.com/custom_model_serving_"), name
        assert gpu.quota_id.startswith("CustomModelServing") and gpu.quota_id.endswith("PerProjectPerRegion")
        assert gpu.quota(spot=True)[0].startswith(
            "aiplatform.googleapis.com/custom_model_serving_preemptible_"
        )


def test_maas_models_have_publisher_ids_and_locations() -> None:
    catalog = load_catalog()
    for name in catalog.maas_models():
        offer = catalog.models[name].maas
        assert offer is not None
        assert offer.publisher_model.startswith("publishers/")
        assert offer.locations and set(offer.locations) <= set(catalog.regions)


def test_open_models_have_architecture_for_the_kv_cache() -> None:
    catalog = load_catalog()
    for name in catalog.open_models():
        weights = catalog.models[name].open
        assert weights is not None
        assert weights.kv_heads <= weights.attention_heads, name
        assert weights.attention_heads % weights.kv_heads == 0, name
        assert 0 < weights.bytes_per_param <= 4, name

"""Shape recommendation against hand-computed cases. GiB = 2**30 bytes; every figure is written out below."""

from __future__ import annotations

import pytest

from provisioning.errors import BadInputError
from provisioning.recommend import GIB, estimate_memory, judge_shape, recommend_shape


def test_llama_8b_memory_estimate_by_hand() -> None:
    est = estimate_memory("llama-3.1-8b-instruct")
    # weights: 8.0e9 params × 2 bytes = 16e9 B = 16e9 / 1073741824 = 14.901 GiB
    assert est.weights_gib == pytest.approx(14.901, abs=1e-3)
    # KV per token: 2 (K,V) × 32 layers × 8 kv heads × 128 head_dim × 2 bytes = 131072 B = 128 KiB
    assert est.kv_bytes_per_token == 131072
    # default context 8192 tokens: 131072 × 8192 = 2**30 B = 1.0 GiB
    assert est.context_tokens == 8192
    assert est.kv_cache_gib == pytest.approx(1.0)
    # need on one GPU: 14.901 + 1.0 + 1 × 1.0 overhead = 16.901 GiB
    assert est.need_gib(1) == pytest.approx(16.901, abs=1e-3)


def test_llama_8b_skips_t4_and_takes_one_l4() -> None:
    rec = recommend_shape("llama-3.1-8b-instruct", "vllm")
    # T4 ($0.78/h) usable 1 × 16 × 0.9 = 14.4 GiB < 16.9 GiB;
    # L4 ($1.15/h) usable 1 × 24 × 0.9 = 21.6 GiB ≥ 16.9
    assert rec.shape_name == "g2-standard-12"
    assert rec.tensor_parallel_size == 1
    assert [f.name for f in rec.rejected_cheaper] == ["n1-standard-8+t4"]
    assert rec.rejected_cheaper[0].usable_gib == pytest.approx(14.4)
    lines = "\n".join(rec.explain())
    assert "8 B params × 2 bytes/param = 14.90 GiB" in lines
    assert "usable 1 × 24 GiB × 0.9 = 21.60 GiB" in lines
    assert "need 14.90 + 1.00 + 1 × 1 = 16.90 GiB" in lines


def test_full_context_pushes_llama_8b_to_two_l4() -> None:
    # 131072 tokens × 128 KiB = 16 GiB KV; need(1) = 14.90 + 16 + 1 = 31.90 > 21.6 (one L4);
    # need(2) = 14.90 + 16 + 2 = 32.90 ≤ 2 × 24 × 0.9 = 43.2 → g2-standard-24
    # ($2.30/h, cheaper than one A100 at $4.22/h, whose 36 GiB would not hold 31.90 anyway)
    rec = recommend_shape("llama-3.1-8b-instruct", "vllm", context_tokens=131072)
    assert rec.estimate.kv_cache_gib == pytest.approx(16.0)
    assert rec.shape_name == "g2-standard-24"


def test_llama_70b_needs_eight_l4() -> None:
    # weights 70.6e9 × 2 / 2**30 = 131.50 GiB; KV 2×80×8×128×2 = 327680 B × 8192 = 2.5 GiB
    # 4 × L4: need 131.50 + 2.5 + 4 = 138.0 > 86.4; 1 × A100 80GB: 135.0 > 72.0; 2 × A100 40GB: 136 > 72
    # 8 × L4 ($9.20/h): need 142.0 ≤ 8 × 24 × 0.9 = 172.8 → cheaper than 2 × A100 80GB ($11.58/h, 144 usable)
    rec = recommend_shape("llama-3.3-70b-instruct", "vllm")
    assert rec.estimate.weights_gib == pytest.approx(131.50, abs=0.01)
    assert rec.estimate.kv_cache_gib == pytest.approx(2.5)
    assert rec.shape_name == "g2-standard-96"
    assert rec.tensor_parallel_size == 8


def test_gpt_oss_20b_needs_ampere_or_newer() -> None:
    # weights 21e9 × 0.53 / 2**30 = 10.37 GiB fit a T4 by memory (14.4 usable),
    # but a T4 is compute capability 7.5 and gpt-oss needs 8.0
    rec = recommend_shape("gpt-oss-20b", "vllm")
    assert rec.shape_name == "g2-standard-12"
    assert "compute capability" in rec.rejected_cheaper[0].reason


def test_tensor_parallel_size_pins_the_gpu_count() -> None:
    rec = recommend_shape("llama-3.1-8b-instruct", "vllm", tensor_parallel_size=2)
    assert rec.shape_name == "g2-standard-24"
    assert rec.shape.count == 2


def test_tensor_parallel_must_divide_heads() -> None:
    # Qwen2.5-7B has 28 attention heads: 28 % 8 = 4, so TP 8 is refused before any shape is tried
    with pytest.raises(BadInputError) as error:
        recommend_shape("qwen2.5-7b-instruct", "vllm", tensor_parallel_size=8)
    assert "28 attention heads" in error.value.why
    assert "1, 2, 4" in error.value.fix


def test_eight_gpus_skipped_when_heads_do_not_split() -> None:
    fit = judge_shape("qwen2.5-7b-instruct", "vllm", "g2-standard-96")
    assert not fit.fits
    assert "28 attention heads do not split over 8 GPUs" in fit.reason


def test_region_limits_the_shapes() -> None:
    # europe-west1 offers only T4 and L4 (catalog); gemma-3-27b: weights 27e9 × 2 / 2**30 = 50.29 GiB,
    # KV 2×62×16×128×2 = 507904 B × 8192 = 3.875 GiB; 4 × L4: 50.29 + 3.875 + 4 = 58.16 ≤ 86.4
    rec = recommend_shape("gemma-3-27b-it", "vllm", region="europe-west1")
    assert rec.shape_name == "g2-standard-48"
    assert rec.estimate.kv_cache_gib == pytest.approx(3.875)


def test_nothing_fits_refuses_with_what_why_fix() -> None:
    # llama-70b in europe-west1 (T4/L4 only) at full context: KV 327680 × 131072 = 40 GiB;
    # need on 8 × L4 = 131.50 + 40 + 8 = 179.5 > 172.8 usable
    with pytest.raises(BadInputError) as error:
        recommend_shape("llama-3.3-70b-instruct", "vllm", region="europe-west1", context_tokens=131072)
    assert "no Vertex GPU shape in europe-west1 can serve llama-3.3-70b-instruct" in error.value.what
    assert "40.00 GiB KV cache" in error.value.why
    assert "g2-standard-96" in error.value.why
    assert "fallback_regions" in error.value.fix


def test_judge_shape_reports_too_small() -> None:
    fit = judge_shape("llama-3.3-70b-instruct", "vllm", "a2-ultragpu-1g")
    # 1 × 80 × 0.9 = 72.0 usable < 131.50 + 2.5 + 1 = 135.0 needed
    assert fit.usable_gib == pytest.approx(72.0)
    assert fit.need_gib == pytest.approx(135.0, abs=0.01)
    assert fit.reason.startswith("too small")


def test_context_beyond_model_limit_is_bad_input() -> None:
    with pytest.raises(BadInputError):
        estimate_memory("qwen2.5-7b-instruct", context_tokens=65536)


def test_maas_only_model_cannot_be_sized() -> None:
    with pytest.raises(BadInputError) as error:
        recommend_shape("gemini-2.5-flash", "vllm")
    assert "not a self-deployable model" in error.value.what


def test_gib_constant() -> None:
    assert GIB == 1073741824

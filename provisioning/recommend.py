"""Pick the cheapest Vertex GPU machine shape that can serve an open model. Pure: catalog data in, answer out.

The memory model (every input is catalog data, provisioning/data/catalog.yaml):

    weights   = params × bytes_per_param
    kv_cache  = 2 (K and V) × layers × kv_heads × head_dim × kv_cache_bytes_per_value × context_tokens
    need      = weights + kv_cache + runtime_overhead_gib_per_gpu × GPUs
    usable    = GPUs × GPU memory × gpu_memory_utilization        (vLLM's --gpu-memory-utilization, 0.9)

A shape fits when need ≤ usable. `context_tokens` is the longest sequence the server must hold (vLLM
refuses to start unless one full-length sequence fits); it defaults to the catalog's default_context_tokens
capped at the model's own context. Tensor parallelism spreads one replica over every GPU of the machine, so
the tensor-parallel size equals the shape's GPU count and must divide the model's attention heads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from provisioning.catalog import Catalog, MachineShape, OpenWeights, load_catalog
from provisioning.errors import BadInputError

if TYPE_CHECKING:
    from provisioning.spec import EndpointSpec

GIB = 1024**3
KIB = 1024


@dataclass(frozen=True)
class MemoryEstimate:
    """What one replica of `model` needs in GPU memory, before the per-GPU runtime overhead."""

    model: str
    params_billion: float
    bytes_per_param: float
    weights_gib: float
    kv_bytes_per_token: float
    context_tokens: int
    kv_cache_gib: float
    overhead_gib_per_gpu: float

    def need_gib(self, gpus: int) -> float:
        return self.weights_gib + self.kv_cache_gib + self.overhead_gib_per_gpu * gpus


@dataclass(frozen=True)
class ShapeFit:
    """One machine shape judged for one model: fits, or the reason it does not."""

    name: str
    shape: MachineShape
    memory_gib_per_gpu: float
    utilization: float
    need_gib: float
    reason: str = ""

    @property
    def usable_gib(self) -> float:
        return self.shape.count * self.memory_gib_per_gpu * self.utilization

    @property
    def fits(self) -> bool:
        return not self.reason

    def arithmetic(self, estimate: MemoryEstimate) -> str:
        count = self.shape.count
        return (
            f"usable {count} × {self.memory_gib_per_gpu:g} GiB × {self.utilization:g} "
            f"= {self.usable_gib:.2f} GiB; "
            f"need {estimate.weights_gib:.2f} + {estimate.kv_cache_gib:.2f} + {count} × "
            f"{estimate.overhead_gib_per_gpu:g} = {self.need_gib:.2f} GiB"
        )


@dataclass(frozen=True)
class Recommendation:
    model: str
    framework: str
    region: str | None
    shape_name: str
    shape: MachineShape
    tensor_parallel_size: int
    estimate: MemoryEstimate
    chosen: ShapeFit
    rejected_cheaper: tuple[ShapeFit, ...]
    price_region: str

    @property
    def price_per_hour_usd(self) -> float:
        return self.shape.price_per_hour_usd

    def explain(self) -> list[str]:
        """The arithmetic behind the choice, one line per step (`provision plan --explain` prints these)."""
        e = self.estimate
        lines = [
            f"{self.model} weights: {e.params_billion:g} B params × {e.bytes_per_param:g} bytes/param "
            f"= {e.weights_gib:.2f} GiB",
            f"KV cache: {e.kv_bytes_per_token / KIB:g} KiB/token × {e.context_tokens} tokens "
            f"= {e.kv_cache_gib:.2f} GiB",
            f"runtime overhead: {e.overhead_gib_per_gpu:g} GiB per GPU",
        ]
        for fit in self.rejected_cheaper:
            lines.append(f"rejected {fit.name} (${fit.shape.price_per_hour_usd:.2f}/h): {fit.reason}")
        where = f" in {self.region}" if self.region else ""
        lines.append(
            f"chosen {self.shape_name}{where}: {self.shape.count} × {self.shape.accelerator}, "
            f"{self.chosen.arithmetic(e)} → fits; tensor_parallel_size {self.tensor_parallel_size}; "
            f"${self.price_per_hour_usd:.2f}/h per replica ({self.price_region} list price)"
        )
        return lines


def kv_bytes_per_token(weights: OpenWeights, bytes_per_value: float) -> float:
    """K and V for every layer: 2 × layers × kv_heads × head_dim × bytes per value."""
    return 2 * weights.layers * weights.kv_heads * weights.head_dim * bytes_per_value


def _open_weights(model: str, catalog: Catalog) -> OpenWeights:
    entry = catalog.models.get(model)
    if entry is None or entry.open is None:
        known = ", ".join(catalog.open_models())
        raise BadInputError(
            f"{model!r} is not a self-deployable model in the catalog",
            "only models with open weights can be sized for a GPU",
            f"use one of: {known}",
        )
    return entry.open


def estimate_memory(
    model: str, context_tokens: int | None = None, catalog: Catalog | None = None
) -> MemoryEstimate:
    catalog = catalog or load_catalog()
    weights = _open_weights(model, catalog)
    policy = catalog.serving
    if context_tokens is None:
        context_tokens = min(policy.default_context_tokens, weights.context_tokens)
    elif not 1 <= context_tokens <= weights.context_tokens:
        raise BadInputError(
            f"context of {context_tokens} tokens for {model}",
            f"{model} supports 1 to {weights.context_tokens} tokens",
            f"set --max-model-len (container_args) to at most {weights.context_tokens}",
        )
    per_token = kv_bytes_per_token(weights, policy.kv_cache_bytes_per_value)
    return MemoryEstimate(
        model=model,
        params_billion=weights.params_billion,
        bytes_per_param=weights.bytes_per_param,
        weights_gib=weights.params_billion * 1e9 * weights.bytes_per_param / GIB,
        kv_bytes_per_token=per_token,
        context_tokens=context_tokens,
        kv_cache_gib=per_token * context_tokens / GIB,
        overhead_gib_per_gpu=policy.runtime_overhead_gib_per_gpu,
    )


def _utilization(framework: str, catalog: Catalog) -> float:
    try:
        return catalog.serving.gpu_memory_utilization[framework]
    except KeyError:
        known = ", ".join(sorted(catalog.serving.gpu_memory_utilization))
        raise BadInputError(f"unknown serving framework {framework!r}", fix=f"use one of: {known}") from None


def judge_shape(
    model: str,
    framework: str,
    shape_name: str,
    *,
    region: str | None = None,
    tensor_parallel_size: int | None = None,
    context_tokens: int | None = None,
    catalog: Catalog | None = None,
) -> ShapeFit:
    """Whether `shape_name` can serve `model`, and if not, why (region, tensor parallelism, memory)."""
    catalog = catalog or load_catalog()
    estimate = estimate_memory(model, context_tokens, catalog)
    return _judge(
        shape_name, estimate, _utilization(framework, catalog), region, tensor_parallel_size, catalog
    )


def _judge(
    name: str,
    estimate: MemoryEstimate,
    utilization: float,
    region: str | None,
    tensor_parallel_size: int | None,
    catalog: Catalog,
) -> ShapeFit:
    shape = catalog.machine_shapes[name]
    weights = _open_weights(estimate.model, catalog)
    gpu = catalog.accelerators[shape.accelerator]
    fit = ShapeFit(
        name=name,
        shape=shape,
        memory_gib_per_gpu=gpu.memory_gib,
        utilization=utilization,
        need_gib=estimate.need_gib(shape.count),
    )
    reason = ""
    if region is not None and shape.accelerator not in catalog.regions[region].gpus:
        reason = f"{shape.accelerator} is not offered for Vertex serving in {region}"
    elif tensor_parallel_size is not None and shape.count != tensor_parallel_size:
        reason = f"tensor_parallel_size {tensor_parallel_size} needs as many GPUs; it has {shape.count}"
    elif gpu.compute_capability < weights.min_compute_capability:
        reason = (
            f"{estimate.model} needs compute capability ≥ {weights.min_compute_capability:g}; "
            f"{shape.accelerator} has {gpu.compute_capability:g}"
        )
    elif weights.attention_heads % shape.count:
        heads = weights.attention_heads
        reason = f"{heads} attention heads do not split over {shape.count} GPUs (tensor parallelism)"
    elif fit.need_gib > fit.usable_gib:
        reason = f"too small: {fit.arithmetic(estimate)}"
    return replace(fit, reason=reason)


def recommend_shape(
    model: str,
    framework: str,
    region: str | None = None,
    tensor_parallel_size: int | None = None,
    context_tokens: int | None = None,
    *,
    catalog: Catalog | None = None,
) -> Recommendation:
    """The cheapest shape that fits (ties: fewer GPUs, then name); BadInputError saying why when none does."""
    catalog = catalog or load_catalog()
    if region is not None and region not in catalog.regions:
        raise BadInputError(
            f"unknown region {region!r}", fix=f"use one of: {', '.join(sorted(catalog.regions))}"
        )
    weights = _open_weights(model, catalog)
    if tensor_parallel_size is not None and weights.attention_heads % tensor_parallel_size:
        raise BadInputError(
            f"tensor_parallel_size {tensor_parallel_size} for {model}",
            f"it must divide the model's {weights.attention_heads} attention heads",
            "use a divisor such as "
            + ", ".join(str(n) for n in (1, 2, 4, 8) if weights.attention_heads % n == 0),
        )
    estimate = estimate_memory(model, context_tokens, catalog)
    utilization = _utilization(framework, catalog)
    ranked = sorted(
        catalog.machine_shapes,
        key=lambda n: (catalog.machine_shapes[n].price_per_hour_usd, catalog.machine_shapes[n].count, n),
    )
    judged = [_judge(n, estimate, utilization, region, tensor_parallel_size, catalog) for n in ranked]
    for index, fit in enumerate(judged):
        if fit.fits:
            return Recommendation(
                model=model,
                framework=framework,
                region=region,
                shape_name=fit.name,
                shape=fit.shape,
                tensor_parallel_size=fit.shape.count,
                estimate=estimate,
                chosen=fit,
                rejected_cheaper=tuple(judged[:index]),
                price_region=catalog.price_region,
            )
    largest = max(judged, key=lambda f: f.usable_gib if f.reason.startswith("too small") else -1.0)
    where = f" in {region}" if region else ""
    fixes = ["a shorter context (--max-model-len in container_args)"]
    if tensor_parallel_size is not None:
        fixes.append("drop tensor_parallel_size to let every GPU count be tried")
    if region is not None:
        fixes.append("another region (fallback_regions)")
    raise BadInputError(
        f"no Vertex GPU shape{where} can serve {model} with {framework}",
        f"it needs {estimate.weights_gib:.2f} GiB weights + {estimate.kv_cache_gib:.2f} GiB KV cache "
        f"({estimate.context_tokens} tokens) + {estimate.overhead_gib_per_gpu:g} GiB per GPU; "
        f"closest: {largest.name}: {largest.reason}",
        "try " + ", or ".join(fixes),
    )


_CONTEXT_FLAGS = ("--max-model-len", "--max-total-tokens")  # vLLM, TGI


def context_from_args(args: list[str] | None) -> int | None:
    """The serving context a container is told to hold (`--max-model-len N` / `=N`), if any."""
    items = list(args or [])
    for index, item in enumerate(items):
        flag, _, value = item.partition("=")
        if flag in _CONTEXT_FLAGS:
            if not value and index + 1 < len(items):
                value = items[index + 1]
            if value.isdigit():
                return int(value)
    return None


@dataclass(frozen=True)
class EndpointShape:
    """The machine an endpoint will run on: the spec's own choice, or the recommendation."""

    shape_name: str
    shape: MachineShape
    chosen_by: str  # "spec" or "recommended"
    fit: ShapeFit
    estimate: MemoryEstimate
    recommendation: Recommendation | None = None


def shape_for_endpoint(
    model: str,
    framework: str,
    region: str,
    *,
    machine_type: str | None = None,
    accelerator_type: str | None = None,
    accelerator_count: int | None = None,
    tensor_parallel_size: int | None = None,
    container_args: list[str] | None = None,
    catalog: Catalog | None = None,
) -> EndpointShape:
    """Resolve the shape; `fit` judges memory and parallelism only (region offering is checked apart).

    Raises BadInputError only when no shape anywhere can serve the model (the model is too big).
    """
    catalog = catalog or load_catalog()
    context = context_from_args(container_args)
    if machine_type is not None:
        name = next(
            n
            for n, s in sorted(catalog.machine_shapes.items())
            if s.machine_type == machine_type
            and accelerator_type in (None, s.accelerator)
            and accelerator_count in (None, s.count)
        )
        fit = judge_shape(
            model,
            framework,
            name,
            tensor_parallel_size=tensor_parallel_size,
            context_tokens=context,
            catalog=catalog,
        )
        estimate = estimate_memory(model, context, catalog)
        return EndpointShape(name, catalog.machine_shapes[name], "spec", fit, estimate)
    try:
        rec = recommend_shape(model, framework, region, tensor_parallel_size, context, catalog=catalog)
        return EndpointShape(rec.shape_name, rec.shape, "recommended", rec.chosen, rec.estimate, rec)
    except BadInputError:
        # nothing in this region: the cheapest shape anywhere (the region check reports the gap)
        anywhere = recommend_shape(model, framework, None, tensor_parallel_size, context, catalog=catalog)
        return EndpointShape(
            anywhere.shape_name, anywhere.shape, "recommended", anywhere.chosen, anywhere.estimate, anywhere
        )


def shape_for_spec_endpoint(endpoint: EndpointSpec, region: str) -> EndpointShape:
    """`shape_for_endpoint` with a spec endpoint's own fields: what apply, Pulumi and the doctor deploy."""
    return shape_for_endpoint(
        endpoint.model,
        endpoint.framework,
        region,
        machine_type=endpoint.machine_type,
        accelerator_type=endpoint.accelerator_type,
        accelerator_count=endpoint.accelerator_count,
        tensor_parallel_size=endpoint.tensor_parallel_size,
        container_args=endpoint.container_args,
    )

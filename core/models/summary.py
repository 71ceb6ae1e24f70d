"""What a model is made of: layers, output shapes, parameter counts and a memory estimate.

`summarize` runs one forward pass of a dummy batch with forward hooks on the leaf modules, so the
shapes are the ones the model really produces, whatever the architecture.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn as nn

from core.data.base import DataSpec

# Modules that compute with their children's weights without calling them (MultiheadAttention
# reads out_proj.weight directly): hooked as one unit instead of descending into them.
_OPAQUE = (nn.MultiheadAttention,)
BYTES_PER_FLOAT = 4


@dataclass(frozen=True)
class LayerInfo:
    """One row of the summary table; `output_shape` excludes the batch dimension."""

    name: str
    type: str
    n_params: int
    output_shape: tuple[int, ...]


@dataclass(frozen=True)
class ModelSummary:
    """Layers in forward order plus totals; `activation_elements` is per example."""

    layers: tuple[LayerInfo, ...]
    total_params: int
    trainable_params: int
    activation_elements: int


def example_input(spec: DataSpec, batch: int = 2) -> torch.Tensor:
    """A dummy batch shaped like `spec`'s inputs: zeros, int64 ids for tokens, float otherwise."""
    dtype = torch.int64 if spec.input_kind == "tokens" else torch.float32
    return torch.zeros((batch, *spec.input_shape), dtype=dtype)


def _units(model: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    """Leaf modules and opaque modules (not their children), in registration order."""
    skip: list[str] = []
    for name, module in model.named_modules():
        if any(name.startswith(prefix + ".") for prefix in skip):
            continue
        if isinstance(module, _OPAQUE):
            skip.append(name)
            yield name, module
        elif not any(True for _ in module.children()) and not isinstance(module, nn.Identity):
            yield name, module


def _first_tensor(out: object) -> torch.Tensor | None:
    """The main tensor of a module output (RNNs and attention return tuples)."""
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)):
        for item in out:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def _n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def summarize(model: nn.Module, spec: DataSpec) -> ModelSummary:
    """Run a dummy batch of 2 through `model` (in eval mode, no grad) and tabulate its layers."""
    batch = 2
    shapes: dict[str, tuple[int, ...]] = {}  # first output shape per unit, in firing order
    elements = 0

    def record(name: str):
        def hook(module: nn.Module, args: object, out: object) -> None:
            nonlocal elements
            tensor = _first_tensor(out)
            if tensor is None:
                return
            shapes.setdefault(name, tuple(tensor.shape[1:]))
            elements += tensor.numel() // batch

        return hook

    units = dict(_units(model))
    handles = [m.register_forward_hook(record(name)) for name, m in units.items()]
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(example_input(spec, batch).to(device))
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()

    order = list(shapes) + [name for name in units if name not in shapes]  # unfired units last
    layers = tuple(
        LayerInfo(name, type(units[name]).__name__, _n_params(units[name]), shapes.get(name, ()))
        for name in order
    )
    return ModelSummary(
        layers=layers,
        total_params=sum(p.numel() for p in model.parameters()),
        trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
        activation_elements=elements,
    )


def estimate_memory_bytes(
    summary: ModelSummary, batch_size: int, optimizer_states: int = 2, eval_batch: int = 0
) -> int:
    """Rough training memory: weights, grads and optimizer states, activations kept for backward,
    and one evaluation batch's activations (validation runs `eval_batch` examples at a time).

    Training activations are counted twice (forward outputs and their gradients); evaluation keeps
    no gradients. `optimizer_states` is the number of extra tensors per parameter (Adam: 2, SGD
    with momentum: 1, plain SGD: 0).
    """
    weights = summary.total_params * (2 + optimizer_states)
    activations = summary.activation_elements * (batch_size * 2 + eval_batch)
    return (weights + activations) * BYTES_PER_FLOAT


def estimate_work(summary: ModelSummary) -> float:
    """Multiply-adds of one example's forward pass, roughly: each weight is used once per output
    position (pixel of a feature map, step of a sequence). Embeddings are lookups and count 0."""
    work = 0.0
    for layer in summary.layers:
        if "Embedding" in layer.type:
            continue
        shape = layer.output_shape
        positions = (
            math.prod(shape[1:]) if len(shape) == 3 else (shape[0] if len(shape) == 2 else 1)
        )
        work += layer.n_params * positions
    return work


def parameter_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Modules that directly own parameters, named by module path, in registration order.

    Every model in core.models registers its modules in the order its forward uses them, so
    this is forward order; the root module, if it owns parameters, is named "model".
    """
    return [
        (name or "model", module)
        for name, module in model.named_modules()
        if any(True for _ in module.parameters(recurse=False))
    ]

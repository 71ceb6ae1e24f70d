"""A tiny fully connected network unrolled into a graph of scalar nodes, trained by plain SGD.

`run_lab(cfg, example, steps)` replays `steps` SGD steps from the seeded initial weights and
returns the current graph with both passes recorded, so a page only needs to remember small ints.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Literal

from core.i18n import N_, _
from core.labs.graph import Graph, Node, Trace, trace
from core.validation import check_ranges

Activation = Literal["sigmoid", "tanh", "relu"]
LossName = Literal["mse", "bce"]
MAX_STEPS = 5000  # replaying more SGD steps than this on every rerun would get slow


@dataclass(frozen=True)
class NetConfig:
    """The network's shape, activation, loss, initial-weight seed and learning rate."""

    n_inputs: int = field(default=2, metadata={"min": 2, "max": 3, "help": N_("Input features.")})
    hidden: tuple[int, ...] = field(
        default=(2,),
        metadata={
            "min": 2,
            "max": 4,
            "min_len": 1,
            "max_len": 2,
            "help": N_("Units per hidden layer: one or two layers of 2-4 units, e.g. 2 or 3, 2."),
        },
    )
    activation: Activation = field(default="sigmoid", metadata={"help": N_("Hidden activation.")})
    loss: LossName = field(
        default="mse",
        metadata={"help": N_("mse: linear output, (ŷ − y)². bce: sigmoid output, cross-entropy.")},
    )
    seed: int = field(default=0, metadata={"min": 0, "max": 9999, "help": N_("Initial weights.")})
    lr: float = field(
        default=0.05, metadata={"min": 1e-3, "max": 10.0, "log": True, "help": N_("SGD step size.")}
    )


@dataclass(frozen=True)
class Example:
    """The one training example: input features and the target output."""

    inputs: tuple[float, ...] = (0.5, -1.0)
    target: float = 0.8


@dataclass(frozen=True)
class Weights:
    """Weights `w[l][j][i]` (into unit j of layer l + 1 from unit i, nn.Linear's layout) and biases."""

    w: tuple[tuple[tuple[float, ...], ...], ...]
    b: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class ParamUpdate:
    """One parameter's SGD update: new = old - lr * grad."""

    node: int
    old: float
    grad: float
    lr: float
    new: float


@dataclass(frozen=True)
class LabState:
    """The network after some SGD steps: its graph, both passes, the loss history, the last step."""

    weights: Weights
    graph: Graph
    trace: Trace
    losses: tuple[float, ...]  # loss before each step, then the current loss (len = steps + 1)
    last_update: tuple[ParamUpdate, ...]  # the step that led here; empty before the first


def validate(cfg: NetConfig, example: Example) -> None:
    """Raise ValueError naming the first setting or example value that is out of range."""
    check_ranges(cfg)
    if not 1 <= len(cfg.hidden) <= 2 or any(not 2 <= h <= 4 for h in cfg.hidden):
        raise ValueError(
            _("hidden={hidden}: use one or two layers of 2-4 units").format(hidden=cfg.hidden)
        )
    if len(example.inputs) != cfg.n_inputs:
        raise ValueError(
            _("the example has {given} inputs, the net {wanted}").format(
                given=len(example.inputs), wanted=cfg.n_inputs
            )
        )
    if not all(math.isfinite(v) for v in (*example.inputs, example.target)):
        raise ValueError(
            _("example values must be finite numbers, got {example}").format(example=example)
        )
    if cfg.loss == "bce" and not 0.0 <= example.target <= 1.0:
        raise ValueError(
            _("binary cross-entropy needs a target in [0, 1], got {target}").format(
                target=example.target
            )
        )


def layer_sizes(cfg: NetConfig) -> list[int]:
    """Units per layer, inputs first and the single output last."""
    return [cfg.n_inputs, *cfg.hidden, 1]


def init_weights(cfg: NetConfig) -> Weights:
    """Seeded Glorot-uniform weights and small biases, rounded to 2 decimals for readable sums."""
    rng = random.Random(cfg.seed)
    sizes = layer_sizes(cfg)
    w, b = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        w.append(
            tuple(
                tuple(round(rng.uniform(-bound, bound), 2) for _i in range(fan_in))
                for _j in range(fan_out)
            )
        )
        b.append(tuple(round(rng.uniform(-0.5, 0.5), 2) for _j in range(fan_out)))
    return Weights(tuple(w), tuple(b))


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[Node] = []

    def add(self, op: str, role: str, layer: int, index: tuple[int, ...], **kw) -> int:
        self.nodes.append(Node(len(self.nodes), op, role, layer, index, **kw))  # type: ignore[arg-type]
        return len(self.nodes) - 1


def build_graph(cfg: NetConfig, weights: Weights, example: Example) -> Graph:
    """Unroll the network on the example, unit by unit: products, their sum, the activation.

    Hidden units use `cfg.activation`; the output is linear for MSE and a sigmoid for BCE.
    """
    g = _Builder()
    prev = [g.add("leaf", "input", 0, (i,), value=float(x)) for i, x in enumerate(example.inputs)]
    n_layers = len(weights.w)
    for layer, (w_rows, biases) in enumerate(zip(weights.w, weights.b, strict=True), start=1):
        last = layer == n_layers
        units = []
        for j, (row, bias) in enumerate(zip(w_rows, biases, strict=True)):
            products = []
            for i, (w, src) in enumerate(zip(row, prev, strict=True)):
                wid = g.add("leaf", "weight", layer, (j, i), value=w)
                products.append(g.add("mul", "product", layer, (j, i), parents=(wid, src)))
            bid = g.add("leaf", "bias", layer, (j,), value=bias)
            linear_out = last and cfg.loss == "mse"
            role = "output" if linear_out else "sum"
            unit = g.add("add", role, layer, (j,), parents=(*products, bid))
            if not linear_out:
                act = "sigmoid" if last else cfg.activation
                unit = g.add(act, "output" if last else "activation", layer, (j,), parents=(unit,))
            units.append(unit)
        prev = units
    y = g.add("leaf", "target", n_layers + 1, (), value=float(example.target), requires_grad=False)
    g.add(cfg.loss, "loss", n_layers + 1, (), parents=(prev[0], y))
    return Graph(tuple(g.nodes))


def sgd_step(
    weights: Weights, graph: Graph, grads: tuple[float, ...], lr: float
) -> tuple[Weights, tuple[ParamUpdate, ...]]:
    """One plain SGD step on every weight and bias, with each parameter's old/grad/new numbers."""
    w = [[list(row) for row in layer] for layer in weights.w]
    b = [list(layer) for layer in weights.b]
    updates = []
    for node in graph.nodes:
        if node.role not in ("weight", "bias"):
            continue
        new = node.value - lr * grads[node.id]
        if node.role == "weight":
            j, i = node.index
            w[node.layer - 1][j][i] = new
        else:
            b[node.layer - 1][node.index[0]] = new
        updates.append(ParamUpdate(node.id, node.value, grads[node.id], lr, new))
    new_weights = Weights(
        tuple(tuple(tuple(r) for r in layer) for layer in w), tuple(tuple(x) for x in b)
    )
    return new_weights, tuple(updates)


def run_lab(cfg: NetConfig, example: Example, steps: int = 0) -> LabState:
    """Start from the seeded weights, take `steps` SGD steps, and record the graph reached."""
    validate(cfg, example)
    if not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps={steps} is outside the allowed range [0, {MAX_STEPS}]")
    weights, losses, updates = init_weights(cfg), [], ()
    for _step in range(steps):
        graph = build_graph(cfg, weights, example)
        t = trace(graph)
        losses.append(t.loss)
        weights, updates = sgd_step(weights, graph, t.grads, cfg.lr)
    graph = build_graph(cfg, weights, example)
    t = trace(graph)
    return LabState(weights, graph, t, (*losses, t.loss), updates)

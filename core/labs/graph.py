"""A micrograd-style graph of scalar nodes whose forward and backward passes leave a record.

Every multiply, sum, activation and loss is one node holding one float64. The forward pass records
each computed node's value in topological order; the backward pass records, edge by edge, the
upstream gradient, the local derivative and their product (the chain rule, one term at a time).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

Op = Literal["leaf", "mul", "add", "sigmoid", "tanh", "relu", "mse", "bce"]
Role = Literal[
    "input", "weight", "bias", "target", "product", "sum", "activation", "output", "loss"
]

# torch clamps log() at -100 in binary_cross_entropy and floors p(1-p) at 1e-12 in its backward;
# doing the same keeps every number equal to torch's, even for a saturated sigmoid.
LOG_FLOOR = -100.0
BCE_EPS = 1e-12


def _sigmoid(z: float) -> float:
    # Two branches so exp() never overflows for large |z|.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _log(v: float) -> float:
    return max(math.log(v), LOG_FLOOR) if v > 0 else LOG_FLOOR


def _bce(p: float, y: float) -> float:
    return -(y * _log(p) + (1.0 - y) * _log(1.0 - p))


def _bce_local(p: float, y: float) -> float:
    return (p - y) / max(p * (1.0 - p), BCE_EPS)


@dataclass(frozen=True)
class OpSpec:
    """How one kind of node computes its value and its local derivatives."""

    forward: Callable[[Sequence[float]], float]
    # (parent values, own value) -> d(own value)/d(parent k), one per parent
    local: Callable[[Sequence[float], float], tuple[float, ...]]


OPS: dict[str, OpSpec] = {
    "mul": OpSpec(lambda v: v[0] * v[1], lambda v, out: (v[1], v[0])),
    "add": OpSpec(lambda v: math.fsum(v), lambda v, out: (1.0,) * len(v)),
    "sigmoid": OpSpec(lambda v: _sigmoid(v[0]), lambda v, out: (out * (1.0 - out),)),
    "tanh": OpSpec(lambda v: math.tanh(v[0]), lambda v, out: (1.0 - out * out,)),
    # ReLU's derivative at exactly 0 is taken as 0, as torch does.
    "relu": OpSpec(lambda v: max(v[0], 0.0), lambda v, out: (1.0 if v[0] > 0 else 0.0,)),
    "mse": OpSpec(
        lambda v: (v[0] - v[1]) ** 2, lambda v, out: (2 * (v[0] - v[1]), -2 * (v[0] - v[1]))
    ),
    "bce": OpSpec(
        lambda v: _bce(v[0], v[1]),
        lambda v, out: (_bce_local(v[0], v[1]), _log(1 - v[0]) - _log(v[0])),
    ),
}


@dataclass(frozen=True)
class Node:
    """One scalar in the graph: its operation, its place in the network and its inputs."""

    id: int
    op: Op
    role: Role
    layer: int  # 0 for the inputs, 1..L for the layers, L + 1 for the target and the loss
    index: tuple[int, ...]  # (j,) for unit j; (j, i) for the weight from unit i into unit j
    parents: tuple[int, ...] = ()
    value: float = math.nan  # leaves only; computed nodes get theirs from `forward`
    requires_grad: bool = True


@dataclass(frozen=True)
class Graph:
    """Nodes in topological order (every parent has a smaller id than its children)."""

    nodes: tuple[Node, ...]

    @property
    def loss_id(self) -> int:
        return self.nodes[-1].id

    def children(self) -> list[list[int]]:
        """For each node, the ids of the nodes that use it."""
        out: list[list[int]] = [[] for _ in self.nodes]
        for node in self.nodes:
            for p in node.parents:
                out[p].append(node.id)
        return out


@dataclass(frozen=True)
class EdgeStep:
    """One chain-rule term: grad[parent] += upstream (grad of child) x local (d child / d parent)."""

    child: int
    parent: int
    upstream: float
    local: float
    contribution: float
    grad_before: float
    grad_after: float
    term: int  # 1 for the parent's first incoming term, 2 when a second path adds to it, ...


@dataclass(frozen=True)
class Trace:
    """Both passes over a graph: values, the forward order, gradients and the backward edges."""

    values: tuple[float, ...]
    forward_order: tuple[int, ...]  # computed (non-leaf) nodes, in the order they were computed
    grads: tuple[float, ...]
    edges: tuple[EdgeStep, ...]  # in the order the backward pass visits them

    @property
    def loss(self) -> float:
        return self.values[-1]


def forward(graph: Graph) -> tuple[list[float], list[int]]:
    """Every node's value, and the ids of the computed nodes in the order they were computed."""
    values: list[float] = []
    order: list[int] = []
    for node in graph.nodes:
        if node.op == "leaf":
            values.append(node.value)
            continue
        values.append(OPS[node.op].forward([values[p] for p in node.parents]))
        order.append(node.id)
    return values, order


def backward(graph: Graph, values: Sequence[float]) -> tuple[list[float], list[EdgeStep]]:
    """Gradients of the last node (the loss) w.r.t. every node, and each edge's chain-rule term.

    Reverse topological order guarantees a node's gradient is complete before it flows on.
    """
    grads = [0.0] * len(graph.nodes)
    terms = [0] * len(graph.nodes)
    grads[graph.loss_id] = 1.0
    edges: list[EdgeStep] = []
    for node in reversed(graph.nodes):
        if node.op == "leaf":
            continue
        locals_ = OPS[node.op].local([values[p] for p in node.parents], values[node.id])
        for parent, local in zip(node.parents, locals_, strict=True):
            if not graph.nodes[parent].requires_grad:
                continue
            upstream = grads[node.id]
            before = grads[parent]
            grads[parent] = before + upstream * local
            terms[parent] += 1
            edges.append(
                EdgeStep(
                    node.id,
                    parent,
                    upstream,
                    local,
                    upstream * local,
                    before,
                    grads[parent],
                    terms[parent],
                )
            )
    return grads, edges


def trace(graph: Graph) -> Trace:
    """Run the forward pass, then the backward pass, and keep everything they recorded."""
    values, order = forward(graph)
    grads, edges = backward(graph, values)
    return Trace(tuple(values), tuple(order), tuple(grads), tuple(edges))

"""The backprop lab's scalar graph against torch.autograd on the same network, in float64."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from core.labs.backprop import Example, NetConfig, build_graph, init_weights, run_lab, validate
from core.labs.graph import trace

ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
SHAPES = [(2, (2,)), (3, (4,)), (2, (3, 2)), (3, (4, 4))]


def torch_net(cfg: NetConfig, weights, example: Example):
    """The same network in torch: per-layer products, sums, activations and the loss."""
    x = torch.tensor(example.inputs, dtype=torch.float64, requires_grad=True)
    params = [
        (
            torch.tensor(w, dtype=torch.float64, requires_grad=True),
            torch.tensor(b, dtype=torch.float64, requires_grad=True),
        )
        for w, b in zip(weights.w, weights.b, strict=True)
    ]
    layers, h = [], x
    for k, (w, b) in enumerate(params, start=1):
        products = w * h  # (out, in): product[j, i] = w[j, i] * h[i]
        z = products.sum(1) + b
        last = k == len(params)
        a = z if last and cfg.loss == "mse" else (torch.sigmoid if last else ACT[cfg.activation])(z)
        layers.append((products, z, a))
        h = a
    y = torch.tensor([example.target], dtype=torch.float64)
    loss = F.mse_loss(h, y) if cfg.loss == "mse" else F.binary_cross_entropy(h, y)
    loss.backward()
    return x, params, layers, loss


def torch_value(node, x, layers, loss) -> float:
    if node.role == "input":
        return x[node.index[0]].item()
    if node.role == "loss":
        return loss.item()
    products, z, a = layers[node.layer - 1]
    j = node.index[0]
    if node.role == "product":
        return products[node.index].item()
    if node.op == "add":
        return z[j].item()
    return a[j].item()


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize(("n_inputs", "hidden"), SHAPES)
@pytest.mark.parametrize("seed", [0, 7])
def test_values_and_gradients_match_torch_autograd(activation, loss, n_inputs, hidden, seed):
    cfg = NetConfig(n_inputs=n_inputs, hidden=hidden, activation=activation, loss=loss, seed=seed)
    example = Example(inputs=(0.5, -1.0, 0.25)[:n_inputs], target=0.8)
    weights = init_weights(cfg)
    graph = build_graph(cfg, weights, example)
    t = trace(graph)
    x, params, layers, ref_loss = torch_net(cfg, weights, example)

    computed = [n for n in graph.nodes if n.op != "leaf"]
    assert list(t.forward_order) == [n.id for n in computed]
    for node in computed:
        assert t.values[node.id] == pytest.approx(torch_value(node, x, layers, ref_loss), rel=1e-6)
    assert t.loss == pytest.approx(ref_loss.item(), rel=1e-6)

    n_params = 0
    for node in graph.nodes:
        w, b = params[node.layer - 1] if 1 <= node.layer <= len(params) else (None, None)
        if node.role == "weight":
            ref = w.grad[node.index].item()
        elif node.role == "bias":
            ref = b.grad[node.index[0]].item()
        elif node.role == "input":
            ref = x.grad[node.index[0]].item()
        else:
            continue
        n_params += 1
        assert t.grads[node.id] == pytest.approx(ref, rel=1e-6, abs=1e-12), node
    assert n_params == n_inputs + sum(w.numel() + b.numel() for w, b in params)


def test_backward_edges_follow_the_chain_rule():
    t = trace(
        build_graph(NetConfig(hidden=(3, 2)), init_weights(NetConfig(hidden=(3, 2))), Example())
    )
    assert t.edges[0].upstream == 1.0, "the backward pass starts from dL/dL = 1"
    for e in t.edges:
        assert e.contribution == e.upstream * e.local
        assert e.grad_after == e.grad_before + e.contribution
        assert e.upstream == t.grads[e.child], "a node's gradient is complete before it flows on"
    # Every parameter's final gradient is the sum of its edges' contributions.
    for node_id, grad in enumerate(t.grads[:-1]):
        parts = [e.contribution for e in t.edges if e.parent == node_id]
        if parts:
            assert grad == pytest.approx(sum(parts), rel=1e-12)


def test_target_gets_no_gradient_edge():
    graph = build_graph(NetConfig(loss="bce"), init_weights(NetConfig()), Example())
    target = next(n.id for n in graph.nodes if n.role == "target")
    assert all(e.parent != target for e in trace(graph).edges)


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_optimizer_step_matches_torch_sgd(loss):
    cfg = NetConfig(hidden=(3, 2), activation="tanh", loss=loss, lr=0.2, seed=3)
    example = Example()
    state = run_lab(cfg, example, steps=1)
    w0 = init_weights(cfg)
    _, params, _, _ = torch_net(cfg, w0, example)
    flat = [p for pair in params for p in pair]
    torch.optim.SGD(flat, lr=cfg.lr).step()
    for k, (w, b) in enumerate(params):
        new_w = torch.tensor(state.weights.w[k], dtype=torch.float64)
        new_b = torch.tensor(state.weights.b[k], dtype=torch.float64)
        torch.testing.assert_close(w.detach(), new_w, rtol=1e-9, atol=1e-12)
        torch.testing.assert_close(b.detach(), new_b, rtol=1e-9, atol=1e-12)
    for u in state.last_update:
        assert u.new == u.old - u.lr * u.grad
    assert len(state.last_update) == sum(p.numel() for p in flat)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_fifty_steps_lower_the_loss(activation, loss):
    state = run_lab(NetConfig(activation=activation, loss=loss), Example(target=0.8), steps=50)
    assert len(state.losses) == 51
    # BCE cannot go below the entropy of a soft target: compare what is left above that floor.
    floor = -(0.8 * math.log(0.8) + 0.2 * math.log(0.2)) if loss == "bce" else 0.0
    assert state.losses[-1] - floor < 0.5 * (state.losses[0] - floor)


def test_same_seed_same_numbers_and_bad_settings_are_named():
    assert init_weights(NetConfig(seed=4)) == init_weights(NetConfig(seed=4))
    assert init_weights(NetConfig(seed=4)) != init_weights(NetConfig(seed=5))
    with pytest.raises(ValueError, match="target"):
        validate(NetConfig(loss="bce"), Example(target=2.0))
    with pytest.raises(ValueError, match="inputs"):
        validate(NetConfig(n_inputs=3), Example())
    with pytest.raises(ValueError, match="hidden"):
        validate(NetConfig(hidden=(5,)), Example())
    with pytest.raises(ValueError, match="steps"):
        run_lab(NetConfig(), Example(), steps=-1)


def test_terms_count_the_paths_into_a_node():
    cfg = NetConfig(n_inputs=3, hidden=(4,))
    t = trace(build_graph(cfg, init_weights(cfg), Example(inputs=(0.5, -1.0, 0.25))))
    for e in t.edges:
        earlier = [x for x in t.edges[: t.edges.index(e)] if x.parent == e.parent]
        assert e.term == len(earlier) + 1
    x0_terms = [e.term for e in t.edges if e.parent == 0]
    assert x0_terms == [1, 2, 3, 4], "input x1 feeds all four hidden units"

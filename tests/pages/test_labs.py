"""The three lab pages as a learner drives them (AppTest), plus their pure figure builders."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.labs.backprop import Example, NetConfig, build_graph, init_weights, run_lab
from core.labs.graph import trace
from core.labs.losses import fit_line, outlier_data
from core.labs.surfaces import SURFACES, SurfaceConfig, grid
from core.labs.trajectories import explain_step, lab_default, run_trajectory
from pages.ui import state
from pages.ui.labs.formulas import backward_tex, forward_tex, label, num
from pages.ui.labs.graph import Progress, columns, graph_figure, loss_history_figure
from pages.ui.labs.prose import fields, sections
from pages.ui.labs.surfaces import contour_figure, gap_figure

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["pages/backprop_lab.py", "pages/optimizer_lab.py", "pages/loss_lab.py"]
EXAMPLE = Example(inputs=(0.5, -1.0), target=0.8)  # the backprop page's default example


@pytest.fixture
def page():
    """Make a fresh AppTest of a lab page (caches cleared, so each test computes its numbers)."""
    st.cache_data.clear()

    def make(path: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / path), default_timeout=30)
        at.session_state[state.FRAMED] = True  # as if app.py had framed it (tested in test_app)
        return at

    return make


def latex(at: AppTest) -> str:
    """The formula shown for the current step, without the $$ fences."""
    return at.latex[0].value.strip("$\n")


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return run(at)


def metric(at: AppTest, label_text: str) -> str:
    return next(m.value for m in at.metric if m.label == label_text)


def figure(at: AppTest, key_part: str) -> dict:
    """The plotly figure (as JSON) of the chart whose widget id mentions `key_part`."""
    charts = [c for c in at.get("plotly_chart") if key_part in c.proto.id]
    assert charts, f"no chart with key {key_part}"
    return json.loads(charts[0].proto.spec)


# -- pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_lab_renders(page, path: str) -> None:
    at = run(page(path))
    assert at.title and at.get("plotly_chart")


def test_backprop_steps_show_the_core_numbers(page) -> None:
    at = run(page("pages/backprop_lab.py"))
    state = run_lab(NetConfig(), EXAMPLE)
    graph, t = state.graph, state.trace
    assert metric(at, "Loss on the example") == "?"
    assert at.button(key="backprop.backward_step").disabled

    for _ in range(3):
        click(at, "backprop.forward_step")
    assert metric(at, "Forward") == f"3 / {len(t.forward_order)} nodes"
    assert latex(at) == forward_tex(graph, t.values, t.forward_order[2])
    assert num(t.values[t.forward_order[2]]) in latex(at)

    click(at, "backprop.run_forward")
    assert metric(at, "Loss on the example") == num(t.loss)
    click(at, "backprop.backward_step")
    click(at, "backprop.backward_step")
    assert metric(at, "Backward") == f"2 / {len(t.edges)} edges"
    assert latex(at) == backward_tex(graph, t.values, t.edges[1])
    nodes = next(d for d in figure(at, "backprop.graph")["data"] if d.get("name") == "nodes")
    assert f"∂ {num(t.grads[t.edges[1].parent])}" in nodes["text"][t.edges[1].parent]

    click(at, "backprop.run_backward")
    assert at.button(key="backprop.optimizer_step").disabled is False
    click(at, "backprop.optimizer_step")
    after = run_lab(NetConfig(), EXAMPLE, steps=1)
    assert metric(at, "SGD steps taken") == "1"
    table = at.dataframe[0].value
    assert list(table["new θ"]) == [num(u.new) for u in after.last_update]
    assert list(table["θ"]) == [label(graph.nodes[u.node]) for u in after.last_update]


def test_run_fifty_steps_lowers_the_loss_and_a_new_config_resets(page) -> None:
    at = run(page("pages/backprop_lab.py"))
    click(at, "backprop.run_forward")
    first = float(metric(at, "Loss on the example"))
    click(at, "backprop.run_steps")
    assert metric(at, "SGD steps taken") == "50"
    assert float(metric(at, "Loss on the example")) < 0.1 * first
    losses = figure(at, "backprop.loss_chart")["data"][0]["y"]
    assert len(losses) == 51 and losses[-1] < losses[0]

    at.selectbox(key="backprop.net.activation").select("tanh")
    run(at)
    assert metric(at, "SGD steps taken") == "0", "a different network starts from scratch"
    click(at, "backprop.run_forward")
    tanh = run_lab(NetConfig(activation="tanh"), EXAMPLE)
    assert metric(at, "Loss on the example") == num(tanh.trace.loss) != num(first)


def test_backprop_rejects_a_bad_network_with_a_message(page) -> None:
    at = run(page("pages/backprop_lab.py"))
    at.text_input(key="backprop.net.hidden").input("5")
    run(at)
    assert at.error and "between 2 and 4" in at.error[0].value


def test_optimizer_lab_surface_racers_and_step(page) -> None:
    at = run(page("pages/optimizer_lab.py"))
    names = [d.get("name") for d in figure(at, "optimizer.contour")["data"]]
    assert {"SGD", "SGD + momentum", "Adam"} <= set(names) and "RMSprop" not in names
    bowl_z = figure(at, "optimizer.contour")["data"][0]["z"]

    at.selectbox(key="optimizer.surface").select("rosenbrock")
    run(at)
    contour = figure(at, "optimizer.contour")["data"][0]
    assert contour["z"] != bowl_z and contour["y"][-1] == SURFACES["rosenbrock"].y_range[1]

    at.multiselect(key="optimizer.racers").select("rmsprop")
    run(at)
    names = [d.get("name") for d in figure(at, "optimizer.contour")["data"]]
    assert "RMSprop" in names
    assert len(figure(at, "optimizer.gap")["data"]) == 4

    at.slider(key="optimizer.step.100").set_value(5)
    run(at)
    adam = run_trajectory(
        SurfaceConfig(name="rosenbrock"), lab_default("adam", "rosenbrock"), (-1.2, 1.0), 100
    )
    eff_x = explain_step(adam, 5)["eff_x"]
    assert any(f"{eff_x:.3g}" in m.value and "Adam" in m.value for m in at.markdown)


def test_optimizer_lab_flags_divergence(page) -> None:
    at = run(page("pages/optimizer_lab.py"))
    at.select_slider(key="optimizer.bowl.sgd.lr").set_value(5.0)
    run(at)
    assert any("SGD" in w.value and "step" in w.value for w in at.warning)


def test_loss_lab_outlier_moves_the_mse_line_more(page) -> None:
    at = run(page("pages/loss_lab.py"))
    before = at.dataframe[0].value.set_index("loss")["slope"]
    xs, ys = outlier_data(8.0)
    assert before["MSE"] == pytest.approx(fit_line(xs, ys, "mse").slope)
    at.slider(key="loss.outlier").set_value(-8.0)
    run(at)
    after = at.dataframe[0].value.set_index("loss")["slope"]
    assert abs(after["MSE"] - before["MSE"]) > 5 * abs(after["MAE"] - before["MAE"])

    at.radio(key="loss.kind").set_value("classification")
    run(at)
    names = {d["name"] for d in figure(at, "loss.curves")["data"]}
    assert names == {"Cross-entropy (2 classes)", "BCE on sigmoid(score)", "Hinge"}


def test_loss_lab_softmax_gradient_is_p_minus_onehot(page) -> None:
    at = run(page("pages/loss_lab.py"))
    at.number_input(key="loss.logit0").set_value(-3.0)
    at.selectbox(key="loss.target_class").select(2)
    run(at)
    table = at.dataframe[1].value
    assert list(table["equal"]) == ["✓"] * 4
    assert table["p − onehot"].iloc[2] == pytest.approx(table["p"].iloc[2] - 1)
    assert table["autograd dL/dz"].sum() == pytest.approx(0.0, abs=1e-12)
    at.slider(key="loss.n_classes").set_value(2)
    run(at)
    assert len(at.dataframe[1].value) == 2


# -- figure builders and prose ----------------------------------------------------------------


def test_graph_columns_run_from_inputs_to_loss() -> None:
    cfg = NetConfig(n_inputs=3, hidden=(4, 2), loss="bce")
    graph = build_graph(cfg, init_weights(cfg), Example(inputs=(0.1, 0.2, 0.3)))
    col = columns(graph)
    assert col[graph.loss_id] == max(col)
    assert {col[n.id] for n in graph.nodes if n.role == "input"} == {0}
    for n in graph.nodes:
        for p in n.parents:
            assert col[p] < col[n.id], "every edge points right"


def test_graph_figure_marks_the_current_step() -> None:
    graph = build_graph(NetConfig(), init_weights(NetConfig()), EXAMPLE)
    t = trace(graph)
    fig = graph_figure(graph, t, Progress(n_forward=2, n_backward=0))
    nodes = next(d for d in fig.data if d.name == "nodes")
    assert sum("?" in text for text in nodes.text) == len(t.forward_order) - 2
    current = next(d for d in fig.data if d.name == "current")
    assert len([x for x in current.x if x is not None]) == 2 * 2  # both inputs of a product
    done = graph_figure(graph, t, Progress(len(t.forward_order), len(t.edges)))
    assert all(
        "∂" in text
        for n, text in zip(graph.nodes, next(d for d in done.data if d.name == "nodes").text)
        if n.role != "target"
    )
    assert loss_history_figure([1.0, 0.1, 0.001]).layout.yaxis.type == "log"


def test_race_figures_draw_each_path_up_to_the_step() -> None:
    cfg = SurfaceConfig()
    xs, ys, z = grid(cfg, n=20)
    trajs = [run_trajectory(cfg, lab_default(n), (-1.8, 1.2), 30) for n in ("sgd", "adam")]
    fig = contour_figure(SURFACES["bowl"], xs, ys, z, trajs, step=10)
    paths = [d for d in fig.data if d.name in ("SGD", "Adam")]
    assert [len(p.x) for p in paths] == [11, 11]
    gap = gap_figure(trajs, 0.0, 10)
    assert gap.layout.yaxis.type == "log" and len(gap.data) == 2


def test_race_gap_legend_sits_below_the_plot_not_on_the_title() -> None:
    cfg = SurfaceConfig()
    names = ("sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw")
    trajs = [run_trajectory(cfg, lab_default(n), (-1.8, 1.2), 5) for n in names]
    gap = gap_figure(trajs, 0.0, 3)
    assert gap.layout.title.text  # the title keeps the top margin to itself
    legend = gap.layout.legend
    assert legend.yanchor == "top" and legend.y < 0 and legend.orientation == "h"


def test_prose_templates_only_use_numbers_the_core_provides() -> None:
    traj = run_trajectory(SurfaceConfig(), lab_default("adamw"), (-1.8, 1.2), 3)
    text = sections("labs/optimizers")
    for name in ("sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw"):
        numbers = explain_step(run_trajectory(SurfaceConfig(), lab_default(name), (1, 1), 2), 2)
        assert fields(text[name]) <= {*numbers, "title"}, name
    assert traj.steps == 3


def test_lab_layers_stay_apart() -> None:
    for path in (ROOT / "core" / "labs").glob("*.py"):
        tree = ast.parse(path.read_text())
        mods = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        mods += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not {m.split(".")[0] for m in mods} & {"streamlit", "plotly", "pages"}, path
    for name in ("graph", "surfaces", "losses", "formulas"):
        source = (ROOT / "pages" / "ui" / "labs" / f"{name}.py").read_text()
        assert "import streamlit" not in source, name

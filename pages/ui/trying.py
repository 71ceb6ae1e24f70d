"""The Try page's parts: pick a trained run, give its model one input of its kind, show the answer,
and hand the model on (the exact curl command, script, notebook, ONNX, TensorBoard).

Every answer comes from `core.predict.predict`, the function the HTTP API (`core.serve`) calls.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import streamlit as st
import torch
from PIL import Image, UnidentifiedImageError

from core.export import export_onnx
from core.export_code import export_notebook, export_script
from core.export_tensorboard import tensorboard_zip
from core.finetune import RUN_REF, FinetuneConfig
from core.i18n import N_, _
from core.predict import Trained, load_trained, predict
from core.samples import boundary
from core.serve import curl_command, example_input
from core.store import RunRecord
from pages.ui import state
from pages.ui.dashboard.charting import chart
from pages.ui.figures.trying import (
    boundary_with_point,
    forecast_figure,
    probability_bars,
    seen_image,
)

KEY = "try"
CANVAS_PX = 240
IMAGE_TYPES = ["png", "jpg", "jpeg", "bmp", "gif", "webp"]


def runs_with_weights(records: list[RunRecord]) -> list[RunRecord]:
    """Runs with weights to try: the final ones, or a training run's latest snapshot."""
    store = state.registry().store
    return [r for r in records if store.weights_path(r.run_id) is not None]


@st.cache_resource(max_entries=8, show_spinner=False)
def trained(run_id: str, weights: str) -> Trained:
    """A run's model with the weights in `weights` (cached per run and weights file)."""
    del weights  # part of the cache key only: new weights (a later snapshot), new entry
    return load_trained(state.registry().store, run_id)


def weights_key(run_id: str) -> str:
    """Which weights file the run has now (its name and time), or "" if none."""
    path = state.registry().store.weights_path(run_id)
    return f"{path.name}@{path.stat().st_mtime}" if path is not None else ""


def load(run_id: str) -> Trained:
    with st.spinner(_("Loading the trained model…")):  # shown only if it takes a while
        return trained(run_id, weights_key(run_id))


@st.cache_data(max_entries=8, show_spinner=False)
def _grid(run_id: str, weights: str) -> dict:
    model = trained(run_id, weights)
    with torch.no_grad():
        return boundary(model.model, model.data, next(model.model.parameters()).device)


def answer(model: Trained, raw: dict) -> dict | None:
    """`predict`, with a refused input shown as a message (the page goes on)."""
    try:
        return predict(model, raw)
    except ValueError as err:
        st.error(_("**The model cannot take this input.** {error}").format(error=err))
        return None


# -- one input per kind ------------------------------------------------------------------------
def try_point(model: Trained, run_id: str) -> None:
    bounds = model.data.extras["bounds"]  # (xmin, xmax[, ymin, ymax])
    axes = ["x", "y"][: len(bounds) // 2]
    cols = st.columns(len(axes))
    point = [
        col.number_input(
            name,
            min_value=lo,
            max_value=hi,
            value=round((lo + hi) / 2, 2),
            key=f"{KEY}.{name}",
        )
        for col, name, lo, hi in zip(cols, axes, bounds[::2], bounds[1::2], strict=True)
    ]
    out = answer(model, {"point": point})
    if out is None:
        return
    if "values" in out:
        st.metric(_("The model says"), f"{out['values'][0]:.4g}")
        return
    grid_col, bars_col = st.columns([3, 2])
    with grid_col:
        if len(point) == 2:
            grid = _grid(run_id, weights_key(run_id))
            figure = boundary_with_point(grid, tuple(point), out["prediction"])
            chart(figure, f"{KEY}.boundary")
        else:
            st.metric(_("The model says"), out["prediction"])
    with bars_col:
        chart(probability_bars(out["probabilities"]), f"{KEY}.bars")


def _canvas_pixels(run_id: str) -> np.ndarray | None:
    from streamlit_drawable_canvas import st_canvas

    st.caption(_("Draw with the mouse (white ink on black, like the training images)."))
    drawn = st_canvas(
        stroke_width=max(8, CANVAS_PX // 12),
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_PX,
        width=CANVAS_PX,
        drawing_mode="freedraw",
        key=f"{KEY}.canvas.{run_id}",
        return_image_data=True,
    )
    pixels = drawn.image_data
    if pixels is None or not pixels[..., :3].any():
        return None
    return centred(pixels[..., :3])


def centred(pixels: np.ndarray, margin: float = 0.15) -> np.ndarray:
    """The drawing cropped to its ink and centred in a square with a margin, as the training
    digits are scanned (a small stroke in a corner would otherwise shrink to nothing)."""
    ink = np.argwhere(pixels.max(axis=-1) > 0)
    (top, left), (bottom, right) = ink.min(axis=0), ink.max(axis=0) + 1
    side = int(max(bottom - top, right - left) * (1 + 2 * margin)) + 1
    out = np.zeros((side, side, pixels.shape[-1]), dtype=pixels.dtype)
    y0, x0 = (side - (bottom - top)) // 2, (side - (right - left)) // 2
    out[y0 : y0 + bottom - top, x0 : x0 + right - left] = pixels[top:bottom, left:right]
    return out


def _uploaded_pixels() -> np.ndarray | None:
    file = st.file_uploader(_("A picture"), type=IMAGE_TYPES, key=f"{KEY}.image_upload")
    if file is None:
        return None
    try:
        with Image.open(io.BytesIO(file.getvalue())) as img:
            img.draft("RGB", (256, 256))
            img.thumbnail((256, 256))
            return np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        st.error(
            _("**{name} could not be read as a picture.** Try a PNG or JPEG.").format(
                name=file.name
            )
        )
        return None


def try_image(model: Trained, run_id: str) -> None:
    colour = model.data.spec.input_shape[0] == 3
    how = st.segmented_control(
        _("Input"),
        [N_("Draw"), N_("Upload")],
        default="Upload" if colour else "Draw",
        format_func=lambda option: _(option),
        key=f"{KEY}.how",
    )
    left, right = st.columns([2, 3])
    with left:
        pixels = _uploaded_pixels() if how == "Upload" else _canvas_pixels(run_id)
    if pixels is None:
        right.info(_("Draw something (or upload a picture) and the model answers here."))
        return
    out = answer(model, {"image": pixels.tolist()})
    if out is None:
        return
    extras = model.data.extras
    with right:
        a, b = st.columns([2, 3])
        with a:
            chart(seen_image(out["seen"], extras["mean"], extras["std"]), f"{KEY}.seen")
        with b:
            st.metric(_("The model says"), out["prediction"])
            chart(probability_bars(out["probabilities"]), f"{KEY}.bars")


def try_prompt(model: Trained, run_id: str) -> None:
    example = example_input(model)["prompt"]
    prompt = st.text_area(_("Prompt"), value=example, key=f"{KEY}.prompt.{run_id}", max_chars=2000)
    cols = st.columns(4)
    temperature = cols[0].slider(_("Temperature"), 0.1, 2.0, 0.8, 0.05, key=f"{KEY}.temperature")
    top_k = cols[1].number_input(
        _("Top-k (0: all)"), 0, len(model.data.spec.vocab), 0, key=f"{KEY}.top_k"
    )
    length = cols[2].slider(_("Characters"), 0, 300, 120, 10, key=f"{KEY}.length")
    seed = cols[3].number_input(_("Seed"), 0, 2**31 - 1, 0, key=f"{KEY}.seed")
    raw = {
        "prompt": prompt,
        "temperature": temperature,
        "top_k": top_k,
        "length": length,
        "seed": seed,
    }
    out = answer(model, raw)
    if out is None:
        return
    st.markdown(_("**Continuation** (the prompt, then what the model wrote):"))
    st.code(out["prompt"] + out["continuation"], language=None, wrap_lines=True)
    shown = {
        (_("space") if c == " " else _("newline") if c == "\n" else c): p
        for c, p in out["next_character"].items()
    }
    chart(probability_bars(shown, _("Next character after the prompt")), f"{KEY}.bars")


def try_text(model: Trained, run_id: str) -> None:
    text = st.text_area(
        _("Your text"),
        value=example_input(model)["text"],
        key=f"{KEY}.text.{run_id}",
        max_chars=2000,
    )
    out = answer(model, {"text": text})
    if out is not None:
        st.metric(_("The model says"), out["prediction"])
        chart(probability_bars(out["probabilities"]), f"{KEY}.bars")


def try_sequence(model: Trained, run_id: str) -> None:
    vocab = model.data.spec.vocab
    st.caption(
        _("Symbols: {symbols} · length {length}").format(
            symbols=" ".join(vocab), length=model.data.spec.input_shape[0]
        )
    )
    seq = st.text_input(
        _("Sequence"), value=example_input(model)["sequence"], key=f"{KEY}.sequence.{run_id}"
    )
    out = answer(model, {"sequence": seq})
    if out is None:
        return
    if "output" in out:
        st.code(f"in:  {out['sequence']}\nout: {out['output']}", language=None)
    else:
        st.metric(_("The model says"), out["prediction"])
        chart(probability_bars(out["probabilities"]), f"{KEY}.bars")


def try_series(model: Trained, run_id: str) -> None:
    example = example_input(model)["series"]
    text = st.text_input(
        _("The last {n} values, oldest first (comma-separated)").format(n=len(example)),
        value=", ".join(f"{v:g}" for v in example),
        key=f"{KEY}.series.{run_id}",
    )
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        st.error(_("**Write numbers separated by commas**, e.g. 0.1, 0.5, 0.9."))
        return
    out = answer(model, {"series": values})
    if out is not None:
        chart(forecast_figure(out["series"], out["forecast"]), f"{KEY}.forecast")


def try_row(model: Trained, run_id: str) -> None:
    """One input per column of the table: numbers as numbers, categories as their choices."""
    example = example_input(model)["row"]
    encoder = model.data.extras["encoder"]
    row: dict = {}
    cols = st.columns(min(3, max(1, len(encoder.columns))))
    for i, code in enumerate(encoder.columns):
        key, col = f"{KEY}.row.{run_id}.{code.name}", cols[i % len(cols)]
        value = example.get(code.name)
        if code.numeric:
            row[code.name] = col.number_input(
                code.name, value=float(value) if value is not None else code.median, key=key
            )
        else:
            options = list(code.levels)
            shown = str(value) if value is not None else "missing"
            index = options.index(shown) if shown in options else 0
            row[code.name] = col.selectbox(code.name, options, index=index, key=key)
    out = answer(model, {"row": row})
    if out is None:
        return
    says = _("The model says ({target})").format(target=model.data.extras["target"])
    if "probabilities" in out:
        st.metric(says, out["prediction"])
        chart(probability_bars(out["probabilities"]), f"{KEY}.bars")
    else:
        st.metric(says, f"{out['values'][0]:.4g}")


INPUTS = {
    "point": try_point,
    "image": try_image,
    "prompt": try_prompt,
    "text": try_text,
    "sequence": try_sequence,
    "series": try_series,
    "row": try_row,
}


# -- building on it ------------------------------------------------------------------------------
def _finetune(record: RunRecord) -> None:
    """Make the Playground's setup this run's, starting from its weights (the visitor then
    changes the data, ticks a new head or freezes layers, and starts)."""
    start = FinetuneConfig(init_from=f"{RUN_REF}{record.run_id}")
    state.set_config(replace(record.config, finetune=start))
    state.select_run(None)


def finetune_button(record: RunRecord) -> None:
    if st.button(
        _("Fine-tune it in the Playground"),
        key=f"{KEY}.finetune",
        icon=":material/model_training:",
        on_click=_finetune,
        args=(record,),
        help=_(
            "A new run that starts from these trained weights: change the data (other classes, "
            "fewer examples), freeze layers, replace the output layer."
        ),
    ):
        st.switch_page("pages/playground.py")


# -- handing the model on ------------------------------------------------------------------------
def _onnx(model: Trained) -> bytes:
    return export_onnx(model)


def _tensorboard(run_id: str) -> bytes:
    view = state.registry().snapshot(run_id)
    with tempfile.TemporaryDirectory() as tmp:
        return tensorboard_zip(view, Path(tmp))


def use_elsewhere(model: Trained, record: RunRecord, mine: bool) -> None:
    """The curl command of the API, and the run as script, notebook, ONNX and TensorBoard."""
    rid = record.run_id
    st.markdown(_("**Call it over HTTP.** Serve it, then ask for a prediction:"))
    st.code(f".venv/bin/python -m core serve {rid} --port 8000", language="bash")
    st.code(curl_command(rid, example_input(model)), language="bash")
    st.markdown(_("**Take it with you.**"))
    title = f"Backprop Lab run {rid}"
    cols = st.columns(4)
    cols[0].download_button(
        _("Training script (.py)"),
        partial(export_script, record.config, title),
        file_name=f"{rid}.py",
        mime="text/x-python",
        key=f"{KEY}.script",
        help=_(
            "Plain PyTorch: rebuilds data, model, optimizer and schedule and trains as configured."
        ),
    )
    cols[1].download_button(
        _("Notebook (.ipynb)"),
        partial(export_notebook, record.config, title),
        file_name=f"{rid}.ipynb",
        mime="application/x-ipynb+json",
        key=f"{KEY}.notebook",
    )
    cols[2].download_button(
        _("Model (ONNX)"),
        partial(_onnx, model) if mine else b"",
        file_name=f"{rid}.onnx",
        mime="application/octet-stream",
        key=f"{KEY}.onnx",
        disabled=not mine,
        help=_("Checked against PyTorch in onnxruntime before you get it.")
        if mine
        else _("Only the run's owner can download its weights."),
    )
    cols[3].download_button(
        _("Metrics (TensorBoard)"),
        partial(_tensorboard, rid),
        file_name=f"{rid}-tensorboard.zip",
        mime="application/zip",
        key=f"{KEY}.tensorboard",
        help=_("Unzip, then: tensorboard --logdir <folder>"),
    )

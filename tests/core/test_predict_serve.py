"""After training: predict on new inputs, export to ONNX (checked in onnxruntime), serve over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import onnx
import pytest
import torch

from core.cli import main as cli
from core.config import RunConfig
from core.data.base import DataConfig
from core.export import ONNX_TOLERANCE, export_onnx, verify_onnx
from core.models import CNNConfig, MLPConfig, RNNConfig, TransformerConfig
from core.optim import OptimConfig
from core.predict import load_trained, predict
from core.runs import RunRegistry
from core.serve import curl_command, example_input
from tests.e2e.test_browser import free_port

REPO = Path(__file__).resolve().parents[2]
CONFIGS = {
    "mlp": RunConfig(
        data=DataConfig(name="spiral", n_samples=200),
        model=MLPConfig(hidden=(16,)),
        optim=OptimConfig(name="adam", lr=0.01),
    ),
    "cnn": RunConfig(data=DataConfig(name="digits", n_samples=300), model=CNNConfig(channels=(4,))),
    "lstm": RunConfig(
        data=DataConfig(name="text", n_samples=200, seq_len=16),
        model=RNNConfig(cell="lstm", hidden_size=16),
    ),
    "transformer": RunConfig(
        data=DataConfig(name="reverse", n_samples=100, seq_len=5),
        model=TransformerConfig(d_model=16, n_heads=2, n_layers=1, d_ff=16),
    ),
}


@pytest.fixture(scope="module")
def trained_runs(tmp_path_factory: pytest.TempPathFactory):
    """One short run per model family, trained and stored once for this module."""
    root = tmp_path_factory.mktemp("store")
    reg = RunRegistry(root, max_concurrent=2)
    try:
        ids = {kind: reg.start(cfg, owner="t") for kind, cfg in CONFIGS.items()}
        for run_id in ids.values():
            assert reg.wait(run_id, timeout=180).status == "completed"
    finally:
        reg.shutdown()
    return root, reg.store, ids


def test_each_family_predicts_from_a_raw_input(trained_runs) -> None:
    _, store, ids = trained_runs
    point = predict(load_trained(store, ids["mlp"]), {"point": [0.5, -0.25]})
    assert set(point["probabilities"]) == {"0", "1"}
    assert sum(point["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)

    digits = load_trained(store, ids["cnn"])
    big = [[255 if 10 <= c < 14 else 0 for c in range(32)] for _ in range(40)]  # a drawn "1"
    out = predict(digits, {"image": big})
    assert torch.tensor(out["seen"]).shape == (1, 8, 8)  # what the model sees, after resizing
    assert out["prediction"] in digits.data.spec.class_names

    text = load_trained(store, ids["lstm"])
    prompt = "".join(text.data.spec.vocab[i] for i in text.data.x_val[0][:5])
    out = predict(text, {"prompt": prompt, "length": 12, "top_k": 3, "temperature": 0.7})
    assert len(out["continuation"]) == 12 and set(out["continuation"]) <= set(text.data.spec.vocab)
    assert sum(out["next_character"].values()) <= 1.0 + 1e-6
    again = predict(text, {"prompt": prompt, "length": 12, "top_k": 3, "temperature": 0.7})
    assert again == out  # seeded sampling: the same request gives the same text

    seq = load_trained(store, ids["transformer"])
    sample = example_input(seq)
    out = predict(seq, sample)
    assert len(out["output"]) == len(sample["sequence"])


@pytest.mark.parametrize(
    ("kind", "raw", "reason"),
    [
        ("mlp", {"point": [1.0]}, "must be 2 numbers"),
        ("mlp", {"point": [float("nan"), 1.0]}, "NaN"),
        ("mlp", {"image": [[0]]}, "takes 'point'"),
        ("mlp", ["not", "an", "object"], "JSON object"),
        ("cnn", {"image": [[0] * 300] * 300}, "at most 256"),
        ("cnn", {"image": "abc"}, "must be numbers"),
        ("cnn", {"image": [[[1, 2]]]}, "rows of pixels"),
        ("lstm", {"prompt": "\u4e2d\u6587"}, "never saw"),
        ("lstm", {"prompt": "a", "temperature": 0}, "temperature"),
        ("lstm", {"prompt": "a", "length": 10_000}, "length"),
        ("transformer", {"sequence": "0"}, "symbols long"),
    ],
)
def test_a_bad_input_gets_a_message(trained_runs, kind: str, raw, reason: str) -> None:
    _, store, ids = trained_runs
    with pytest.raises(ValueError, match=reason):
        predict(load_trained(store, ids[kind]), raw)


@pytest.mark.parametrize("kind", list(CONFIGS))
def test_onnx_export_matches_pytorch(trained_runs, kind: str, tmp_path: Path) -> None:
    _, store, ids = trained_runs
    trained = load_trained(store, ids[kind])
    data = export_onnx(trained, tmp_path / "model.onnx")
    onnx.checker.check_model(onnx.load_from_string(data))
    assert verify_onnx(trained, data, n=8) <= ONNX_TOLERANCE
    x = trained.data.x_val[:3]  # the batch dimension is dynamic
    import onnxruntime as ort

    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    (got,) = session.run(["output"], {"input": x.numpy()})
    with torch.no_grad():
        assert torch.allclose(torch.from_numpy(got), trained.model(x), atol=ONNX_TOLERANCE)


def test_cli_exports_every_format_and_refuses_an_unknown_run(
    trained_runs, tmp_path: Path, capsys
) -> None:
    root, _, ids = trained_runs
    base = ["--root", str(root), "export", ids["cnn"]]
    out = tmp_path / "digits.onnx"
    assert cli([*base, "--format", "onnx", "--out", str(out)]) == 0
    onnx.checker.check_model(onnx.load(out))
    assert cli([*base, "--format", "script", "--out", str(tmp_path / "train.py")]) == 0
    compile((tmp_path / "train.py").read_text(), "train.py", "exec")
    assert cli([*base, "--format", "notebook", "--out", str(tmp_path / "run.ipynb")]) == 0
    assert json.loads((tmp_path / "run.ipynb").read_text())["cells"]
    assert cli([*base, "--format", "tensorboard", "--out", str(tmp_path / "tb")]) == 0
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))
    assert cli(["--root", str(root), "export", "no-such-run", "--out", str(out)]) == 2
    assert "no run" in capsys.readouterr().err


def _request(url: str, body: bytes | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _status_of_announced_body(port: int, path: str, size: int) -> int:
    """The status for a request announcing a `size`-byte body: an oversized one is refused from
    its headers, before the server reads (or the client sends) any of it."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        s.sendall(f"{head}Content-Length: {size}\r\n\r\n".encode())
        return int(s.recv(1024).split()[1])


def test_the_api_answers_predict_and_refuses_bad_requests(trained_runs) -> None:
    root, _, ids = trained_runs
    port = free_port()
    served = [ids["cnn"], ids["lstm"]]
    cmd = [sys.executable, "-m", "core", "--root", str(root), "serve", *served]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, models = _request(f"{base}/models")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        assert status == 200 and [m["run_id"] for m in models] == served
        assert {m["input"] for m in models} == {"image", "prompt"}

        image = json.dumps({"image": [[0, 255, 0]] * 3}).encode()
        status, out = _request(f"{base}/models/{ids['cnn']}/predict", image)
        assert status == 200 and len(out["probabilities"]) == 10
        status, out = _request(
            f"{base}/models/{ids['lstm']}/predict", b'{"prompt": "e", "length": 5}'
        )
        assert status == 200 and len(out["continuation"]) == 5

        assert _request(f"{base}/models/nope/predict", image)[0] == 404
        assert _request(f"{base}/models/{ids['mlp']}/predict", image)[0] == 404  # not served
        status, out = _request(f"{base}/models/{ids['cnn']}/predict", b'{"image": [[[1, 2]]]}')
        assert status == 422 and "rows of pixels" in out["detail"]
        assert _request(f"{base}/models/{ids['cnn']}/predict", b"{not json")[0] == 422
        assert _status_of_announced_body(port, f"/models/{ids['cnn']}/predict", 3 * 2**20) == 413
        assert _request(f"{base}/openapi.json")[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_the_curl_command_is_a_valid_request(trained_runs) -> None:
    _, store, ids = trained_runs
    trained = load_trained(store, ids["lstm"])
    command = curl_command(ids["lstm"], example_input(trained))
    assert command.startswith(f"curl -s -X POST http://localhost:8000/models/{ids['lstm']}/predict")
    body = json.loads(command.split("-d '", 1)[1].rstrip("'"))
    assert predict(trained, body)["continuation"]


def test_tensorboard_events_hold_the_runs_scalars_and_histograms(trained_runs, tmp_path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from core.export_tensorboard import export_tensorboard, tensorboard_zip

    _, store, ids = trained_runs
    view = store.load(ids["cnn"])
    files = export_tensorboard(view, tmp_path / "tb")
    assert files
    events = EventAccumulator(str(tmp_path / "tb"), size_guidance={"scalars": 0}).Reload()
    tags = events.Tags()
    steps = [s.step for s in events.Scalars("train/loss_per_step")]
    assert steps == [int(s) for s in view.loss_steps]
    val = [s.value for s in events.Scalars("epoch/val_loss")]
    measured = [e.val_loss for e in view.epochs if e.val_loss == e.val_loss]  # NaN: skipped
    assert measured and val == pytest.approx(measured, rel=1e-6)
    assert any(t.startswith("weights/") for t in tags["histograms"]), tags
    assert tensorboard_zip(view, tmp_path / "zip")[:2] == b"PK"

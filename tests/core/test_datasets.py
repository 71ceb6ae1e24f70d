"""Every registered dataset: shapes and dtypes match its spec, seeds count, errors are readable."""

from __future__ import annotations

import dataclasses
import gzip
import pickle
import struct
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data import DATASETS, DataConfig, DatasetMissingError, load_dataset
from core.data.base import DataBundle
from core.data.text import CORPUS_PATH

EXTRAS = {
    "boundary": {"points", "labels", "bounds", "featurize", "points_train", "points_val"},
    "curve": {"points", "labels", "bounds", "featurize", "points_train", "points_val"},
    "images": {"mean", "std"},
    "text": {"prompt", "unigram_entropy", "stoi"},
    "table": {"columns", "raw_columns"},
    "sequence": set(),
    "forecast": set(),
}


# ---------------------------------------------------------------- fake files for file datasets
def write_idx(folder: Path, n_train: int = 20, n_test: int = 10, gz: bool = False) -> None:
    """MNIST-format IDX files (big-endian header, uint8 payload) with random pixels and labels."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = (
            struct.pack(">IIII", 0x803, n, 28, 28)
            + rng.integers(0, 256, n * 784).astype(np.uint8).tobytes()
        )
        labels = struct.pack(">II", 0x801, n) + rng.integers(0, 10, n).astype(np.uint8).tobytes()
        files = {f"{prefix}-images-idx3-ubyte": images, f"{prefix}-labels-idx1-ubyte": labels}
        for name, payload in files.items():
            if gz:
                (folder / f"{name}.gz").write_bytes(gzip.compress(payload))
            else:
                (folder / name).write_bytes(payload)


def write_cifar(root: Path, per_batch: int = 4, n_test: int = 10) -> None:
    """CIFAR-10 python batches (pickled dicts of uint8 rows of 3072 values) without meta or md5s."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        n = n_test if name == "test_batch" else per_batch
        pixels = rng.integers(0, 256, (n, 3072)).astype(np.uint8)  # rows of R, G, B planes
        batch = {"data": pixels, "labels": rng.integers(0, 10, n).tolist()}
        (folder / name).write_bytes(pickle.dumps(batch))


def write_csv(path: Path, n: int = 60) -> Path:
    rng = np.random.default_rng(1)
    size = rng.normal(50, 10, n).round(2)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    colour[3] = None  # a missing category
    weight = rng.normal(3, 1, n)
    weight[5] = np.nan  # a missing number
    price = (size * 2 + weight + rng.normal(0, 1, n)).round(3)
    kind = np.where(size > 50, "big", "small")
    lines = ["size,colour,weight,price,kind"]
    lines += [
        f"{s},{'' if c is None else c},{'' if np.isnan(w) else round(w, 3)},{p},{k}"
        for s, c, w, p, k in zip(size, colour, weight, price, kind, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def make_config(name: str, tmp: Path, **overrides: object) -> DataConfig:
    """A small, fast config for `name`, writing any files it needs under `tmp`."""
    tmp.mkdir(parents=True, exist_ok=True)
    cfg = DataConfig(name=name, n_samples=60, seq_len=6, n_symbols=5, horizon=3, data_dir=str(tmp))
    if name == "mnist":
        write_idx(tmp / "MNIST" / "raw")
    elif name == "fashion_mnist":
        write_idx(tmp / "FashionMNIST" / "raw", gz=True)  # only .gz copies: must still load
    elif name == "cifar10":
        write_cifar(tmp)
    elif name == "csv":
        cfg = dataclasses.replace(cfg, path=str(write_csv(tmp / "table.csv")))
    elif name == "image_zip":
        from tests.core.test_imagezip import shapes_zip

        (tmp / "pictures.zip").write_bytes(shapes_zip())
        cfg = dataclasses.replace(cfg, path=str(tmp / "pictures.zip"), image_size=8)
    return dataclasses.replace(cfg, **overrides)


def load(name: str, tmp: Path, seed: int = 0, **overrides: object) -> DataBundle:
    return load_dataset(make_config(name, tmp, **overrides), seed)


# ---------------------------------------------------------------- every dataset, generically
def test_registry_rows_are_complete() -> None:
    fields = {f.name for f in dataclasses.fields(DataConfig)}
    for name, entry in DATASETS.items():
        assert entry.name == name
        assert set(entry.params) <= fields - {"name"}, name
        assert entry.description.count(". ") >= 1, f"{name}: describe it in 2-3 sentences"
        assert entry.group in {"toy", "images", "sequence", "text", "tabular"}
    with pytest.raises(TypeError):
        DATASETS["new"] = DATASETS["spiral"]  # read-only registry


@pytest.mark.parametrize("name", list(DATASETS))
def test_tensors_match_spec(name: str, tmp_path: Path) -> None:
    data = load(name, tmp_path)
    spec = data.spec
    assert spec.name == name and spec.description == DATASETS[name].description
    assert data.n_train >= 1 and data.n_val >= 1
    for x, y in ((data.x_train, data.y_train), (data.x_val, data.y_val)):
        assert x.shape[0] == y.shape[0]
        assert tuple(x.shape[1:]) == spec.input_shape
        if spec.input_kind == "tokens":
            assert x.dtype == torch.int64
            assert 0 <= int(x.min()) and int(x.max()) < spec.vocab_size == len(spec.vocab)
        else:
            assert x.dtype == torch.float32 and torch.isfinite(x).all()
        if spec.task == "classification":
            assert y.dtype == torch.int64 and y.shape == (x.shape[0],)
            assert 0 <= int(y.min()) and int(y.max()) < spec.n_outputs
        elif spec.task == "regression":
            assert y.dtype == torch.float32 and y.shape == (x.shape[0], spec.n_outputs)
        else:
            assert y.dtype == torch.int64 and y.shape == x.shape
            scored = y[y != -100]
            assert (
                scored.numel() > 0 and 0 <= int(scored.min()) and int(scored.max()) < spec.n_outputs
            )
    assert EXTRAS[spec.sample_kind] <= set(data.extras), sorted(data.extras)
    if spec.class_names:
        assert len(spec.class_names) == spec.n_outputs


@pytest.mark.parametrize("name", list(DATASETS))
def test_seed_determines_the_data(name: str, tmp_path: Path) -> None:
    a, b, c = (load(name, tmp_path / str(i), seed=s) for i, s in enumerate((3, 3, 4)))
    for key in ("x_train", "y_train", "x_val", "y_val"):
        assert torch.equal(getattr(a, key), getattr(b, key)), key
    assert not torch.equal(a.x_train, c.x_train) or not torch.equal(a.y_train, c.y_train)


def test_range_and_name_validation(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="spiral"):
        load_dataset(DataConfig(name="nope"), 0)
    with pytest.raises(ValueError, match=r"n_samples=5.*20"):
        load_dataset(DataConfig(name="spiral", n_samples=5), 0)
    with pytest.raises(ValueError, match="val_fraction"):
        load_dataset(DataConfig(name="spiral", val_fraction=0.9), 0)


# ---------------------------------------------------------------- 2-D toys
@pytest.mark.parametrize("name", ["circle", "xor", "blobs", "spiral", "moons", "plane"])
def test_features_widen_inputs_and_featurize_reproduces_them(name: str) -> None:
    plain = load_dataset(DataConfig(name=name, n_samples=100), 0)
    extra = load_dataset(DataConfig(name=name, n_samples=100, features=("x2", "xy", "sinx")), 0)
    assert plain.spec.input_shape == (2,) and extra.spec.input_shape == (5,)
    for data in (plain, extra):
        assert torch.allclose(data.extras["featurize"](data.extras["points_train"]), data.x_train)
        assert torch.allclose(data.extras["featurize"](data.extras["points_val"]), data.x_val)
        assert data.extras["points"].shape == (100, 2) and len(data.extras["labels"]) == 100
        x0, x1, y0, y1 = data.extras["bounds"]
        lo, hi = data.extras["points"].min(0).values, data.extras["points"].max(0).values
        assert x0 < lo[0] < hi[0] < x1 and y0 < lo[1] < hi[1] < y1
    again = pickle.loads(pickle.dumps(extra.extras["featurize"]))  # can cross process boundaries
    assert torch.equal(again(extra.extras["points_val"]), extra.x_val)
    assert extra.x_train.mean(0).abs().max() < 1e-4  # standardized on the training split
    assert torch.allclose(extra.x_train.std(0), torch.ones(5), atol=1e-4)


def test_bad_features_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown feature.*cosx"):
        load_dataset(DataConfig(name="spiral", features=("cosx",)), 0)
    with pytest.raises(ValueError, match="2-D"):
        load_dataset(DataConfig(name="sine", features=("x2",)), 0)


def test_blobs_class_count_and_sine_curve() -> None:
    blobs = load_dataset(DataConfig(name="blobs", n_classes=5, n_samples=100), 0)
    assert blobs.spec.n_outputs == 5 and set(blobs.y_train.tolist()) == set(range(5))
    sine = load_dataset(DataConfig(name="sine", noise=0.0, n_samples=50), 0)
    assert sine.extras["points"].shape == (50, 1) and len(sine.extras["bounds"]) == 2
    assert torch.allclose(sine.y_train, torch.sin(sine.extras["points_train"]), atol=1e-6)


# ---------------------------------------------------------------- sequences
@pytest.mark.parametrize(
    ("name", "answer"),
    [("copy", lambda s: s), ("reverse", lambda s: s.flip(1)), ("sort", lambda s: s.sort(1).values)],
)
def test_seq2seq_format(name: str, answer: object) -> None:
    data = load_dataset(DataConfig(name=name, seq_len=5, n_symbols=4, n_samples=40), 0)
    x, y, t = data.x_train, data.y_train, 5
    assert (
        x.shape[1] == 2 * t + 1 and data.spec.vocab_size == 6 and data.spec.vocab[4:] == ("|", "_")
    )
    assert (x[:, t] == 4).all() and (x[:, t + 1 :] == 5).all() and (x[:, :t] < 4).all()
    assert (y[:, : t + 1] == -100).all()
    assert torch.equal(y[:, t + 1 :], answer(x[:, :t]))


def test_parity_and_forecast() -> None:
    parity = load_dataset(DataConfig(name="parity", seq_len=7, n_samples=40), 0)
    assert torch.equal(parity.y_train, parity.x_train.sum(1) % 2)
    sine = load_dataset(DataConfig(name="sine_forecast", seq_len=10, horizon=4, n_samples=40), 0)
    assert sine.x_train.shape[1:] == (10, 1) and sine.y_train.shape[1:] == (4,)


# ---------------------------------------------------------------- text
def test_text_windows_are_next_characters_and_split_cleanly() -> None:
    data = load_dataset(DataConfig(name="text", seq_len=16, n_samples=300), 0)
    ex, t = data.extras, 16
    assert (ex["starts_train"] + t < ex["val_start"]).all()  # last target char is before the split
    assert (ex["starts_val"] >= ex["val_start"]).all()
    assert torch.equal(data.x_train[:, 1:], data.y_train[:, :-1])
    assert torch.equal(data.x_val[:, 1:], data.y_val[:, :-1])
    assert 1.5 < ex["unigram_entropy"] < 4.0
    text = CORPUS_PATH.read_text()
    assert 30_000 < len(text) and text.isascii() and ex["prompt"] and text.startswith(ex["prompt"])
    first = int(ex["starts_val"][0])
    assert "".join(data.spec.vocab[i] for i in data.x_val[0].tolist()) == text[first : first + t]


def test_text_from_string_and_file(tmp_path: Path) -> None:
    pasted = load_dataset(DataConfig(name="text", text="abcab " * 40, seq_len=8, n_samples=20), 0)
    assert pasted.spec.vocab == (" ", "a", "b", "c")
    file = tmp_path / "t.txt"
    file.write_text("the quick brown fox jumps over the lazy dog. " * 10)
    from_file = load_dataset(DataConfig(name="text", path=str(file), n_samples=20), 0)
    assert "z" in from_file.extras["stoi"]
    with pytest.raises(ValueError, match="empty"):
        load_dataset(DataConfig(name="text", text="   \n "), 0)
    with pytest.raises(ValueError, match="seq_len=12 needs at least 26"):
        load_dataset(DataConfig(name="text", text="too short for this"), 0)
    with pytest.raises(ValueError, match="not found"):
        load_dataset(DataConfig(name="text", path=str(tmp_path / "none.txt")), 0)


# ---------------------------------------------------------------- image files
def test_image_subsets_and_missing_files(tmp_path: Path) -> None:
    mnist = load("mnist", tmp_path, n_samples=100)
    assert mnist.n_train == 20 and mnist.n_val == 10  # capped at the files' 20 train + 10 test
    small = load_dataset(make_config("cifar10", tmp_path / "c", n_samples=20, val_fraction=0.25), 0)
    assert small.spec.input_shape == (3, 32, 32) and small.n_train == 20 and small.n_val == 5
    assert small.spec.class_names[0] == "airplane" and len(small.extras["mean"]) == 3
    folders = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "cifar-10"}
    for name, folder in folders.items():
        with pytest.raises(DatasetMissingError, match=folder) as err:
            load_dataset(DataConfig(name=name, data_dir=str(tmp_path / "empty")), 0)
        assert isinstance(err.value, ValueError) and "download" in str(err.value)
        assert str(tmp_path / "empty") in str(err.value)


# ---------------------------------------------------------------- CSV
def test_csv_classification_and_regression(tmp_path: Path) -> None:
    path = str(write_csv(tmp_path / "t.csv"))
    cls = load_dataset(DataConfig(name="csv", path=path), 0)  # last column "kind"
    assert cls.spec.task == "classification" and cls.spec.class_names == ("big", "small")
    cols = cls.extras["columns"]
    assert cols[:2] == ("size", "colour=blue") and "colour=missing" in cols
    assert cls.extras["raw_columns"] == ("size", "colour", "weight", "price")
    assert abs(float(cls.x_train[:, 0].mean())) < 1e-5  # standardized with training statistics
    reg = load_dataset(DataConfig(name="csv", path=path, target="price"), 0)
    assert reg.spec.task == "regression" and reg.spec.n_outputs == 1
    assert reg.extras["target_std"] > 5 and abs(float(reg.y_train.mean())) < 1e-5
    rows = ["a,label"] + [f"{i},{i % 3}" for i in range(30)]
    (tmp_path / "ints.csv").write_text("\n".join(rows))
    ints = load_dataset(DataConfig(name="csv", path=str(tmp_path / "ints.csv")), 0)
    assert ints.spec.task == "classification" and ints.spec.class_names == ("0", "1", "2")


@pytest.mark.parametrize(
    ("content", "target", "message"),
    [
        (None, "", "no CSV file chosen"),
        ("MISSING", "", "not found"),
        ("", "", "empty"),
        ("a,b,c\n" + "1,2,3\n" * 12 + "1,2,3,4,5\n", "", "could not parse"),
        ("a,b\n" + "1,2\n" * 5, "", "at least 10"),
        ("a,b\n" + "1,2\n" * 12, "z", r"'z' not found.*\['a', 'b'\]"),
        ("a\n" + "1\n" * 12, "", "no feature columns"),
        ("a,b\n" + "".join(f"{i},7\n" for i in range(12)), "", "single value"),
        ("id,y\n" + "".join(f"u{i},{i % 2}\n" for i in range(60)), "", "drop it"),
        (b"\xff\xfe\x00\x81" * 40, "", "UTF-8"),
    ],
)
def test_csv_errors(tmp_path: Path, content: object, target: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str) and content != "MISSING":
        path.write_text(content)
    cfg = DataConfig(name="csv", path="" if content is None else str(path), target=target)
    with pytest.raises(ValueError, match=message):
        load_dataset(cfg, 0)


@pytest.mark.parametrize(
    "payload",
    [
        {b"data": b"x", b"labels": [1]},  # pickles whose keys are bytes (a Python 2 style copy)
        {"data": np.zeros((2, 5), np.uint8), "labels": [0, 1]},  # rows of the wrong size
        ["not", "a", "dict"],
    ],
)
def test_malformed_cifar_batches_give_a_clear_message(tmp_path: Path, payload: object) -> None:
    write_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "data_batch_1").write_bytes(pickle.dumps(payload))
    with pytest.raises(ValueError, match="could not read CIFAR-10 files") as err:
        load_dataset(DataConfig(name="cifar10", data_dir=str(tmp_path)), 0)
    assert "data_batch" in str(err.value) or "CIFAR-10" in str(err.value)


def test_huge_tables_are_refused_with_a_message_before_parsing(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(20_000)) + "\n" + "1," * 19_999 + "1\n")
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="more than 1,000 columns"):
        load_dataset(DataConfig(name="csv", path=str(wide)), 0)
    assert time.perf_counter() - t0 < 1.0
    long = tmp_path / "long.csv"
    long.write_text("a,b\n" + "1,0\n" * 200_001)
    with pytest.raises(ValueError, match="more than 200,000 rows"):
        load_dataset(DataConfig(name="csv", path=str(long)), 0)

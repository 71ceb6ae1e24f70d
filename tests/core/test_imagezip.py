"""Uploaded images: a ZIP of class folders becomes an image dataset; bad archives get a message."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import torch
from PIL import Image

from core.config import RunConfig
from core.data import load_dataset
from core.data.base import DataConfig
from core.data.files import FilePolicy, store_upload
from core.engine import train_run
from core.events import EpochEnd
from core.models import CNNConfig
from core.trainer import TrainConfig


def png(color: tuple[int, int, int], size: tuple[int, int] = (20, 12)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def make_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def shapes_zip(root: str = "mine/", n: int = 12, grey: bool = False) -> bytes:
    """Two classes a CNN can tell apart: dark and bright pictures (in a wrapping folder)."""
    files = {}
    for i in range(n):
        dark = (10 + i, 10 + i, 10 + i) if grey else (10 + i, 40, 90)
        bright = (230 - i, 230 - i, 230 - i) if grey else (230 - i, 200, 20)
        files[f"{root}dark/{i}.png"] = png(dark)
        files[f"{root}bright/{i}.png"] = png(bright, size=(30, 30))
    files[f"{root}.DS_Store"] = b"junk"
    files["__MACOSX/mine/._0.png"] = b"junk"
    return make_zip(files)


def upload(tmp_path: Path, content: bytes, name: str = "pics.zip", **fields) -> DataConfig:
    files = FilePolicy(tmp_path / "uploads", tmp_path / "datasets")
    ref = store_upload(content, name, files.uploads, "image_zip")
    return files.resolve(DataConfig(name="image_zip", path=ref, **fields))


def test_a_zip_of_class_folders_trains_a_cnn(tmp_path: Path) -> None:
    data = upload(tmp_path, shapes_zip(), image_size=16)
    bundle = load_dataset(data, seed=0)
    spec = bundle.spec
    assert spec.class_names == ("bright", "dark") and spec.n_outputs == 2
    assert spec.input_shape == (3, 16, 16)
    assert bundle.n_train + bundle.n_val == 24 and bundle.extras["skipped"] == 0
    cfg = RunConfig(
        data=data, model=CNNConfig(channels=(4,)), train=TrainConfig(epochs=3, batch_size=8)
    )
    events: list = []
    train_run(cfg, events.append)
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert epochs and epochs[-1].val_metric > 0.9


def test_grey_pictures_stay_one_channel(tmp_path: Path) -> None:
    bundle = load_dataset(upload(tmp_path, shapes_zip(root="", grey=True), image_size=8), 0)
    assert bundle.spec.input_shape == (1, 8, 8)


def test_a_broken_image_is_skipped_and_counted(tmp_path: Path) -> None:
    content = make_zip(
        {
            **{f"a/{i}.png": png((0, 0, 0)) for i in range(3)},
            **{f"b/{i}.png": png((255, 255, 255)) for i in range(3)},
            "b/broken.png": b"\x89PNG this is not an image",
        }
    )
    assert load_dataset(upload(tmp_path, content), 0).extras["skipped"] == 1


def bomb_png() -> bytes:
    """A 20000 x 20000 black PNG: a few kilobytes packed, 400 megapixels unpacked."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"a/readme.txt": b"hello"}, "holds no images"),
        ({"1.png": png((0, 0, 0)), "2.png": png((9, 9, 9))}, "not inside a class folder"),
        ({"a/1.png": png((0, 0, 0)), "a/2.png": png((1, 1, 1))}, "at least 2 are needed"),
        ({"a/1.png": png((0, 0, 0)), "b/1.png": b"broken", "b/2.png": b"x"}, "fewer than 2"),
        ({"a/1.png": b"broken", "b/1.png": b"broken"}, "could be read"),
        ({"a/1.png": bomb_png(), "b/1.png": bomb_png()}, "could be read"),
    ],
)
def test_a_bad_archive_gets_a_message(tmp_path: Path, files: dict, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        load_dataset(upload(tmp_path, make_zip(files)), 0)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"just some text, not a zip", "not a .zip"),
        (b"PK\x05\x06" + b"\x00" * 18, "not a .zip"),  # an empty archive
    ],
)
def test_not_a_zip_is_refused_at_upload(tmp_path: Path, content: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        upload(tmp_path, content)


def test_a_truncated_zip_gets_a_message(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a readable ZIP"):
        load_dataset(upload(tmp_path, shapes_zip()[:300]), 0)


def test_names_inside_the_archive_never_touch_the_file_system(tmp_path: Path) -> None:
    content = make_zip(
        {
            **{f"../../escape/{i}.png": png((0, 0, 0)) for i in range(2)},
            **{f"/abs/{i}.png": png((255, 255, 255)) for i in range(2)},
        }
    )
    bundle = load_dataset(upload(tmp_path, content), 0)
    assert bundle.n_train + bundle.n_val == 4
    assert not (tmp_path.parent / "escape").exists()
    assert torch.isfinite(bundle.x_train).all()

"""Visitors' files: uploads kept by content, and nothing outside the allowed folders is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import RunConfig
from core.data import load_dataset
from core.data.base import DataConfig
from core.data.files import UPLOAD, FilePolicy, store_upload
from core.runs import RunRegistry


def policy(tmp_path: Path) -> FilePolicy:
    return FilePolicy(tmp_path / "uploads", tmp_path / "datasets")


CSV = b"x,y,label\n" + b"".join(f"{i},{i % 7},{i % 2}\n".encode() for i in range(40))


def test_an_upload_is_kept_by_its_content_and_loads(tmp_path: Path) -> None:
    files = policy(tmp_path)
    ref = store_upload(CSV, "mine.csv", files.uploads, "csv")
    assert ref.startswith(UPLOAD) and ref == store_upload(CSV, "again.CSV", files.uploads, "csv")
    assert len(list(files.uploads.iterdir())) == 1
    data = files.resolve(DataConfig(name="csv", path=ref))
    assert Path(data.path).parent == files.uploads and data.data_dir == str(files.datasets)
    assert load_dataset(data, 0).spec.task == "classification"


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (b"", "a.csv", "empty"),
        (b"   \n", "a.csv", "empty"),
        (b"a,b\n\x00\x01\x02", "a.csv", "binary"),
        (b"caf\xe9,1\n", "a.csv", "not UTF-8"),
        (CSV, "a.exe", "not a .csv"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(tmp_path: Path, content, name, reason) -> None:
    with pytest.raises(ValueError, match=reason):
        store_upload(content, name, tmp_path, "csv")


def test_an_oversized_upload_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPL_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(ValueError, match="the limit is"):
        store_upload(b"x,y\n" * 1000, "big.csv", tmp_path, "csv")


@pytest.mark.parametrize(
    "data",
    [
        DataConfig(name="text", path="/etc/passwd"),
        DataConfig(name="text", path="upload:../../etc/passwd"),
        DataConfig(name="csv", path="upload:0123456789abcdef.csv"),  # well-formed, not uploaded
        DataConfig(name="cifar10", data_dir="/"),
        DataConfig(name="cifar10", download=True),
    ],
)
def test_nothing_outside_the_allowed_folders_is_read(tmp_path: Path, data: DataConfig) -> None:
    with pytest.raises(ValueError):
        policy(tmp_path).check(data)


def test_a_registry_with_a_policy_refuses_paths_and_trains_uploads(tmp_path: Path) -> None:
    files = policy(tmp_path)
    registry = RunRegistry(tmp_path / "store", max_concurrent=1, files=files)
    try:
        with pytest.raises(ValueError, match="uploaded"):
            registry.start(RunConfig(data=DataConfig(name="text", path="/etc/passwd")), "v")
        ref = store_upload(CSV, "mine.csv", files.uploads, "csv")
        cfg = RunConfig(data=DataConfig(name="csv", path=ref))
        run_id = registry.start(cfg, owner="v")
        view = registry.wait(run_id, timeout=120)
        assert view.status == "completed", view.message
        assert view.config.data.path == ref  # what the visitor sees keeps the reference
    finally:
        registry.shutdown()

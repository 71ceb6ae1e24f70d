"""Bad command-line input ends in `error: <reason>` on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str]:
    """(exit code, stderr) of `python -m core --root root ...args`, run in this process."""
    code = main(["--root", str(root), *args])  # argparse's usage errors return too
    return code, capsys.readouterr().err


def assert_refused(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert "error:" in err and "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


@pytest.mark.parametrize(
    "setting, needles",
    [
        ("model.hidden=3.5", ("model.hidden", "3.5", "whole number")),
        ("seed=abc", ("seed", "abc", "whole number")),
        ("seed=true", ("seed", "True")),
        ("data.noise=loud", ("data.noise", "loud", "number")),
        ("data.noise=NaN", ("data.noise", "nan")),
        ("train.epochs=0", ("train.epochs", "0")),
        ("model.batch_norm=3", ("model.batch_norm", "true or false")),
        ("model.activation=swish", ("model.activation", "swish", "relu")),
        ("data.features=x2,cosx", ("data.features", "cosx", "x2")),
        ("data.name=nope", ("unknown dataset", "nope")),
        ("model.kind=nope", ("model.kind", "nope", "mlp")),
        ("model=3", ("model", "3")),
        ("model.nope=1", ("model.nope",)),
        ("data.name.x=1", ("data.name.x",)),
        ("nothing", ("section.field=value",)),
    ],
)
def test_bad_set_values_are_refused_with_a_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, setting: str, needles: tuple[str, ...]
):
    code, err = run_cli(capsys, tmp_path, "train", "--quiet", "--set", setting)
    assert_refused(code, err, *needles)


def test_a_bad_learning_rate_is_refused_before_any_run_starts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    code, err = run_cli(capsys, tmp_path, "train", "--set", "optim.lr=fast")
    assert_refused(code, err, "optim.lr", "fast")
    assert main(["--root", str(tmp_path), "runs", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_bad_config_files_are_refused_with_a_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    missing = tmp_path / "missing.json"
    assert_refused(*run_cli(capsys, tmp_path, "train", "--config", str(missing)), "missing.json")
    assert_refused(*run_cli(capsys, tmp_path, "train", "--config", str(tmp_path)), str(tmp_path))
    cases = {
        "broken.json": ("{not json", "not valid JSON"),
        "binary.json": (b"\xff\xfe\x00", "binary.json"),
        "list.json": ("[1, 2]", "mapping"),
        "typed.json": ('{"seed": "7"}', "seed"),
        "nested.json": ('{"model": {"kind": "mlp", "hidden": [8, "wide"]}}', "model.hidden"),
    }
    for name, (content, needle) in cases.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        assert_refused(*run_cli(capsys, tmp_path, "train", "--config", str(path)), needle)


def test_a_run_store_that_cannot_be_opened_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    assert_refused(*run_cli(capsys, not_a_folder, "runs"), str(not_a_folder))


@pytest.mark.parametrize(
    "args",
    [
        ("--dataset", "nope"),
        ("--model", "nope"),
        ("--epochs", "x"),
        ("--epochs", "0"),
        ("--n-samples", "5"),
        ("--lr", "nan"),
    ],
)
def test_bad_flags_are_refused_with_a_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...]
):
    assert_refused(*run_cli(capsys, tmp_path, "train", *args))

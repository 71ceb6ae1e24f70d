"""Command line for teachers and scripts: train headless, list stored runs.

python -m core train --dataset digits --model cnn --epochs 5 --json
python -m core train --dataset text --model rnn --set model.cell=lstm --set model.hidden_size=128
python -m core train --dataset spiral --backend ray     # on $RAY_ADDRESS's cluster, or a local Ray
python -m core runs
python -m core export RUN_ID --format script|notebook|onnx|tensorboard --out PATH
python -m core serve RUN_ID --port 8000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from core.backends import BACKENDS
from core.config import RunConfig
from core.data import DATASETS
from core.models import MODELS, default_config
from core.optim import OPTIMIZERS
from core.run_state import RunView
from core.runs import DEFAULT_ROOT, RunRegistry
from core.serialize import to_dict


def _parse_value(text: str) -> Any:
    """JSON if it parses ("3", "1e-3", "true", "[16,16]"), a comma list as a list, else a string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        if "," in text:
            return [_parse_value(part) for part in text.split(",") if part]
        return text


def apply_overrides(base: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply "section.field=value" overrides to a RunConfig dict (ValueError on a bad path)."""
    for item in overrides:
        if "=" not in item:
            raise ValueError(f"--set expects section.field=value, got {item!r}")
        path, value = item.split("=", 1)
        node = base
        keys = path.split(".")
        for key in keys[:-1]:
            if not isinstance(node.get(key), dict):
                raise ValueError(f"--set: {path!r} does not name a config field")
            node = node[key]
        if keys[-1] not in node:
            raise ValueError(f"--set: {path!r} does not name a config field; have {sorted(node)}")
        node[keys[-1]] = _parse_value(value)
    return base


def read_config(path: str) -> dict[str, Any]:
    """The checked RunConfig dict in JSON file `path`; ValueError saying why it cannot be used."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as err:
        raise ValueError(f"--config {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise ValueError(f"--config {path} is not UTF-8 text") from None
    try:
        return RunConfig.from_dict(json.loads(text)).to_dict()
    except json.JSONDecodeError as err:
        raise ValueError(f"--config {path} is not valid JSON: {err}") from None
    except ValueError as err:
        raise ValueError(f"--config {path}: {err}") from None


def build_config(args: argparse.Namespace) -> RunConfig:
    """The RunConfig described by the command-line flags; ValueError for any bad value."""
    data = read_config(args.config) if args.config else RunConfig().to_dict()
    if args.model:
        data["model"] = RunConfig(model=default_config(args.model)).to_dict()["model"]
    flags = {
        ("data", "name"): args.dataset,
        ("data", "n_samples"): args.n_samples,
        ("data", "data_dir"): args.data_dir,
        ("train", "epochs"): args.epochs,
        ("train", "batch_size"): args.batch_size,
        ("optim", "name"): args.optimizer,
        ("optim", "lr"): args.lr,
        ("seed",): args.seed,
        ("device",): args.device,
    }
    for path, value in flags.items():
        if value is not None:
            node = data
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
    return RunConfig.from_dict(apply_overrides(data, args.set or []))


def result_dict(view: RunView) -> dict[str, Any]:
    """The final metrics of a run as JSON-able data."""
    last = view.epochs[-1] if view.epochs else None
    progress = view.progress
    return {
        "run_id": view.run_id,
        "status": view.status,
        "message": view.message,
        "hint": view.hint,
        "epochs": last.epoch if last else 0,
        "steps": progress.step if progress else 0,
        "metric": last.metric_name if last else None,
        "train_loss": last.train_loss if last else None,
        "train_metric": last.train_metric if last else None,
        "val_loss": last.val_loss if last else None,
        "val_metric": last.val_metric if last else None,
        "best_val_metric": view.best_val_metric(),
        "samples_per_s": progress.samples_per_s if progress else None,
        "elapsed_s": progress.elapsed_s if progress else None,
        "parameters": view.plan.model.total_params if view.plan else None,
    }


def cmd_train(args: argparse.Namespace) -> int:
    cfg = build_config(args)
    registry = RunRegistry(args.root, max_concurrent=1, backend=args.backend)
    try:
        run_id = registry.start(cfg, owner=args.owner)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    shown = 0
    try:
        while True:
            view = registry.snapshot(run_id)
            assert view is not None
            for ep in view.epochs[shown:]:
                if not args.quiet:
                    print(
                        f"epoch {ep.epoch:3d}  step {ep.step:6d}  train loss {ep.train_loss:.4f}  "
                        f"val loss {ep.val_loss:.4f}  val {ep.metric_name} {ep.val_metric:.4f}  "
                        f"{ep.samples_per_s:,.0f} samples/s",
                        file=sys.stderr,
                    )
            shown = len(view.epochs)
            if not view.active:
                break
            time.sleep(0.1)
    except KeyboardInterrupt:
        registry.control(run_id, "stop")
    view = registry.wait(run_id)
    result = result_dict(view)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{view.status}: {view.message}")
        if view.hint and view.status != "completed":
            print(f"hint: {view.hint}")
        for key in ("val_loss", "val_metric", "samples_per_s"):
            print(f"{key}: {result[key]}")
    return 0 if view.status in ("completed", "stopped") else 1


def cmd_runs(args: argparse.Namespace) -> int:
    registry = RunRegistry(args.root)
    records = registry.list()
    if args.json:
        print(json.dumps([to_dict(r) for r in records]))
        return 0
    for r in records:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created))
        print(
            f"{r.run_id}  {created}  {r.status:11s}  {r.config.data.name:12s} {r.config.model.kind}"
        )
    if not records:
        print("no stored runs")
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--root", default=None, help=f"run store folder (default $BPL_DATA_DIR or {DEFAULT_ROOT})"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train one run headless and print its final metrics")
    train.add_argument("--dataset", choices=sorted(DATASETS))
    train.add_argument("--model", choices=sorted(MODELS))
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--lr", type=float)
    train.add_argument("--optimizer", choices=sorted(OPTIMIZERS))
    train.add_argument("--seed", type=int)
    train.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])
    train.add_argument("--n-samples", type=int)
    train.add_argument("--data-dir", help="folder with MNIST/Fashion-MNIST/CIFAR-10 files")
    train.add_argument("--config", help="a RunConfig JSON file to start from")
    train.add_argument(
        "--set",
        action="append",
        metavar="SECTION.FIELD=VALUE",
        help="override any config field, e.g. model.hidden=32,32 or data.noise=0.2",
    )
    train.add_argument("--owner", default="cli")
    train.add_argument(
        "--backend",
        choices=BACKENDS,
        help="where to train: local worker process, or Ray ($RAY_ADDRESS, else a local Ray); "
        "default $BPL_BACKEND, else ray when $RAY_ADDRESS is set, else local",
    )
    train.add_argument("--json", action="store_true", help="print the final metrics as JSON")
    train.add_argument("--quiet", action="store_true", help="no per-epoch lines on stderr")
    train.set_defaults(func=cmd_train)
    runs = sub.add_parser("runs", help="list stored runs")
    runs.add_argument("--json", action="store_true")
    runs.set_defaults(func=cmd_runs)
    export = sub.add_parser("export", help="export a stored run's trained model")
    export.add_argument("run_id")
    export.add_argument(
        "--format", choices=["script", "notebook", "onnx", "tensorboard"], default="script"
    )
    export.add_argument(
        "--out", required=True, help="file to write (a folder for tensorboard), e.g. model.onnx"
    )
    export.set_defaults(func=cmd_export)
    serve = sub.add_parser("serve", help="serve stored runs as an HTTP API (FastAPI)")
    serve.add_argument("run_ids", nargs="*", help="runs to serve (default: all with weights)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
    i18n = sub.add_parser("i18n", help="keep the translation catalogs in step with the code")
    i18n.add_argument("action", choices=["update", "missing"])
    i18n.add_argument("paths", nargs="*", help="missing: only strings from these files")
    i18n.add_argument("--lang", default="zh")
    i18n.add_argument(
        "--extra",
        action="append",
        default=[],
        help="a JSON file {english: translation} to use besides the catalog",
    )
    i18n.set_defaults(func=cmd_i18n)
    return parser


def _store(args: argparse.Namespace):
    from core.store import RunStore

    return RunStore(args.root or os.environ.get("BPL_DATA_DIR") or DEFAULT_ROOT)


def cmd_export(args: argparse.Namespace) -> int:
    """Write a run as a training script, a notebook, an ONNX model or TensorBoard events."""
    store = _store(args)
    view = store.load(args.run_id)
    if view is None:
        raise ValueError(f"no run {args.run_id!r} in {store.root}")
    out = Path(args.out)
    title = f"Backprop Lab run {view.run_id}"
    if args.format == "script":
        from core.export_code import export_script

        out.write_text(export_script(view.config, title))
    elif args.format == "notebook":
        from core.export_code import export_notebook

        out.write_text(export_notebook(view.config, title))
    elif args.format == "tensorboard":
        from core.export_tensorboard import export_tensorboard

        export_tensorboard(view, out)
    else:
        from core.export import export_onnx
        from core.predict import load_trained

        export_onnx(load_trained(store, args.run_id), out)
    print(f"wrote {out} ({args.format})")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve predictions until interrupted (Ctrl+C)."""
    import uvicorn

    from core.serve import make_app

    store = _store(args)
    missing = [r for r in args.run_ids if not store.checkpoint_path(r).is_file()]
    if missing:
        raise ValueError(f"no saved weights for run(s) {', '.join(missing)}")
    uvicorn.run(make_app(store, args.run_ids or None), host=args.host, port=args.port)
    return 0


def cmd_i18n(args: argparse.Namespace) -> int:
    """Update a catalog from the code (and translation files), or list untranslated strings."""
    from core import i18n_catalog

    extra: dict[str, str] = {}
    for name in args.extra:
        extra.update(json.loads(Path(name).read_text(encoding="utf-8")))
    if args.action == "update":
        total, untranslated = i18n_catalog.update(args.lang, extra)
        print(f"{args.lang}: {total} messages, {untranslated} untranslated")
        return 0
    files = [Path(p).resolve() for p in args.paths] or None
    gaps = [m for m in i18n_catalog.missing(args.lang, files) if not extra.get(m)]
    for msgid in gaps:
        print(json.dumps(msgid, ensure_ascii=False))
    return 1 if gaps else 0


def main(argv: list[str] | None = None) -> int:
    """Run one command; the exit status: 0 ok, 1 a run that failed, 2 bad input (`error: ...`)."""
    try:
        args = make_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already printed
        return int(exc.code or 0)
    try:
        return args.func(args)
    except (ValueError, OSError) as exc:  # a bad value, or a --root/--config that cannot be used
        print(f"error: {exc}", file=sys.stderr)
        return 2

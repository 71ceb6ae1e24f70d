"""A trained model as an HTTP API (FastAPI on uvicorn): `python -m core serve [RUN_ID ...]`.

GET  /models                     the runs served, each with what its predict takes (`Trained.describe`)
POST /models/{run_id}/predict    a JSON object in (see `core.predict`), the prediction out
GET  /docs                       OpenAPI documentation

The same `core.predict.predict` answers here and on the Try page. Bad requests get 4xx with a
readable `detail`: 404 an unknown run (or one not served), 413 an oversized body, 422 an input the
model cannot take. Models are loaded on first use and kept (a few at a time).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from fastapi import FastAPI, HTTPException, Request

from core.predict import Trained, load_trained, predict
from core.store import RunStore

MAX_BODY_BYTES = 2 * 2**20
LOADED_MODELS = 8


class ModelCache:
    """Runs loaded for serving, the most recently used kept (loading rebuilds the dataset)."""

    def __init__(self, store: RunStore, run_ids: list[str] | None) -> None:
        self.store, self.run_ids = store, run_ids
        self._loaded: OrderedDict[str, Trained] = OrderedDict()
        self._lock = threading.Lock()

    def served(self) -> list[str]:
        """Run ids this server answers for: the ones named, else every run with saved weights."""
        if self.run_ids:
            return list(self.run_ids)
        return [
            r.run_id for r in self.store.records() if self.store.checkpoint_path(r.run_id).is_file()
        ]

    def get(self, run_id: str) -> Trained:
        if run_id not in self.served():
            raise HTTPException(404, f"no run {run_id!r} is served here; see GET /models")
        with self._lock:
            if run_id in self._loaded:
                self._loaded.move_to_end(run_id)
                return self._loaded[run_id]
        try:
            trained = load_trained(self.store, run_id)
        except KeyError:
            raise HTTPException(404, f"no run {run_id!r}") from None
        except ValueError as err:
            raise HTTPException(409, str(err)) from None
        with self._lock:
            self._loaded[run_id] = trained
            while len(self._loaded) > LOADED_MODELS:
                self._loaded.popitem(last=False)
        return trained


def make_app(store: RunStore, run_ids: list[str] | None = None) -> FastAPI:
    """The API for `run_ids` (None: every stored run with weights) of `store`."""
    models = ModelCache(store, run_ids)
    app = FastAPI(
        title="Backprop Lab models",
        description="Predictions from models trained in Backprop Lab.",
    )

    @app.get("/models")
    def list_models() -> list[dict[str, Any]]:
        """The served runs and the input each one takes."""
        return [models.get(run_id).describe() for run_id in models.served()]

    @app.post("/models/{run_id}/predict")
    async def predict_one(run_id: str, request: Request) -> dict[str, Any]:
        """One prediction: send the JSON object `GET /models` describes for this run."""
        size = request.headers.get("content-length", "0")
        if not size.isdigit() or int(size) > MAX_BODY_BYTES:
            raise HTTPException(413, f"the request body must be at most {MAX_BODY_BYTES} bytes")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(413, f"the request body must be at most {MAX_BODY_BYTES} bytes")
        try:
            raw = json.loads(body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise HTTPException(422, "the request body is not JSON") from None
        trained = models.get(run_id)
        try:
            return predict(trained, raw)
        except ValueError as err:
            raise HTTPException(422, str(err)) from None

    return app


def curl_command(
    run_id: str, example: dict[str, Any], base_url: str = "http://localhost:8000"
) -> str:
    """The exact command that calls this run's predict (shown in the app next to the run)."""
    body = json.dumps(example).replace("'", "'\\''")
    return (
        f"curl -s -X POST {base_url}/models/{run_id}/predict "
        f"-H 'Content-Type: application/json' -d '{body}'"
    )


def _plain(value: Any) -> Any:
    """A pandas/numpy cell as a JSON value (NaN: null)."""
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and value != value else value


def example_input(trained: Trained) -> dict[str, Any]:
    """A valid input for this run's predict, taken from its validation data."""
    kind, data = trained.input_kind, trained.data
    if kind == "point":
        return {"point": [round(float(v), 3) for v in data.extras["points_val"][0]]}
    if kind == "image":
        c, h, w = data.spec.input_shape
        return {"image": [[0] * w for _ in range(h)] if c == 1 else [[[0, 0, 0]] * w] * h}
    if kind == "prompt":
        return {"prompt": "".join(data.spec.vocab[i] for i in data.x_val[0][:12]), "length": 40}
    if kind == "text":
        return {"text": data.extras["texts_val"][0]}
    if kind == "series":
        return {"series": [round(float(v), 3) for v in data.x_val[0].flatten()]}
    if kind == "row":
        first = data.extras["raw_val"].iloc[0]
        target = data.extras["target"]
        return {"row": {str(k): _plain(v) for k, v in first.items() if str(k) != target}}
    return {"sequence": "".join(data.spec.vocab[i] for i in data.x_val[0])}

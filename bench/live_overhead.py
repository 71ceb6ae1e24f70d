"""Live-view overhead: training throughput while a Chromium tab watches the dashboard vs headless.

1. headless: `python -m core train --config cfg.json --json` (samples_per_s from its JSON);
2. live: `streamlit run app.py` + Chromium on the Playground; set the epochs, click Start, time
   until the loss chart draws its first point, keep the tab watching until the run ends, then read
   the run's own samples/s (its Progress) from the run store;
3. headless again (the machine's load drifts; the ratio uses the mean of both headless runs).

Both sides use the same RunConfig (the Playground's default MLP on the spiral) and the same number
of torch threads per worker (BPL_WORKER_THREADS, default 1).

    python bench/live_overhead.py                 # targets: ratio >= 0.85, first point <= 2 s
    python bench/live_overhead.py --epochs 400 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import RunConfig  # noqa: E402
from core.store import RunStore  # noqa: E402
from tests.e2e.test_browser import (  # noqa: E402
    CHROMIUM_ARGS,
    FIRST_POINT_JS,
    free_port,
    start_server,
    stop_server,
    wait_healthy,
)


def bench_config(epochs: int) -> RunConfig:
    """The Playground's default configuration with `epochs` epochs."""
    cfg = RunConfig()
    return replace(cfg, train=replace(cfg.train, epochs=epochs))


def headless(cfg: RunConfig, workdir: Path) -> float:
    """samples/s of `python -m core train --json` on `cfg`."""
    path = workdir / "cfg.json"
    path.write_text(cfg.to_json())
    cmd = [sys.executable, "-m", "core", "--root", str(workdir / "cli_runs"), "train"]
    cmd += ["--config", str(path), "--json", "--quiet"]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["status"] == "completed", result
    return float(result["samples_per_s"])


def live(cfg: RunConfig, workdir: Path) -> tuple[float, float]:
    """(samples/s of the run while a browser watches it, seconds from Start to first loss point)."""
    from playwright.sync_api import sync_playwright

    data_dir, port = workdir / "app_runs", free_port()
    proc = start_server(data_dir, port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/playground")
            epochs = page.locator(".st-key-playground-train-epochs input")
            epochs.wait_for(timeout=60_000)
            epochs.fill(str(cfg.train.epochs))
            epochs.press("Enter")
            time.sleep(3)  # let the server settle (forkserver warm, form rerun done)
            start = page.locator(".st-key-playground-start button")
            t0 = time.perf_counter()
            start.click()
            page.wait_for_function(FIRST_POINT_JS, timeout=60_000, polling=20)
            first_point_s = time.perf_counter() - t0
            page.get_by_text("— completed").wait_for(timeout=600_000)
            page.wait_for_function(FIRST_POINT_JS, timeout=30_000)  # the final chart is drawn
            browser.close()
    finally:
        stop_server(proc)
    store = RunStore(data_dir)
    (record,) = store.records()
    view = store.load(record.run_id)
    assert view is not None and view.progress is not None
    assert view.config.train.epochs == cfg.train.epochs, "the form did not take the epochs"
    return view.progress.samples_per_s, first_point_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("BPL_WORKER_THREADS", "1")
    cfg = bench_config(args.epochs)
    ratios, firsts = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            work = Path(tmp) / str(i)
            work.mkdir()
            before = headless(cfg, work)
            watched, first = live(cfg, work)
            after = headless(cfg, work)
            ratio = watched / statistics.mean([before, after])
            ratios.append(ratio)
            firsts.append(first)
            print(
                f"repeat {i + 1}: headless {before:,.0f} / {after:,.0f} samples/s, "
                f"live {watched:,.0f} samples/s -> ratio {ratio:.2f}; "
                f"Start -> first loss point {first:.2f} s"
            )
    print(f"live/headless throughput ratio: {statistics.median(ratios):.2f} (target >= 0.85)")
    print(
        f"Start -> first loss point in the browser: {statistics.median(firsts):.2f} s (target <= 2)"
    )


if __name__ == "__main__":
    main()

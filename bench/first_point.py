"""Start -> first loss point: how long a learner waits after clicking Start, and where it goes.

For every starter preset, through a long-lived `RunRegistry` (as the app has one), time:
- start: `registry.start(cfg)` returns (plan + queue + process launch; the button callback's cost);
- first point: the run's view holds its first training loss.
Each preset runs `--repeats` times; the median is reported. Target: first point <= 0.5 s.
With `--browser`, also the time from a click on Start in Chromium to the loss chart's first
point (target <= 1.0 s), on a `streamlit run app.py` server started here.

    python bench/first_point.py
    python bench/first_point.py --repeats 5 --browser
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.presets import PRESETS  # noqa: E402
from core.runs import RunRegistry  # noqa: E402

TARGET_S = 0.5
BROWSER_TARGET_S = 1.0


def time_first_point(registry: RunRegistry, name: str) -> tuple[float, float]:
    """(seconds for start() to return, seconds until the view holds a loss point) for a preset."""
    cfg = PRESETS[name].config
    t0 = time.perf_counter()
    run_id = registry.start(cfg, owner="bench")
    started = time.perf_counter() - t0
    while True:
        view = registry.snapshot(run_id)
        assert view is not None
        if view.loss_steps:
            first = time.perf_counter() - t0
            break
        if not view.active:
            raise RuntimeError(f"{name} ended {view.status} before a loss point: {view.message}")
        time.sleep(0.002)
    registry.control(run_id, "stop")
    registry.wait(run_id, timeout=30)
    return started, first


def registry_bench(repeats: int) -> bool:
    ok = True
    with tempfile.TemporaryDirectory() as root:
        registry = RunRegistry(root, max_concurrent=1)
        try:
            registry.wait_ready(timeout=60)
            print(
                f"{'starter':10s} {'start() s':>10s} {'first point s':>14s}  (median of {repeats})"
            )
            for name in PRESETS:
                times = [time_first_point(registry, name) for _ in range(repeats)]
                start = statistics.median(t[0] for t in times)
                first = statistics.median(t[1] for t in times)
                verdict = "ok" if first <= TARGET_S else f"over {TARGET_S} s"
                ok &= first <= TARGET_S
                print(f"{name:10s} {start:10.3f} {first:14.3f}  {verdict}")
        finally:
            registry.shutdown()
    return ok


def browser_bench(repeats: int) -> bool:
    """Click Start on the Playground (each preset loaded by its link) and wait for the chart."""
    from playwright.sync_api import sync_playwright

    from core.urlstate import config_to_query
    from tests.e2e.test_browser import (
        CHROMIUM_ARGS,
        FIRST_POINT_JS,
        free_port,
        start_server,
        stop_server,
        wait_healthy,
    )

    ok = True
    with tempfile.TemporaryDirectory() as workdir:
        port = free_port()
        proc = start_server(Path(workdir) / "runs", port)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
                )
                print(f"{'starter':10s} {'click -> chart s':>17s}  (median of {repeats})")
                for name, preset in PRESETS.items():
                    query = "&".join(f"{k}={v}" for k, v in config_to_query(preset.config).items())
                    times = []
                    for _ in range(repeats):
                        page = browser.new_page(viewport={"width": 1400, "height": 1000})
                        page.goto(f"{url}/playground?{query}")
                        start = page.locator(".st-key-playground-start button")
                        start.wait_for(timeout=60_000)
                        page.wait_for_function(
                            "() => !document.querySelector('.st-key-playground-start button')"
                            ".disabled",
                            timeout=60_000,
                        )
                        t0 = time.perf_counter()
                        start.click()
                        page.wait_for_function(FIRST_POINT_JS, timeout=60_000)
                        times.append(time.perf_counter() - t0)
                        page.locator(".st-key-dashboard-stop button").click()
                        page.close()
                    value = statistics.median(times)
                    ok &= value <= BROWSER_TARGET_S
                    verdict = "ok" if value <= BROWSER_TARGET_S else f"over {BROWSER_TARGET_S} s"
                    print(f"{name:10s} {value:17.3f}  {verdict}")
                browser.close()
        finally:
            stop_server(proc)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="also time it in Chromium")
    args = parser.parse_args()
    ok = registry_bench(args.repeats)
    if args.browser:
        ok &= browser_bench(args.repeats)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

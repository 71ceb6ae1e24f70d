"""A class on one server: N visitors at once, each opening Home and starting a run, measured.

Starts `streamlit run app.py` (its own run store), then N headless visitors (`bench/stclient.py`,
the app's websocket protocol, no browser) each: open Home, click a starter's "Train it" (or, with
`--setup small`, open a small setup's link on the Playground and click Start), and watch the live
dashboard (its 1 s refresh) until the run ends. Meanwhile a probe visitor opens Home every second.

Reports: runs started / completed / failed / still queued or running at the deadline, page
errors (exceptions on a page, dropped connections), Home render time under load (probe), click ->
Playground showing the run (median, max), and the server's process tree memory (before, peak,
after the runs end). Targets on 2 cores with 30 visitors: Home <= 2 s, click -> Playground <= 3 s
(medians), memory back near its baseline.

    python bench/load.py                        # 30 visitors, each clicks a starter
    python bench/load.py --visitors 10 --setup small --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stclient import Visitor  # noqa: E402
from core.config import RunConfig  # noqa: E402
from core.data.base import DataConfig  # noqa: E402
from core.models import MLPConfig  # noqa: E402
from core.presets import PRESETS  # noqa: E402
from core.trainer import TrainConfig  # noqa: E402
from core.urlstate import config_to_query  # noqa: E402

HOME_TARGET_S = 2.0
CLICK_TARGET_S = 3.0
# A run that takes a second or two of one core: enough to exercise start, queue and finish.
SMALL_SETUP = RunConfig(
    data=DataConfig(name="spiral", n_samples=400),
    model=MLPConfig(hidden=(16,)),
    train=TrainConfig(epochs=8, batch_size=32),
)
ENDED = ("completed", "stopped", "failed", "diverged", "interrupted", "damaged")


@dataclass
class VisitorResult:
    home_s: float = 0.0
    click_s: float = 0.0  # click -> the Playground page showing the run
    run_id: str = ""
    status: str = ""  # the run's last status seen on the page
    errors: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    visitors: int
    setup: str
    started: int
    completed: int
    failed: int
    unfinished: int  # still queued or running at the deadline
    page_errors: list[str]
    home_median_s: float
    home_max_s: float
    probe_home_median_s: float
    probe_home_max_s: float
    click_median_s: float
    click_max_s: float
    first_home_s: float  # the first visitor after a server start (imports, warm-up)
    first_click_s: float
    memory_before_mb: float  # after that first visitor's run: the server warmed up
    memory_peak_mb: float
    memory_after_mb: float
    seconds: float

    def summary(self) -> str:
        return "\n".join(
            [
                f"{self.visitors} visitors ({self.setup}), {self.seconds:.0f} s",
                f"runs: {self.started} started, {self.completed} completed, "
                f"{self.failed} failed, {self.unfinished} unfinished",
                f"page errors: {len(self.page_errors)}",
                f"Home during load: median {self.home_median_s:.2f} s, max {self.home_max_s:.2f} s "
                f"(probe every second: median {self.probe_home_median_s:.2f} s, "
                f"max {self.probe_home_max_s:.2f} s; target median <= {HOME_TARGET_S} s)",
                f"click -> Playground with the run: median {self.click_median_s:.2f} s, "
                f"max {self.click_max_s:.2f} s (target median <= {CLICK_TARGET_S} s)",
                f"first visitor after a server start: Home {self.first_home_s:.2f} s, "
                f"click -> Playground {self.first_click_s:.2f} s (before the class)",
                f"server memory (process tree): {self.memory_before_mb:.0f} MB before, "
                f"{self.memory_peak_mb:.0f} MB peak, {self.memory_after_mb:.0f} MB after",
            ]
        )


# -- memory of the server and its workers -----------------------------------------------------------
def tree_memory_mb(pid: int) -> float:
    """Memory of `pid` and all its descendants, from /proc (Linux): proportional set size, so pages
    that forked workers share with the fork server are counted once, not once per worker."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total_kb, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


class MemorySampler(threading.Thread):
    def __init__(self, pid: int, every_s: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s, self.peak, self._done = pid, every_s, 0.0, threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.every_s):
            self.peak = max(self.peak, tree_memory_mb(self.pid))

    def stop(self) -> float:
        self._done.set()
        self.join()
        return self.peak


# -- one visitor ----------------------------------------------------------------------------------------
def _run_status(texts: list[str]) -> tuple[str, str]:
    """(run id, status) from the dashboard header '#### Run `id` — status'."""
    for t in texts:
        if t.startswith("#### Run `"):
            run_id = t.split("`")[1]
            return run_id, t.rsplit("— ", 1)[-1].strip()
    return "", ""


async def first_visitor(url: str, timeout_s: float) -> VisitorResult:
    """The teacher, before class: the server's first page views and run (imports, warm-up)."""
    result = await visitor(url, 0, "small", time.monotonic() + timeout_s, 0.0)
    if result.errors or result.status != "completed":
        raise RuntimeError(f"the warm-up run did not complete: {result}")
    return result


async def visitor(url: str, index: int, setup: str, deadline: float, delay: float) -> VisitorResult:
    result = VisitorResult()
    await asyncio.sleep(delay)
    try:
        async with Visitor(url, timeout_s=max(5.0, deadline - time.monotonic())) as v:
            home = await v.open("")
            result.home_s = home.seconds
            result.errors += home.exceptions
            if setup == "starters":
                page = await v.click(home.button("Train it", index % len(PRESETS)))
            else:
                query = "&".join(f"{k}={val}" for k, val in config_to_query(SMALL_SETUP).items())
                form = await v.open("playground", query)
                page = await v.click(form.button("Start"))
            t_click = page.seconds
            result.run_id, result.status = _run_status(page.texts)
            result.errors += page.exceptions
            result.click_s = t_click
            while result.status not in ENDED and time.monotonic() < deadline:
                await v.watch(1.0)
                run_id, status = _run_status(v.page.texts)
                if run_id:
                    result.run_id, result.status = run_id, status
                result.errors += v.page.exceptions
    except Exception as err:  # noqa: BLE001 - a dropped page is a finding, not a crash
        result.errors.append(f"visitor {index}: {type(err).__name__}: {err}")
    result.errors = sorted(set(result.errors))
    return result


async def home_probe(url: str, stop: asyncio.Event) -> list[float]:
    """A visitor who keeps opening Home while the class trains (the slowest render is reported)."""
    times: list[float] = []
    async with Visitor(url) as v:
        while not stop.is_set():
            times.append((await v.open("")).seconds)
            try:
                await asyncio.wait_for(stop.wait(), 1.0)
            except TimeoutError:
                pass
    return times


async def class_load(url: str, visitors: int, setup: str, timeout_s: float, spread_s: float):
    deadline = time.monotonic() + timeout_s
    stop = asyncio.Event()
    probe = asyncio.create_task(home_probe(url, stop))
    results = await asyncio.gather(
        *(
            visitor(url, i, setup, deadline, spread_s * i / max(1, visitors))
            for i in range(visitors)
        )
    )
    stop.set()
    return results, await probe


def run_load(
    url: str,
    server_pid: int,
    visitors: int = 30,
    setup: str = "starters",
    timeout_s: float = 600.0,
    spread_s: float = 3.0,
    settle_s: float = 5.0,
) -> LoadReport:
    """Drive `visitors` against a running server and measure (see the module docstring)."""
    first = asyncio.run(first_visitor(url, timeout_s))
    time.sleep(settle_s)
    before = tree_memory_mb(server_pid)
    sampler = MemorySampler(server_pid)
    sampler.start()
    t0 = time.monotonic()
    results, probe = asyncio.run(class_load(url, visitors, setup, timeout_s, spread_s))
    seconds = time.monotonic() - t0
    peak = sampler.stop()
    time.sleep(settle_s)  # workers exit, the server frees what the runs held
    after = tree_memory_mb(server_pid)
    homes = [r.home_s for r in results if r.home_s]
    clicks = [r.click_s for r in results if r.click_s]
    return LoadReport(
        visitors=visitors,
        setup=setup,
        started=sum(bool(r.run_id) for r in results),
        completed=sum(r.status == "completed" for r in results),
        failed=sum(r.status in ("failed", "diverged", "interrupted", "damaged") for r in results),
        unfinished=sum(bool(r.run_id) and r.status not in ENDED for r in results),
        page_errors=[e for r in results for e in r.errors],
        home_median_s=statistics.median(homes) if homes else float("nan"),
        home_max_s=max(homes, default=float("nan")),
        probe_home_median_s=statistics.median(probe) if probe else float("nan"),
        probe_home_max_s=max(probe, default=float("nan")),
        click_median_s=statistics.median(clicks) if clicks else float("nan"),
        click_max_s=max(clicks, default=float("nan")),
        first_home_s=first.home_s,
        first_click_s=first.click_s,
        memory_before_mb=before,
        memory_peak_mb=max(peak, before),
        memory_after_mb=after,
        seconds=seconds,
    )


def main() -> int:
    from tests.e2e.test_browser import free_port, start_server, stop_server, wait_healthy

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=30)
    parser.add_argument("--setup", choices=["starters", "small"], default="starters")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds for all runs")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        port = free_port()
        proc = start_server(Path(workdir) / "runs", port)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            report = run_load(url, proc.pid, args.visitors, args.setup, args.timeout)
        finally:
            stop_server(proc)
    print(json.dumps(asdict(report), indent=1) if args.json else report.summary())
    ok = report.failed == 0 and not report.page_errors and report.unfinished == 0
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())

"""Server time of one Playground render while a run trains, for every starter and every tab.

A browser shows grey skeletons for as long as a script run takes; this times the script runs the
server makes for the loaded Playground (the form, the plan, the dashboard with a running run) via
Streamlit's AppTest, which runs the same script in-process. First a reload (a new session that
opens the Playground), then one render per dashboard tab. Target: every render <= 1.0 s.

    python bench/page_render.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_S = 1.0
OWNER = "bench-owner-key"


def render_times(app: str, preset: str) -> dict[str, float]:
    """Seconds per script run: a fresh session opening the Playground, then each tab."""
    from streamlit.testing.v1 import AppTest

    from core.presets import PRESETS
    from pages.ui import state
    from pages.ui.dashboard.tabs import TAB_KEY, TABS

    at = AppTest.from_file(app, default_timeout=60)
    at.session_state[state.OWNER] = OWNER
    at.run()
    at.switch_page("pages/playground.py")
    at.session_state[state.CONFIG] = PRESETS[preset].config
    at.run()
    at.button(key="playground.start").click()
    at.run()
    time.sleep(2.0)  # let it train for a moment: curves, frames and samples to draw

    reload = AppTest.from_file(app, default_timeout=60)
    reload.session_state[state.OWNER] = OWNER
    reload.run()
    reload.switch_page("pages/playground.py")
    t0 = time.perf_counter()
    reload.run()
    times = {"reload": time.perf_counter() - t0}
    assert not reload.exception, [e.value for e in reload.exception]
    for tab in TABS:
        reload.session_state[TAB_KEY] = tab
        t0 = time.perf_counter()
        reload.run()
        times[tab] = time.perf_counter() - t0
        assert not reload.exception, [e.value for e in reload.exception]
    state.registry().control(reload.session_state[state.RUN_ID], "stop")
    return times


def main() -> int:
    from core.presets import PRESETS

    with tempfile.TemporaryDirectory() as root:
        os.environ["BPL_DATA_DIR"] = root
        import streamlit as st

        from pages.ui import state

        state.registry().wait_ready(timeout=60)
        app = str(ROOT / "app.py")
        worst = 0.0
        for preset in PRESETS:
            times = render_times(app, preset)
            worst = max(worst, *times.values())
            cells = "  ".join(f"{k} {v:.2f}" for k, v in times.items())
            print(f"{preset:8s} median {statistics.median(times.values()):.2f} s | {cells}")
        st.cache_resource.clear()  # stops the registry's workers
    verdict = "ok" if worst <= TARGET_S else f"over {TARGET_S} s"
    print(f"slowest render {worst:.2f} s (target <= {TARGET_S} s): {verdict}")
    return 0 if worst <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())

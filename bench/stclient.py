"""A headless Streamlit visitor: speaks the app's websocket protocol, as the browser's JavaScript does.

A real Chromium page costs ~150 MB and a CPU core to draw; a class of 30 on a 2-core machine cannot
be simulated with 30 of them. This client sends the same `BackMsg`s the browser sends (open a page,
click a button, rerun a fragment on its timer) and reads the `ForwardMsg`s back, so the server does
exactly the work a visitor causes while nothing is drawn. Used by `bench/load.py` and the CI load test.

    async with Visitor("http://127.0.0.1:8501") as v:
        home = await v.open("")                       # Home page
        page = await v.click(home.button("Train it"))  # the first starter -> Playground
        await v.watch(seconds=5)                       # the dashboard's 1 s refresh, like a browser
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
}
TEXT_ELEMENTS = ("markdown", "alert", "heading", "text", "code", "metric")


@dataclass
class PageRun:
    """What one script run put on the page: its text, its buttons, its errors, how long it took."""

    texts: list[str] = field(default_factory=list)
    buttons: dict[str, list[str]] = field(default_factory=dict)  # label -> widget ids, page order
    exceptions: list[str] = field(default_factory=list)
    page_name: str = ""
    seconds: float = 0.0

    def button(self, label: str, index: int = 0) -> str:
        """The widget id of the `index`-th button labelled `label`."""
        ids = self.buttons.get(label, [])
        if len(ids) <= index:
            raise LookupError(f"no button {label!r} #{index} on the page {self.page_name!r}")
        return ids[index]

    def has_text(self, fragment: str) -> bool:
        return any(fragment in t for t in self.texts)


class Visitor:
    """One browser tab's conversation with the server (no cookies: a new visitor each time)."""

    def __init__(self, url: str, timeout_s: float = 60.0) -> None:
        self.ws_url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.timeout_s = timeout_s
        self.page_name = ""
        self.page_hash = ""  # the page now shown (sent back with every rerun, as the browser does)
        self.query = ""
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._current = PageRun()
        self._finished: asyncio.Queue[PageRun] = asyncio.Queue()
        self._fragments: dict[str, float] = {}  # fragment id -> rerun interval (auto_rerun)
        self.closed_error: BaseException | None = None
        self._fragment_run = False
        self.page = PageRun()  # the page as the last finished run left it

    async def __aenter__(self) -> Visitor:
        self._ws = await websockets.connect(
            self.ws_url, subprotocols=["streamlit"], max_size=2**28, open_timeout=self.timeout_s
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc) -> None:
        if self._reader:
            self._reader.cancel()
        if self._ws:
            await self._ws.close()

    # -- what a visitor does ----------------------------------------------------------------------
    async def open(self, page_name: str = "", query: str = "") -> PageRun:
        """Load a page (its URL path, "" for the default page) with a query string."""
        self.page_name, self.query, self.page_hash = page_name, query, ""
        return await self._rerun()

    async def click(self, widget_id: str) -> PageRun:
        """Click a button; returns the page once the rerun(s) it caused have finished."""
        return await self._rerun(triggers=[widget_id])

    async def watch(self, seconds: float) -> list[float]:
        """Stay on the page for `seconds`, rerunning its fragments on their timers like a browser.
        Returns the duration of each fragment run."""
        durations: list[float] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self._fragments:
                await asyncio.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
                continue
            fragment_id, interval = next(iter(self._fragments.items()))
            await asyncio.sleep(interval)
            durations.append((await self._rerun(fragment_id=fragment_id)).seconds)
        return durations

    # -- the protocol -------------------------------------------------------------------------------
    async def _rerun(self, triggers: list[str] = (), fragment_id: str = "") -> PageRun:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_name = self.page_name
        state.page_script_hash = self.page_hash
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = True
        for wid in triggers:
            widget = state.widget_states.widgets.add()
            widget.id = wid
            widget.trigger_value = True
        self._fragment_run = bool(fragment_id)
        while not self._finished.empty():
            self._finished.get_nowait()
        t0 = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        run = await asyncio.wait_for(self._next_finished(), self.timeout_s)
        run.seconds = time.perf_counter() - t0
        self.page = run
        return run

    async def _next_finished(self) -> PageRun:
        run = await self._finished.get()
        if isinstance(run, BaseException):
            raise run
        return run

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg)
        except BaseException as err:  # noqa: BLE001 - handed to whoever waits for a page
            self.closed_error = err
            self._finished.put_nowait(ConnectionError(f"websocket closed: {err!r}"))

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            if not self._fragment_run:  # a whole page run: start the page afresh
                self._current = PageRun(page_name=self.page_name)
                self._fragments.clear()
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "navigation":
            self.page_hash = msg.navigation.page_script_hash
            for app_page in msg.navigation.app_pages:
                if app_page.page_script_hash == self.page_hash:
                    self.page_name = app_page.url_pathname
                    self._current.page_name = self.page_name
        elif kind == "auto_rerun":
            self._fragments[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            self._fragments.clear()
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._record(msg.delta.new_element)
        elif (
            kind == "script_finished" and msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN
        ):
            self._fragment_run = False  # st.rerun / switch_page: the whole page runs next
        elif kind == "script_finished" and msg.script_finished in FINISHED:
            self._finished.put_nowait(self._current)
            if msg.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                self._current = PageRun(
                    texts=list(self._current.texts),
                    buttons=dict(self._current.buttons),
                    page_name=self.page_name,
                )

    def _record(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "button":
            self._current.buttons.setdefault(element.button.label, []).append(element.button.id)
        elif kind == "exception":
            ex = element.exception
            self._current.exceptions.append(f"{ex.type}: {ex.message}")
        elif kind in TEXT_ELEMENTS:
            sub = getattr(element, kind)
            body = getattr(sub, "body", "") or getattr(sub, "label", "")
            self._current.texts.append(str(body))

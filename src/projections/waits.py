"""Read-your-writes: waiting until read models have reached a log position.

A request that passes ``min_position`` waits, before it reads, until its read models have folded
the log up to there. Blocking (``wait_for``) where a worker thread waits anyway (the CLI, a report
route's own check); on the event loop (``wait_healthy``) before a request takes a worker thread,
so any number of waiting clients hold none. A read model stopped at an event it cannot fold is
not waited for: the wait ends at once with the reason.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable, Mapping

from projections.db import ViewDatabase


class ReadModelBehind(Exception):
    """A read model did not reach the asked-for position in time (or is stopped short of it)."""

    def __init__(self, wanted: int, reached: int, stopped: str = "") -> None:
        why = f"; {stopped}" if stopped else "; retry shortly"
        super().__init__(f"read model is at position {reached}, not yet at {wanted}{why}")
        self.wanted, self.reached = wanted, reached


class PositionWaits:
    """The waits of ``ProjectionEngine``, which provides these attributes."""

    db: ViewDatabase
    projections: Mapping[str, object]
    _wake: threading.Event
    _progress_cache: tuple[float, dict[str, tuple[int, int | None]]]

    def progress(self) -> dict[str, tuple[int, int | None]]:
        """Each projection's position, and the position of the event it is stopped at (or None)."""
        with self.db.read() as cur:
            cur.execute("SELECT projection, position, failed_position FROM keel_tracking")
            return {str(r[0]): (int(r[1]), None if r[2] is None else int(r[2])) for r in cur.fetchall()}

    def _reached(self, position: int, wanted: Iterable[str], progress: dict[str, tuple[int, int | None]]) -> int:
        """The lowest position of ``wanted``; ReadModelBehind at once if one of them is stopped
        short of ``position`` (waiting would not help)."""
        reached = min((progress.get(n, (0, None))[0] for n in wanted), default=position)
        for name in wanted:
            at, stopped = progress.get(name, (0, None))
            if stopped is not None and at < position:
                raise ReadModelBehind(position, at, f"{name} is stopped at the event at position {stopped}")
        return reached

    def wait_for(self, position: int, names: Iterable[str], timeout: float = 5.0) -> None:
        """Block until the named projections have processed the log up to ``position``."""
        deadline = time.monotonic() + timeout
        wanted = list(names) or list(self.projections)
        self._wake.set()
        while True:
            reached = self._reached(position, wanted, self.progress())
            if reached >= position:
                return
            if time.monotonic() >= deadline:
                raise ReadModelBehind(position, reached)
            time.sleep(0.01)

    async def wait_healthy(self, position: int, timeout: float = 5.0) -> None:
        """Wait, on the event loop, until every projection that is not stopped has processed the
        log up to ``position``: a request waiting for its own write holds no worker thread. The
        positions are read in the loop's own executor, apart from the threads requests run in,
        at most every 20 ms however many requests wait (``_shared_progress``)."""
        deadline = time.monotonic() + timeout
        self._wake.set()
        while True:
            progress = await self._shared_progress()
            healthy = [name for name in self.projections if progress.get(name, (0, None))[1] is None]
            reached = min((progress.get(n, (0, None))[0] for n in healthy), default=position)
            if reached >= position:
                return
            if time.monotonic() >= deadline:
                raise ReadModelBehind(position, reached)
            await asyncio.sleep(0.02)

    async def _shared_progress(self) -> dict[str, tuple[int, int | None]]:
        read_at, progress = self._progress_cache
        if time.monotonic() - read_at > 0.02:
            progress = await asyncio.get_running_loop().run_in_executor(None, self.progress)
            self._progress_cache = (time.monotonic(), progress)
        return progress

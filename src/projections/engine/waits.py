"""Read-your-writes: waiting until read models have reached a log position.

A request that passes ``min_position`` (or ``known_at``) waits, before it reads, until the read
models it reads have folded the log up to there. It waits on the event loop (``wait``), before its
route takes a worker thread, so any number of waiting clients hold none of them. The tracking rows
are read in two threads of the engine's own, once for every request waiting at that moment; a
page this process folds wakes the waiters at once, and a slower poll sees the pages of a projector
in another process (``keel projections run``). ``wait_for`` blocks, where a thread waits anyway
(the CLI, tests). A read model stopped at an event it cannot fold is not waited for: the wait ends
at once with the reason.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from ledger.errors import InvalidValue
from projections.engine.db import ViewDatabase
from projections.engine.reading import EventLog

POLL_SECONDS = 0.05  # between reads of the tracking rows while requests wait: another process's pages
T = TypeVar("T")
Progress = dict[str, tuple[int, int | None]]  # projection: (position, position of the event it is stopped at)


class ReadModelBehind(Exception):
    """A read model did not reach the asked-for position in time (or is stopped short of it)."""

    def __init__(self, wanted: int, reached: int, stopped: str = "") -> None:
        why = f"; {stopped}" if stopped else "; retry shortly"
        super().__init__(f"read model is at position {reached}, not yet at {wanted}{why}")
        self.wanted, self.reached = wanted, reached


class _Shared(Generic[T]):
    """One call of ``read`` at a time, its answer shared by every coroutine that asks meanwhile."""

    def __init__(self, loop: asyncio.AbstractEventLoop, executor: ThreadPoolExecutor, read: Callable[[], T]) -> None:
        self.loop, self.executor, self.read = loop, executor, read
        self.pending: asyncio.Future[T] | None = None

    async def __call__(self) -> T:
        if self.pending is None:
            self.pending = self.loop.run_in_executor(self.executor, self.read)
            self.pending.add_done_callback(self._done)
        return await asyncio.shield(self.pending)  # one waiter cancelled (gone) cancels no other's read

    def _done(self, future: asyncio.Future[T]) -> None:
        self.pending = None
        if not future.cancelled():
            future.exception()  # retrieved, even if every waiter has gone


class _Watch:
    """The tracking rows and the head of the log as the waiting requests of one event loop see them."""

    def __init__(self, loop: asyncio.AbstractEventLoop, executor: ThreadPoolExecutor, waits: PositionWaits) -> None:
        self.loop = loop
        self.progress = _Shared(loop, executor, waits.progress)
        self.head = _Shared(loop, executor, waits.log.head_position)
        self.moved = asyncio.Event()

    def wake(self) -> None:
        """On the loop: every waiter looks again (the event is replaced, so each wakes once)."""
        moved, self.moved = self.moved, asyncio.Event()
        moved.set()

    async def until_moved(self, moved: asyncio.Event, timeout: float) -> None:
        try:
            async with asyncio.timeout(timeout):
                await moved.wait()
        except TimeoutError:
            pass


class PositionWaits:
    """The waits of ``ProjectionEngine``, which provides these attributes."""

    db: ViewDatabase
    log: EventLog
    projections: Mapping[str, object]
    _wake: threading.Event

    def __init__(self) -> None:
        self._watches: dict[asyncio.AbstractEventLoop, _Watch] = {}
        self._watch_executor: ThreadPoolExecutor | None = None
        self._watched: ViewDatabase | None = None

    def watch(self, replica: ViewDatabase) -> None:
        """Wait on ``replica``'s tracking rows (a streaming replica the reads are served from): a
        wait for a position ends once the replica has replayed the read models that far."""
        self._watched = replica

    def progress(self) -> Progress:
        """Each projection's position, and the position of the event it is stopped at (or None),
        where reads are served from."""
        with (self._watched or self.db).read() as cur:
            cur.execute("SELECT projection, position, failed_position FROM keel_tracking")
            return {str(r[0]): (int(r[1]), None if r[2] is None else int(r[2])) for r in cur.fetchall()}

    def _reached(self, position: int, wanted: Iterable[str], progress: Progress) -> int:
        """The lowest position of ``wanted``; ReadModelBehind at once if one of them is stopped
        short of ``position`` (waiting would not help)."""
        reached = min((progress.get(n, (0, None))[0] for n in wanted), default=position)
        for name in wanted:
            at, stopped = progress.get(name, (0, None))
            if stopped is not None and at < position:
                raise ReadModelBehind(position, at, f"{name} is stopped at the event at position {stopped}")
        return reached

    def keel_s_own(self) -> list[str]:
        """What "every read model" means to a wait: Keel's own, not the plug-ins (one stopped must not
        hold every request up; a read of a plug-in waits for it by name)."""
        return [name for name, p in self.projections.items() if not getattr(p, "isolated", False)]

    def wait_for(self, position: int, names: Iterable[str], timeout: float = 5.0) -> None:
        """Block until the named projections (Keel's own if none) have processed the log up to ``position``."""
        deadline = time.monotonic() + timeout
        wanted = list(names) or self.keel_s_own()
        self._wake.set()
        while True:
            reached = self._reached(position, wanted, self.progress())
            if reached >= position:
                return
            if time.monotonic() >= deadline:
                raise ReadModelBehind(position, reached)
            time.sleep(0.01)

    async def wait(self, position: int, names: Iterable[str], timeout: float = 5.0) -> None:
        """Wait on the event loop until the named projections (Keel's own if none) have processed the log
        up to ``position``: ReadModelBehind after ``timeout``, InvalidValue if the log has no such
        position. Holds no worker thread however many requests wait."""
        deadline = time.monotonic() + timeout
        wanted = list(names) or self.keel_s_own()
        watch = self._watch()
        self._wake.set()  # the follower of this process, if it sleeps
        while True:
            moved = watch.moved  # before reading: a page folded during the read wakes us again
            reached = self._reached(position, wanted, await watch.progress())
            if reached >= position:
                return
            # Read models never pass the head, so the head is read only for a wait that goes on.
            if position > (head := await watch.head()):
                raise InvalidValue(
                    f"position {position} is beyond the head of the log ({head}); "
                    "pass a position a command answered with"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReadModelBehind(position, reached)
            await watch.until_moved(moved, min(remaining, POLL_SECONDS))

    async def progress_now(self) -> Progress:
        """``progress`` read on the event loop: one read for every request asking at that moment."""
        return await self._watch().progress()

    def moved(self) -> None:
        """From any thread: this process folded a page or recorded a failure; waiters look now."""
        for loop, watch in list(self._watches.items()):
            try:
                loop.call_soon_threadsafe(watch.wake)
            except RuntimeError:  # that loop has closed
                self._watches.pop(loop, None)

    def _watch(self) -> _Watch:
        loop = asyncio.get_running_loop()
        watch = self._watches.get(loop)
        if watch is None:
            if self._watch_executor is None:
                # Apart from the threads requests run in: waiters cannot take those from anyone.
                self._watch_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="keel-positions")
            for closed in [other for other in self._watches if other.is_closed()]:
                self._watches.pop(closed, None)
            watch = self._watches[loop] = _Watch(loop, self._watch_executor, self)
        return watch

    def stop_watching(self) -> None:
        if self._watch_executor is not None:
            self._watch_executor.shutdown(wait=False, cancel_futures=True)
            self._watch_executor = None
        self._watches.clear()

"""Answers to reports and lists kept in memory by what determines them (ADR 0054).

An answer is fixed by its query, the parameters as asked, today's date and either the moment it is
known at (with the log position reached then) or how far the read models it reads have folded the
log. ``api.answers.respond`` builds that key on the event loop, from the tracking rows the waits
read anyway (one read shared by every request asking at that moment), so an answer kept is sent
without a worker thread or a database connection. Requests for an answer being made wait for it on
the loop; one thread makes it. The cache is bounded by the bytes it keeps, least recently used
first out; each server process has its own.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

ENTRY_OVERHEAD = 256  # bytes a kept answer costs besides its body: the key, the entry, the headers


@dataclass(frozen=True)
class Kept:
    """An answer as HTTP sends it."""

    body: bytes
    media_type: str
    etag: str
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def size(self) -> int:
        return len(self.body) + ENTRY_OVERHEAD


class ReportCache:
    """Bounded by bytes; ``max_bytes`` 0 keeps nothing (every request is answered afresh)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._kept: OrderedDict[Hashable, Kept] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[tuple[asyncio.AbstractEventLoop, Hashable], asyncio.Task[Kept]] = {}
        self.bytes = 0
        self.hits = 0  # answered from the cache
        self.joined = 0  # waited for the same answer being made for another request
        self.misses = 0  # made afresh
        self.observe: Callable[[str], None] = lambda source: None  # told "kept", "shared" or "made" (metrics)

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Hashable) -> Kept | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
            return kept

    def put(self, key: Hashable, kept: Kept) -> None:
        if kept.size > self.max_bytes // 4:  # one huge answer would push out everything else
            return
        with self._lock:
            old = self._kept.pop(key, None)
            self.bytes -= old.size if old is not None else 0
            self._kept[key] = kept
            self.bytes += kept.size
            while self.bytes > self.max_bytes:
                _, out = self._kept.popitem(last=False)
                self.bytes -= out.size

    async def answer(self, key: Hashable, make: Callable[[], Awaitable[tuple[Kept, bool]]]) -> Kept:
        """The kept answer, or the one being made for ``key``, or a new one: ``make`` returns it
        and whether it may be kept (it may not when the read models moved while it was made)."""
        kept = self.get(key)
        if kept is not None:
            self.hits += 1
            self.observe("kept")
            return kept
        loop = asyncio.get_running_loop()
        flight = self._flights.get((loop, key))
        if flight is None:
            self.misses += 1
            self.observe("made")
            flight = loop.create_task(self._make(key, make))
            self._flights[(loop, key)] = flight
            flight.add_done_callback(lambda done: self._landed(loop, key, done))
        else:
            self.joined += 1
            self.observe("shared")
        # Shielded: a client that goes away cancels its own wait, not the answer the others wait for.
        return await asyncio.shield(flight)

    async def _make(self, key: Hashable, make: Callable[[], Awaitable[tuple[Kept, bool]]]) -> Kept:
        kept, keep = await make()
        if keep and self.max_bytes:
            self.put(key, kept)
        return kept

    def _landed(self, loop: asyncio.AbstractEventLoop, key: Hashable, flight: asyncio.Task[Kept]) -> None:
        self._flights.pop((loop, key), None)
        if not flight.cancelled():
            flight.exception()  # retrieved: every waiter may have gone


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, RFC 9110 §13.1.2) or is ``*``."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))

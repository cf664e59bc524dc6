"""Reading the log page by page for one projection, the next page read ahead while this one folds.

A page is read in a background thread as soon as the previous one is in hand: decoding events
(Python) then overlaps with the database writing the previous page's rows. A page read ahead is
used only if the projection's tracking row, locked when the page is folded, is where the page
starts; otherwise (another runner moved it) the page is read again from there.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class EventLog(Protocol):
    """The global, ordered log of stored events (the write side's application)."""

    def read_log(self, after: int, limit: int, topics: Sequence[str] = ()) -> Sequence[tuple[int, Any]]:
        """Up to ``limit`` events after position ``after``; only of ``topics`` if any are given."""
        ...

    def head_position(self) -> int: ...
    def times_of(self, positions: Sequence[int]) -> dict[int, datetime]:
        """When each position was appended; positions missing fall back to the event's own timestamp."""
        ...


@dataclass(frozen=True)
class LogPage:
    events: Sequence[tuple[int, Any]]
    reached: int  # the position the page covers up to: its last event, or the head if it is short
    times: dict[int, datetime]
    full: bool


def read_page(log: EventLog, after: int, limit: int, topics: Sequence[str]) -> LogPage:
    head = log.head_position()
    if head <= after:
        return LogPage([], after, {}, False)
    # Not bounded by the head in SQL: PostgreSQL would then plan a bitmap scan of the whole range
    # left and sort it, for every page; events appended since the head was read wait for the next.
    events = log.read_log(after, limit, topics)
    full = len(events) == limit and events[-1][0] <= head
    events = [e for e in events if e[0] <= head]
    # A full page ends at its last event; a short one means nothing else of interest up to the head.
    reached = events[-1][0] if full else head
    return LogPage(events, reached, log.times_of([*(pos for pos, _ in events), reached]), full)


class PageReader:
    """The pages of one projection's topics, each full page's successor read ahead."""

    def __init__(self, log: EventLog, limit: int, topics: Sequence[str], pool: ThreadPoolExecutor | None) -> None:
        self.log, self.limit, self.topics, self.pool = log, limit, topics, pool
        self._ahead: Future[LogPage] | None = None
        self._ahead_after = -1

    def page(self, after: int) -> LogPage:
        ahead, self._ahead = self._ahead, None
        page = ahead.result() if ahead is not None and self._ahead_after == after else None
        if page is None:
            page = read_page(self.log, after, self.limit, self.topics)
        if page.full and self.pool is not None:
            self._ahead_after = page.reached
            self._ahead = self.pool.submit(read_page, self.log, page.reached, self.limit, self.topics)
        return page


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Rebuilding allocates millions of short-lived objects (decoded events, rows) that form no
    cycles; at Python's default thresholds the cyclic collector would run thousands of times
    for nothing (about a tenth of a rebuild's time)."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)

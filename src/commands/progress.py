"""How far a long command has come (an import of 100,000 lines): the handler says it, whoever
runs the command listens — the CLI's progress bar, or an HTTP import job that a client polls.

A handler calls ``report(phase, done, total)`` as it goes (a phase is ``checking`` or ``writing``,
``done`` counts that phase's lines); with nobody listening it costs one context-variable lookup.
The numbers describe work inside one transaction: until it commits nothing is visible, and a
refusal at the last line still writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Listener = Callable[[str, int, int | None], None]  # phase, done, total (None: not known)

EVERY = 2_000  # lines between two reports of a loop: often enough for a bar, rare enough to cost nothing

_listener: ContextVar[Listener | None] = ContextVar("keel_progress_listener", default=None)


def report(phase: str, done: int, total: int | None = None) -> None:
    """Tell whoever listens that ``done`` of ``total`` lines of ``phase`` are through."""
    listener = _listener.get()
    if listener is not None:
        listener(phase, done, total)


def every(phase: str, done: int, total: int | None = None) -> None:
    """``report`` once every ``EVERY`` lines of a loop, and at its last line."""
    if done % EVERY == 0 or done == total:
        report(phase, done, total)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send the reports of the commands run inside the block to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)

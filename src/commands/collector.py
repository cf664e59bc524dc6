"""Large batches of decisions without the cyclic garbage collector's passes (ADR 0050).

A batch that holds its aggregates in memory (a reconciliation's 1,000 matches: the lines, the
invoices, the payments it builds, their events) allocates hundreds of thousands of objects that
stay alive until it commits. CPython's cyclic collector runs every few hundred allocations and,
every tenth or so run, walks every tracked object the process holds: measured, a third of the
CPU of recording 8,000 matches, while it found almost nothing to free (the batch's objects hold no
cycles; reference counting frees them when the batch ends). ``paused_collection`` switches that
collector off while the batch runs and back on when the last such batch in the process ends (a
count, so threads and nested batches agree); memory is still freed by reference counting meanwhile.
A collector that was already off (switched off by the embedding process) is left off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    """How many batches run now, and whether the collector ran before the first of them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.was_enabled = False


_PAUSES = _Pauses()


@contextmanager
def paused_collection() -> Iterator[None]:
    """Run the block with the cyclic collector off; on again after the last running block."""
    state = _PAUSES
    with state.lock:
        if state.running == 0:
            state.was_enabled = gc.isenabled()
            gc.disable()
        state.running += 1
    try:
        yield
    finally:
        with state.lock:
            state.running -= 1
            if state.running == 0 and state.was_enabled:
                gc.enable()

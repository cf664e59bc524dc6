"""A long log written by several processes (ADR 0064).

Spelling an event out as its public form is Python work of some 37 µs an event, on one core. A
dataset that says how to read a range of log positions with the log alone (``Dataset.parts``:
the events file) is read here by a pool of processes, one a core, each with its own connection
to the store: each writes its range as Arrow record batches (Arrow's IPC format: bytes, no
Python objects to pickle), and this process writes them to the file in the order of the log. At
most one range a process is waiting to be written, so memory stays flat. A process starts in
about half a second (``spawn``: nothing of this process's connections or threads is copied), so a
log shorter than ``MIN_POSITIONS`` is read here.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Generator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import pyarrow as pa

from api.exports.arrays import record_batch
from commands.application import KeelApplication
from projections.exports.catalog import DATASETS
from projections.exports.datasets import Dataset, Snapshot

PART_POSITIONS = 50_000  # log positions a process reads at a time: some 25 MB of Arrow data
MIN_POSITIONS = 200_000
MAX_PROCESSES = 8  # each holds a connection and a part: more cores than this is not worth them


def cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Processes:
    """Where the processes read the log, and how many there are."""

    event_store_url: str
    functional_currency: str
    count: int = min(cores(), MAX_PROCESSES)
    part_positions: int = PART_POSITIONS
    min_positions: int = MIN_POSITIONS

    def split(self, dataset: Dataset, snapshot: Snapshot) -> bool:
        """Whether ``dataset`` at ``snapshot`` is worth the processes."""
        return (
            dataset.parts is not None
            and DATASETS.get(dataset.name) is dataset  # the workers find it by name
            and self.count > 1
            and not self.event_store_url.startswith("memory:")
            and ":memory:" not in self.event_store_url  # a store of its own in each process
            and snapshot.position >= self.min_positions
        )


def batches_in_processes(
    dataset: Dataset, snapshot: Snapshot, schema: pa.Schema, processes: Processes
) -> Generator[pa.RecordBatch]:
    """The dataset's record batches, in the log's order, each range read by one of the processes."""
    parts = iter(range(0, snapshot.position, processes.part_positions))
    with ProcessPoolExecutor(
        processes.count,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_open_log,
        initargs=(processes.event_store_url, processes.functional_currency),
    ) as pool:
        pending: deque[Future[bytes]] = deque()

        def submit() -> None:
            after = next(parts, None)
            if after is not None:
                upto = min(after + processes.part_positions, snapshot.position)
                pending.append(pool.submit(_part, dataset.name, snapshot, schema, after, upto))

        for _ in range(processes.count + 1):
            submit()
        try:
            while pending:
                written = pending.popleft().result()
                submit()
                yield from pa.ipc.open_stream(written)
        finally:
            for future in pending:
                future.cancel()


# -- in each process ------------------------------------------------------------------

_LOG: list[KeelApplication] = []


def _open_log(event_store_url: str, functional_currency: str) -> None:
    # Millions of short-lived objects that form no cycles: the collector would run for nothing.
    gc.set_threshold(100_000, 50, 100)
    _LOG.append(KeelApplication(event_store_url, functional_currency))


def _part(name: str, snapshot: Snapshot, schema: pa.Schema, after: int, upto: int) -> bytes:
    dataset = DATASETS[name]
    assert dataset.parts is not None
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema) as stream:
        for batch in dataset.parts(_LOG[0], snapshot, after, upto):
            stream.write_batch(record_batch(batch, schema))
    return bytes(sink.getvalue())

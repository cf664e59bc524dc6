"""What an export holds: datasets of typed columns, read in batches at one snapshot.

A dataset is a table an analyst can load as it is: every column typed (money a decimal, never a
float; dates and moments as such), every dimension spelled out. It is read at a ``Snapshot``:
as of a business date, as known at a moment, and bounded by a log position taken when the
export starts, so batches read one after another (each a short query) add up to one consistent
answer while projections fold on. The writers (Parquet, DuckDB) live at the edge (``api``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal, Protocol

from projections.engine.db import ViewDatabase
from projections.engine.reading import EventLog
from projections.public_stored import StoredDecoder, StoredForm

Kind = Literal["int64", "text", "date", "timestamp", "money", "decimal", "json", "bool"]
BATCH_ROWS = 20_000  # rows a batch: a few MB of Python objects, whatever the dataset's size
# Batches are columns, not rows: a writer converts a column in one call, at C speed.
MONEY_SCALE = 4  # decimal places of a money column: every ISO 4217 currency's minor unit fits
# Decimal places of other decimals (hours, rates, probabilities): the input policy bounds them
# below 10^15, so 15 + 12 digits fit; a value with more places is rounded half-even to 12.
DECIMAL_SCALE = 12
LATEST_DAY = date(9999, 12, 30)  # read models' "as of" when an export has none: every dated fact in force


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    description: str


@dataclass(frozen=True)
class Snapshot:
    """Where an export stands on both time axes. ``as_of`` None: every business date;
    ``known_at`` None: everything recorded up to ``position`` (the log's head when it began)."""

    as_of: date | None
    known_at: datetime | None
    position: int
    functional_currency: str
    scopes: frozenset[str] | None = None  # the caller's, where a dataset shows less to some (None: all)


class StoredLog(EventLog, StoredDecoder, Protocol):
    """The log, also as stored (the write side's application)."""

    def read_stored(self, after: int, limit: int) -> Sequence[Stored]: ...


class Stored(StoredForm, Protocol):
    @property
    def position(self) -> int: ...
    @property
    def recorded_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Sources:
    """What a dataset reads: the read models and, for the log itself, the log."""

    views: ViewDatabase
    log: StoredLog


@dataclass(frozen=True)
class MinorUnits:
    """A money column as integers: ``values[i]`` units of 10^-``exponents[i]`` (a currency's minor
    unit), so a writer makes exact decimals without a Python ``Decimal`` per row."""

    values: Sequence[int]
    exponents: Sequence[int]


Batch = list[Sequence[Any] | MinorUnits]  # a batch's columns, in the dataset's order
Batches = Callable[[Sources, Snapshot], Iterator[Batch]]


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    columns: tuple[Column, ...]
    batches: Batches
    reads: tuple[str, ...]  # the projections it reads (caught up before an export)
    # The same rows as CSV from the database itself, where it can (PostgreSQL's COPY): columns in
    # order, money as decimals, moments ISO 8601 in UTC, NULL unquoted and empty text quoted.
    as_csv: Callable[[Sources, Snapshot], Iterator[bytes] | None] | None = None
    # The batches of the log positions after one up to another, read with the log alone: a writer
    # may split a long log among processes (ADR 0064), each with its own connection.
    parts: Callable[[StoredLog, Snapshot, int, int], Iterator[Batch]] | None = None


_PLACES = Decimal(1).scaleb(-DECIMAL_SCALE)


def decimals(values: Iterable[str | Decimal | None]) -> list[Decimal | None]:
    """A decimal column's values at its scale (rounded half-even past 12 places: stated in ADR 0061)."""
    return [None if v is None else Decimal(v).quantize(_PLACES, ROUND_HALF_EVEN) for v in values]


def known_moment(sources: Sources, snapshot: Snapshot) -> datetime | None:
    """What the snapshot knows up to, as a moment: ``known_at``, or when its position was recorded
    (None: nothing recorded). Read models kept as spans over recording time are read there."""
    if snapshot.known_at is not None:
        return snapshot.known_at
    return sources.log.times_of([snapshot.position]).get(snapshot.position) if snapshot.position else None


def in_batches(rows: Sequence[Sequence[Any]]) -> Iterator[list[Sequence[Any]]]:
    """Rows already in hand (a few thousand) as batches of columns."""
    for start in range(0, len(rows), BATCH_ROWS):
        yield [list(column) for column in zip(*rows[start : start + BATCH_ROWS], strict=True)]


def pages_ahead(
    fetch: Callable[[tuple[Any, ...]], list[Any]], start: tuple[Any, ...], key: Callable[[Any], tuple[Any, ...]]
) -> Iterator[list[Any]]:
    """The pages of a keyset query (``fetch`` the rows after a key), each next one read in a thread
    while this one is converted and written: the driver waits for the database without the GIL."""
    with ThreadPoolExecutor(1, thread_name_prefix="keel-export") as ahead:
        future = ahead.submit(fetch, start)
        while rows := future.result():
            future = ahead.submit(fetch, key(rows[-1]))
            yield rows

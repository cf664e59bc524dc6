"""Bitemporal spans: rows that hold over a span of business dates (``valid_from <= D <
valid_to``) as believed over a span of recording times (``known_from <= K < known_to``).

A projection that keeps its answers as spans (deals' states, open items) closes a span at the
recording time of the event that ends it and opens the new ones there, so the answer as of D
known at K is the rows whose two spans contain D and K: no history to replay at query time.
Finding them is a query in four dimensions: valid_from <= D < valid_to and known_from <= K <
known_to. On PostgreSQL each span is a point of four coordinates (the ``cube`` extension) in a
GiST index, an R-tree, and the query is the box of the points that satisfy it: the index finds
them in time that grows with the answer, not the table. Points keep the tree's nodes tight. (A
span drawn as a rectangle in two dimensions, dates by seconds, read four times more index pages
for the same answer: the many spans open to FOREVER make every node that holds one reach
FOREVER too; and a GiST index over the pair of ranges was a hundred times slower still.) The
coordinates are floats that may round, so the exact comparisons follow. SQLite has no such index:
it filters with a B-tree on the business dates, which is fine at its sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from projections.engine.sql import Cursor

FOREVER_DATE = date(9999, 12, 31)
FOREVER = datetime(9999, 12, 31, tzinfo=UTC)  # the end of spans still believed
NOW = FOREVER - timedelta(seconds=1)  # "known now": after every recording, before FOREVER


# Immutable although extract() on a timestamptz is only stable: the epoch does not depend on the
# session's time zone, which is what makes extract() stable for other fields. Created once, by the
# database's owner at the first set-up, and never replaced: the application's role (which rebuilds
# read models) may not replace the owner's functions, so a different form takes a new name.
SPAN_POINT = """CREATE FUNCTION keel_span_point(valid_from date, valid_to date,
    known_from timestamptz, known_to timestamptz) RETURNS cube LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT cube(ARRAY[(valid_from - DATE '2000-01-01')::float8, (valid_to - DATE '2000-01-01')::float8,
                     extract(epoch FROM known_from)::float8, extract(epoch FROM known_to)::float8]) $$"""
# The points of the spans holding on a day as known at a moment: valid_from <= day < valid_to
# (days are whole: valid_to >= day + 1) and known_from <= moment <= known_to (the exact test follows).
SPANS_AT = """CREATE FUNCTION keel_spans_at(day date, moment timestamptz) RETURNS cube
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT cube(ARRAY[-1e15, (day - DATE '2000-01-01') + 0.5, -1e15, extract(epoch FROM moment)::float8],
               ARRAY[(day - DATE '2000-01-01')::float8, 1e15, extract(epoch FROM moment)::float8, 1e15]) $$"""
SPAN = "keel_span_point({p}valid_from, {p}valid_to, {p}known_from, {p}known_to)"


def create_span_index(cur: Cursor, table: str, name: str = "at", where: str = "") -> None:
    """The index for ``spans_at``; ``where`` makes it partial (PostgreSQL), for queries that
    repeat the condition and want a small part of the spans."""
    if cur.dialect == "postgres":
        cur.execute("CREATE EXTENSION IF NOT EXISTS cube")  # a trusted extension: the database's owner may
        cur.execute("SELECT to_regproc('keel_span_point'), to_regproc('keel_spans_at')")
        point, at = cur.fetchone() or (None, None)
        if point is None:
            cur.execute(SPAN_POINT)
        if at is None:
            cur.execute(SPANS_AT)
        partial = f" WHERE {where}" if where else ""
        cur.execute(f"CREATE INDEX {table}_{name} ON {table} USING gist ({SPAN.format(p='')}){partial}")
    elif not where:
        cur.execute(f"CREATE INDEX {table}_{name} ON {table} (valid_to, valid_from)")


def spans_at(
    cur: Cursor, as_of: date, known_at: datetime | None, alias: str = "", indexed: bool = True
) -> tuple[str, list[Any]]:
    """The condition for the spans holding on ``as_of`` as known at ``known_at`` (None: now).
    ``indexed=False`` leaves out the GiST index's condition: for a query that finds its spans by
    another way (an entity's, in a nested loop) and whose plan the index's guessed selectivity
    would spoil."""
    p = f"{alias}." if alias else ""
    known = known_at or NOW
    sql = f"{p}valid_from <= %s AND {p}valid_to > %s AND {p}known_from <= %s AND {p}known_to > %s"
    params = [as_of, as_of, known, known]
    if cur.dialect == "postgres" and indexed:  # the index's condition first, so that it is used
        return f"{SPAN.format(p=p)} <@ keel_spans_at(%s::date, %s::timestamptz) AND {sql}", [as_of, known, *params]
    return sql, params


Span = tuple[date, date, tuple[Any, ...]]  # valid_from, valid_to, the state that holds over it


def respan(
    changes: Mapping[str, Sequence[tuple[int, datetime]]],
    history: Mapping[str, Sequence[tuple[Any, ...]]],
    timeline: Callable[[Sequence[tuple[Any, ...]]], set[Span]],
) -> tuple[list[tuple[Any, ...]], list[list[Any]]]:
    """Re-derive the spans of the entities a page changed, event by event. ``changes`` maps an
    entity to the (position, recorded_at) of its events in the page; ``history`` to all its facts,
    rows (effective_date, position, …); ``timeline`` makes the spans of a set of facts. Returns
    the spans recorded before this page that stop holding, as (known_to, id, valid_from,
    FOREVER), and the rows to insert: (id, valid_from, valid_to, known_from, known_to, *state)."""
    closed: list[tuple[Any, ...]] = []
    opened: list[list[Any]] = []  # spans this page opens (and may close again)
    for key in sorted(changes):
        events = sorted(changes[key])
        facts = history.get(key, ())
        before = timeline([f for f in facts if f[1] < events[0][0]])
        fresh: dict[Span, list[Any]] = {}
        for position, recorded_at in events:
            after = timeline([f for f in facts if f[1] <= position])
            for span in before - after:
                if span in fresh:
                    fresh.pop(span)[4] = recorded_at
                else:
                    closed.append((recorded_at, key, span[0], FOREVER))
            for span in after - before:
                fresh[span] = row = [key, span[0], span[1], recorded_at, FOREVER, *span[2]]
                opened.append(row)
            before = after
    return closed, opened


def steps(facts: Sequence[tuple[Any, ...]], state_of: Callable[[list[tuple[Any, ...]]], Any]) -> set[Span]:
    """An entity's states between the dates its history changes: ``state_of`` folds the facts
    (effective_date, position, …) dated on or before each such date, in business order, into the
    state that then holds (None: the entity does not exist yet). Neighbouring equal states merge."""
    facts = sorted(facts)
    changes = sorted({f[0] for f in facts})
    rows: list[Span] = []
    for n, day in enumerate(changes):
        state = state_of([f for f in facts if f[0] <= day])
        if state is None:
            continue
        until = changes[n + 1] if n + 1 < len(changes) else FOREVER_DATE
        if rows and rows[-1][1] == day and rows[-1][2] == state:
            rows[-1] = (rows[-1][0], until, state)
        else:
            rows.append((day, until, state))
    return set(rows)


def save_spans(
    cur: Cursor,
    table: str,
    columns: Sequence[str],
    changes: Mapping[str, Sequence[tuple[int, datetime]]],
    history: Mapping[str, Sequence[tuple[Any, ...]]],
    timeline: Callable[[Sequence[tuple[Any, ...]]], set[Span]],
) -> None:
    """Re-derive the spans of the entities a page changed (``respan``) and write them to ``table``,
    whose first column (``columns[0]``) is the entity's key."""
    closed, opened = respan(changes, history, timeline)
    if closed:  # before the inserts: a span reopened with the same start must not be closed
        cur.executemany(
            f"UPDATE {table} SET known_to = %s WHERE {columns[0]} = %s AND valid_from = %s AND known_to = %s", closed
        )
    if opened:
        cur.copy_rows(table, columns, opened)

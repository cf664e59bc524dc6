"""Bitemporal spans: rows that hold over a span of business dates (``valid_from <= D <
valid_to``) as believed over a span of recording times (``known_from <= K < known_to``).

A projection that keeps its answers as spans (deals' states, open items) closes a span at the
recording time of the event that ends it and opens the new ones there, so the answer as of D
known at K is the rows whose two spans contain D and K: no history to replay at query time.
Finding them is a two-dimensional interval query. On PostgreSQL each span is a box (days on one
axis, seconds on the other) in a GiST index, an R-tree: it finds the boxes containing the point
(D, K) in time that grows with the answer, not the table. (A GiST index over the pair of ranges
was a hundred times slower: its tree splits on the first range alone, and the many spans open to
FOREVER on one axis overlap every node.) The box is only a coarse filter: its float seconds may
round, so the exact comparisons follow it. SQLite has neither: it filters with a B-tree on the
business dates, which is fine at its sizes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from projections.db import Cursor

FOREVER_DATE = date(9999, 12, 31)
FOREVER = datetime(9999, 12, 31, tzinfo=UTC)  # the end of spans still believed
NOW = FOREVER - timedelta(seconds=1)  # "known now": after every recording, before FOREVER


# Immutable although extract() on a timestamptz is only stable: the epoch does not depend on the
# session's time zone, which is what makes extract() stable for other fields.
SPAN_BOX = """CREATE OR REPLACE FUNCTION keel_span(valid_from date, valid_to date, known_from timestamptz,
    known_to timestamptz) RETURNS box LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT box(point(valid_from - DATE '2000-01-01', extract(epoch FROM known_from)),
              point(valid_to - DATE '2000-01-01', extract(epoch FROM known_to))) $$"""
SPAN = "keel_span({p}valid_from, {p}valid_to, {p}known_from, {p}known_to)"


def create_span_index(cur: Cursor, table: str, name: str = "at", where: str = "") -> None:
    """The index for ``spans_at``; ``where`` makes it partial (PostgreSQL), for queries that
    repeat the condition and want a small part of the spans."""
    if cur.dialect == "postgres":
        cur.execute(SPAN_BOX)
        partial = f" WHERE {where}" if where else ""
        cur.execute(f"CREATE INDEX {table}_{name} ON {table} USING gist ({SPAN.format(p='')}){partial}")
    elif not where:
        cur.execute(f"CREATE INDEX {table}_{name} ON {table} (valid_to, valid_from)")


def spans_at(cur: Cursor, as_of: date, known_at: datetime | None, alias: str = "") -> tuple[str, list[Any]]:
    """The condition for the spans holding on ``as_of`` as known at ``known_at`` (None: now)."""
    p = f"{alias}." if alias else ""
    known = known_at or NOW
    sql = f"{p}valid_from <= %s AND {p}valid_to > %s AND {p}known_from <= %s AND {p}known_to > %s"
    params = [as_of, as_of, known, known]
    if cur.dialect == "postgres":  # the index's box first, so that it is used
        point = "keel_span(%s::date, %s::date, %s::timestamptz, %s::timestamptz)"
        return f"{SPAN.format(p=p)} @> {point} AND {sql}", [as_of, as_of, known, known, *params]
    return sql, params

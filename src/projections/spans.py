"""Bitemporal spans: rows that hold over a span of business dates (``valid_from <= D <
valid_to``) as believed over a span of recording times (``known_from <= K < known_to``).

A projection that keeps its answers as spans (deals' states, open items) closes a span at the
recording time of the event that ends it and opens the new ones there, so the answer as of D
known at K is the rows whose two spans contain D and K: no history to replay at query time.
Finding them is a two-dimensional interval query; PostgreSQL's GiST index over the two ranges
answers it in time that grows with the answer, not the table. SQLite has no range types: it
filters with a B-tree on the business dates, which is fine at its sizes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from projections.db import Cursor

FOREVER_DATE = date(9999, 12, 31)
FOREVER = datetime(9999, 12, 31, tzinfo=UTC)  # the end of spans still believed
NOW = FOREVER - timedelta(seconds=1)  # "known now": after every recording, before FOREVER


def create_span_index(cur: Cursor, table: str) -> None:
    if cur.dialect == "postgres":
        cur.execute(
            f"CREATE INDEX {table}_at ON {table}"
            " USING gist (daterange(valid_from, valid_to), tstzrange(known_from, known_to))"
        )
    else:
        cur.execute(f"CREATE INDEX {table}_at ON {table} (valid_to, valid_from)")


def spans_at(cur: Cursor, as_of: date, known_at: datetime | None, alias: str = "") -> tuple[str, list[Any]]:
    """The condition for the spans holding on ``as_of`` as known at ``known_at`` (None: now)."""
    p = f"{alias}." if alias else ""
    known = known_at or NOW
    if cur.dialect == "postgres":  # the index's expressions, so that it is used
        sql = (
            f"daterange({p}valid_from, {p}valid_to) @> %s::date"
            f" AND tstzrange({p}known_from, {p}known_to) @> %s::timestamptz"
        )
        return sql, [as_of, known]
    sql = f"{p}valid_from <= %s AND {p}valid_to > %s AND {p}known_from <= %s AND {p}known_to > %s"
    return sql, [as_of, as_of, known, known]

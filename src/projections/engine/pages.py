"""Cursor pagination (keyset): a page ends with an opaque cursor naming its last row's sort key.

The next page starts strictly after that key, so pages neither skip nor repeat rows when rows
are added meanwhile, and deep pages cost as little as the first (no OFFSET scan). Every sort
key ends with a unique column, which makes the order total.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from ledger.errors import InvalidValue
from projections.engine.sql import Cursor, Row, as_date, as_datetime

T = TypeVar("T")
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"d"}:
        return as_date(value["d"])
    if isinstance(value, dict) and set(value) == {"t"}:
        return as_datetime(value["t"])
    if value is None or isinstance(value, str | int):
        return value
    raise ValueError(value)


def list_tag(*parts: str) -> str:
    """Which list a cursor belongs to: a cursor of another list (or a made-up one) is refused."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:8]


def encode_cursor(key: Sequence[Any], tag: str = "") -> str:
    raw = json.dumps({"k": [_plain(v) for v in key], "l": tag}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int, tag: str = "") -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("l") != tag:
            raise ValueError(cursor)
        values = data.get("k")
        if not isinstance(values, list) or len(values) != width:
            raise ValueError(cursor)
        return [_typed(v) for v in values]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidValue("the cursor is not one this list handed out; start again without it") from None


@dataclass(frozen=True)
class Probe:
    """A first try at a page in the list's own order: the first ``rows`` rows of ``table`` after
    the cursor, read through a B-tree on the order, then filtered by ``where``. When many rows
    qualify (the deals open on a day of a long history) the page is among them, read in about a
    millisecond, where the span index would find every qualifying row and sort them all for one
    page; when fewer than a page do, the page is asked the usual way. ``where`` leaves out the
    span index's condition (``spans_at(indexed=False)``): with it the planner would take the
    index, whose row count it guesses at a thousandth."""

    table: str
    where: Sequence[str]
    params: Sequence[Any]
    rows: int = 5000


def fetch_page(
    cur: Cursor,
    select: str,
    order: Sequence[str],
    where: Sequence[str],
    params: Sequence[Any],
    cursor: str | None,
    limit: int,
    convert: Callable[[Row], T],
    group_by: str = "",
    probe: Probe | None = None,
) -> Page[T]:
    """Run ``select`` (whose last columns are ``order``) for one page after ``cursor``.

    ``select`` is ``SELECT <columns>, <order columns> FROM <table>``; ``convert`` gets the
    row without the order columns. With ``probe``, the page is first looked for among the rows
    next in order (see ``Probe``).
    """
    limit = max(1, min(limit, MAX_LIMIT))
    tag = list_tag(select, *order)
    after = decode_cursor(cursor, len(order), tag) if cursor else None
    keys = f"({', '.join(order)}) > ({', '.join(['%s'] * len(order))})"
    sorted_by = ", ".join(order)
    rows: list[Row] | None = None
    try:
        if probe is not None and probe.where:
            head = select.removesuffix(f" FROM {probe.table}")
            if head == select:
                raise ValueError(f"a probe reads the list's own table: {select!r} is not from {probe.table}")
            cur.execute(
                f"{head} FROM (SELECT * FROM {probe.table}{f' WHERE {keys}' if after else ''}"
                f" ORDER BY {sorted_by} LIMIT %s) AS {probe.table}"
                f" WHERE {' AND '.join(probe.where)} ORDER BY {sorted_by} LIMIT %s",
                [*(after or ()), probe.rows, *probe.params, limit + 1],
            )
            found = cur.fetchall()
            rows = found if len(found) > limit else None  # fewer than a page: maybe more further on
        if rows is None:
            conditions, values = [*where, *([keys] if after else [])], [*params, *(after or ())]
            clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            grouping = f" GROUP BY {group_by}" if group_by else ""
            cur.execute(f"{select}{clause}{grouping} ORDER BY {sorted_by} LIMIT %s", [*values, limit + 1])
            rows = cur.fetchall()
    except _value_errors():
        if cursor:  # a forged cursor whose values do not fit the sort key's types
            raise InvalidValue("the cursor is not one this list handed out; start again without it") from None
        raise
    width = len(order)
    items = [convert(row[:-width]) for row in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1][-width:], tag) if len(rows) > limit else None
    return Page(items, next_cursor)


def page_of(items: Sequence[T], key: Callable[[T], tuple[Any, ...]], cursor: str | None, limit: int) -> Page[T]:
    """The same pagination over a list computed in memory (time-travelled states)."""
    limit = max(1, min(limit, MAX_LIMIT))
    ordered = sorted(items, key=key)
    if cursor:
        width = len(key(ordered[0])) if ordered else 0
        if not ordered:
            return Page([], None)
        after = tuple(decode_cursor(cursor, width))
        try:
            ordered = [i for i in ordered if key(i) > after]
        except TypeError:
            raise InvalidValue("the cursor is not one this list handed out; start again without it") from None
    chosen = ordered[:limit]
    return Page(chosen, encode_cursor(key(chosen[-1])) if len(ordered) > limit else None)


def _value_errors() -> tuple[type[Exception], ...]:
    """What a query raises for a value that does not fit its column. Evaluated only when a query
    fails, so a store on SQLite never imports psycopg to answer."""
    import psycopg

    return (psycopg.DataError, psycopg.ProgrammingError, sqlite3.Error)

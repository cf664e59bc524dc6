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
) -> Page[T]:
    """Run ``select`` (whose last columns are ``order``) for one page after ``cursor``.

    ``select`` is ``SELECT <columns>, <order columns> FROM <table>``; ``convert`` gets the
    row without the order columns.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    tag = list_tag(select, *order)
    conditions, values = list(where), list(params)
    if cursor:
        after = decode_cursor(cursor, len(order), tag)
        conditions.append(f"({', '.join(order)}) > ({', '.join(['%s'] * len(order))})")
        values.extend(after)
    clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    grouping = f" GROUP BY {group_by}" if group_by else ""
    try:
        cur.execute(f"{select}{clause}{grouping} ORDER BY {', '.join(order)} LIMIT %s", [*values, limit + 1])
    except _value_errors():
        if cursor:  # a forged cursor whose values do not fit the sort key's types
            raise InvalidValue("the cursor is not one this list handed out; start again without it") from None
        raise
    rows = cur.fetchall()
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

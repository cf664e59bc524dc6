"""What read models write and query with, on either backend: the cursor they are handed (rows
as plain tuples), and the SQL whose spelling differs between SQLite and PostgreSQL. Queries are
written with ``%s`` placeholders; the SQLite cursor rewrites them (see ``projections.engine.db``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgres"]
Row = tuple[Any, ...]


class Cursor(Protocol):
    dialect: Dialect  # for the few things the two backends do differently (indexes, mostly)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def fetchone(self) -> Row | None: ...
    def fetchall(self) -> list[Row]: ...
    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Insert many rows at once (PostgreSQL's COPY: several times faster than INSERTs)."""
        ...


def one_of(cur: Cursor, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column`` is one of ``values``: on PostgreSQL one array parameter (a list of hundreds of
    parameters costs more to plan than to run), sent in binary (as text, thousands of values
    took ten times as long to quote and parse as the lookup itself); on SQLite an IN list."""
    if cur.dialect == "postgres":
        return f"{column} = ANY(%b)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def by_code_point(cur: Cursor, column: str) -> str:
    """``column`` for ORDER BY or a row comparison, text compared by code point (as Python
    compares str) rather than by the database's locale, so keyset pages agree with Python."""
    return f'{column} COLLATE "C"' if cur.dialect == "postgres" else column


def days_between(cur: Cursor, later: str, earlier: str) -> str:
    """SQL for the whole days from the date column ``earlier`` to ``later``."""
    if cur.dialect == "postgres":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def in_chunks(cur: Cursor, values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``values`` in chunks small enough for one ``one_of`` (SQLite caps a statement's parameters)."""
    size = 10_000 if cur.dialect == "postgres" else 500
    for start in range(0, len(values), size):
        yield values[start : start + size]


def rows_where_one_of(cur: Cursor, table: str, key: str, columns: str, keys: Iterable[Any]) -> list[Row]:
    """``key`` and ``columns`` of the rows of ``table`` whose ``key`` is one of ``keys``."""
    rows: list[Row] = []
    for chunk in in_chunks(cur, sorted(set(keys))):
        among, params = one_of(cur, key, chunk)
        cur.execute(f"SELECT {key}, {columns} FROM {table} WHERE {among}", params)
        rows += cur.fetchall()
    return rows


def update_rows(
    cur: Cursor,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    assign: Mapping[str, str],
    match: Sequence[str],
    fixed: Mapping[str, Any] | None = None,
) -> None:
    """Update one row of ``table`` per row given. ``columns`` name each given row's values (and
    their PostgreSQL types); ``assign`` maps a column to its new value, an expression of ``{old}``
    (the column now) and ``{new}`` (the given value of that name, used once); the row updated is
    the one whose ``match`` columns equal the given values and whose ``fixed`` columns equal those
    constants. PostgreSQL: one statement for every row (``UPDATE … FROM unnest``), not one per row;
    SQLite: one statement run per row."""
    if not rows:
        return
    names = [name for name, _ in columns]
    fixed = dict(fixed or {})
    if cur.dialect == "postgres":
        sets = ", ".join(f"{c} = " + how.format(old=f"t.{c}", new=f"v.{c}") for c, how in assign.items())
        where = " AND ".join([f"t.{c} = v.{c}" for c in match] + [f"t.{c} = %s" for c in fixed])
        arrays = ", ".join(f"%b::{kind}[]" for _, kind in columns)  # binary: see one_of
        cur.execute(
            f"UPDATE {table} AS t SET {sets} FROM unnest({arrays}) AS v({', '.join(names)}) WHERE {where}",
            [*(list(values) for values in zip(*rows, strict=True)), *fixed.values()],
        )
        return
    sets = ", ".join(f"{c} = " + how.format(old=c, new="%s") for c, how in assign.items())
    where = " AND ".join(f"{c} = %s" for c in (*match, *fixed))
    order = [names.index(c) for c in (*assign, *match)]
    cur.executemany(
        f"UPDATE {table} SET {sets} WHERE {where}", [[row[i] for i in order] + list(fixed.values()) for row in rows]
    )


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def day(value: Any) -> date:
    """A NOT NULL date column's value."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def moment(value: Any) -> datetime:
    """A NOT NULL timestamp column's value."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))

"""What every finance report shares: the scope it was answered for (``ReportScope``: the two time
axes, the window, the currency, and the log position the read model had reached), the condition
that picks general-ledger lines on both axes, and amounts from integer minor units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger.money import from_minor
from projections.engine.sql import Cursor


@dataclass(frozen=True)
class ReportScope:
    """The parameters a report was answered for, and the log position it reflects."""

    as_of: date
    known_at: datetime | None
    position: int
    start: date | None = None  # for period reports
    currency: str | None = None  # the reporting currency, for reports in the functional currency


def window_condition(
    as_of: date, known_at: datetime | None, alias: str = "", start: date | None = None
) -> tuple[str, list[Any]]:
    prefix = f"{alias}." if alias else ""
    sql, params = f"{prefix}effective_date <= %s", [as_of]
    if start is not None:
        sql += f" AND {prefix}effective_date >= %s"
        params.append(start)
    if known_at is not None:
        sql += f" AND {prefix}recorded_at <= %s"
        params.append(known_at)
    return sql, params


def read_position(cur: Cursor, projection: str = "general_ledger") -> int:
    """How far the read model has folded the log: the position a report answered at."""
    cur.execute("SELECT position FROM keel_tracking WHERE projection = %s", (projection,))
    row = cur.fetchone()
    return int(row[0]) if row else 0


def zero_in(currency: str) -> Decimal:
    return from_minor(0, currency)


def amount_in(minor: int, currency: str) -> Decimal:
    return from_minor(int(minor), currency)

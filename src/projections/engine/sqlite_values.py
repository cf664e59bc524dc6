"""Values as the read models' SQLite file holds them: moments in a fixed-width UTC form (its text
order is their order), dates in ISO form; and the case folding SQLite's ``lower()`` lacks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any


def iso_timestamp(value: datetime) -> str:
    # A fixed-width UTC form, so SQLite's text comparison orders timestamps correctly.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    utc = value.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S.%f}+00:00"


def sqlite_value(value: Any) -> Any:
    # Converted here rather than by global sqlite3 adapters, which would change how every
    # other SQLite user in the process (the event store among them) stores dates.
    if isinstance(value, datetime):
        return iso_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def folded_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value

"""The log's clock: where the moment an event is recorded comes from (the "known at" axis).

The recorders ask it once per append, inside the append transaction, and keep the log's clock
monotone whatever it says (``max(clock, previous append)``, ADR 0002). Keel runs on the system
clock; the demo tells its quarter on a story clock, and tests inject the moments they need.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        ...


class SystemClock:
    """The wall clock. On PostgreSQL the recorder reads the database server's clock instead
    (``clock_timestamp()`` under the table lock): one clock for every host that appends."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK = SystemClock()


class SetClock:
    """A clock that says what it is set to: a story's moments, or a test's."""

    def __init__(self, moment: datetime) -> None:
        self._moment = utc(moment)

    def now(self) -> datetime:
        return self._moment

    def set(self, moment: datetime) -> None:
        self._moment = utc(moment)

    def advance(self, by: timedelta) -> datetime:
        self._moment += by
        return self._moment

    def __repr__(self) -> str:
        return f"SetClock({self._moment.isoformat()})"


def utc(moment: datetime) -> datetime:
    """An aware moment in UTC; a naive one is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

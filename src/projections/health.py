"""When a projection fails: which event stopped it, recorded where every process can see it.

A projection that cannot fold an event stops just before it (its page rolled back, the events
before it folded one by one), and the failure — the event's position, its aggregate and version
and topic, the error — is written on its tracking row, so ``keel projections status`` and
``GET /v1/projections`` in any process show every failing projection, not only the first one a
log line mentioned. The next page folded clears it. A lost database connection is not a failure
of the projection: it is retried, never recorded.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from projections.db import Cursor

FAILURE_COLUMNS = {"failed_position": "BIGINT", "failed_event": "TEXT", "error": "TEXT", "failed_at": "TIMESTAMPTZ"}
CLEARED = ", ".join(f"{column} = NULL" for column in FAILURE_COLUMNS)


@dataclass(frozen=True)
class Failure:
    position: int  # of the event that could not be folded
    event: str  # "<aggregate id> v<version> <topic>": where to find it in the log
    error: str
    at: datetime | None


class ProjectionFailed(Exception):
    """A projection could not fold the event after ``position``; it stays there until fixed."""

    def __init__(self, name: str, position: int, cause: Exception, failure: Failure | None = None) -> None:
        where = f" (event at {failure.position}: {failure.event})" if failure else ""
        super().__init__(f"projection {name} failed after position {position}{where}: {cause!r}")
        self.name, self.position, self.cause, self.failure = name, position, cause, failure


def transient(exc: BaseException) -> bool:
    """The database went away or was busy: nothing is wrong with the event."""
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return True
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return True
    cause = exc.__cause__ or exc.__context__
    return cause is not None and transient(cause)


def describe(position: int, event: Any, exc: BaseException) -> Failure:
    topic = getattr(type(event), "TOPIC", type(event).__name__)
    ref = f"{getattr(event, 'originator_id', '?')} v{getattr(event, 'originator_version', '?')} {topic}"
    return Failure(position, ref, f"{type(exc).__name__}: {exc}"[:2000], datetime.now(UTC))


def add_failure_columns(cur: Cursor, existing: set[str]) -> None:
    """Tracking tables made before failures were recorded gain the columns."""
    for column, kind in FAILURE_COLUMNS.items():
        if column not in existing:
            cur.execute(f"ALTER TABLE keel_tracking ADD COLUMN {column} {kind}")


def record(cur: Cursor, name: str, failure: Failure) -> None:
    cur.execute(
        "UPDATE keel_tracking SET failed_position = %s, failed_event = %s, error = %s, failed_at = %s"
        " WHERE projection = %s",
        (failure.position, failure.event, failure.error, failure.at, name),
    )

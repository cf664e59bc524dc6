"""When a projection fails: which event stopped it, recorded where every process can see it.

A projection that cannot fold an event stops just before it (its page rolled back, the events
before it folded one by one), and the failure — the event's position, its aggregate and version
and topic, the error — is written on its tracking row, so ``keel projections status`` and
``GET /v1/projections`` in any process show every failing projection, not only the first one a
log line mentioned. The next page folded clears it. A lost database connection is not a failure
of the projection: it is retried, never recorded.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from projections.engine.db import ViewDatabase
from projections.engine.sql import Cursor, as_datetime

log = logging.getLogger("keel.projections")

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


class FailureLog:
    """Each failure logged once by this process, not at every retry of the same event by the
    follower; forgotten once the projection folds again."""

    def __init__(self) -> None:
        self._logged: dict[str, tuple[int, str]] = {}

    def logged(self, failed: ProjectionFailed) -> None:
        seen = (failed.failure.position, failed.failure.error) if failed.failure else (failed.position, "")
        if self._logged.get(failed.name) != seen:
            log.error("%s", failed)
            self._logged[failed.name] = seen

    def folded(self, name: str) -> None:
        self._logged.pop(name, None)


def transient(exc: BaseException) -> bool:
    """The database went away or was busy: nothing is wrong with the event."""
    import psycopg  # asked after a failure: a store on SQLite never imports it to start

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
    """Write the failure on the projection's tracking row; ``failed_at`` stays the first time it
    failed at this event, however often it is tried again."""
    cur.execute(
        "UPDATE keel_tracking SET failed_at = CASE WHEN failed_position = %s THEN COALESCE(failed_at, %s) ELSE %s END,"
        " failed_position = %s, failed_event = %s, error = %s WHERE projection = %s",
        (failure.position, failure.at, failure.at, failure.position, failure.event, failure.error, name),
    )


def setup_failed(db: ViewDatabase, name: str, exc: Exception) -> None:
    """A projection's tables could not be made: a tracking row of version 0 (so the next start
    tries again) carrying the failure, which status shows; its folds fail until it is fixed."""
    failure = Failure(0, "setting up its tables", f"{type(exc).__name__}: {exc}"[:2000], datetime.now(UTC))
    log.error("projection %s could not be set up: %s", name, failure.error)
    with db.transaction() as cur:
        cur.execute("DELETE FROM keel_tracking WHERE projection = %s", (name,))
        cur.execute(
            "INSERT INTO keel_tracking (projection, position, clock, schema_version, updated_at)"
            " VALUES (%s, 0, %s, 0, %s)",
            (name, datetime(1970, 1, 1, tzinfo=UTC), datetime.now(UTC)),
        )
        record(cur, name, failure)


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    head: int
    updated_at: datetime | None
    events_per_second: float | None = None  # over the last page folded
    failure: Failure | None = None  # the event it stopped at, if it is stopped

    @property
    def healthy(self) -> bool:
        return self.failure is None

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


def read_status(db: ViewDatabase, head: int, names: Collection[str]) -> list[Status]:
    """Each of the named projections' tracking row: position, speed, and the failure if it is stopped."""
    with db.read() as cur:
        cur.execute(
            "SELECT projection, position, updated_at, events_per_second,"
            " failed_position, failed_event, error, failed_at FROM keel_tracking ORDER BY projection"
        )
        rows = cur.fetchall()
    return [
        Status(
            str(r[0]),
            int(r[1]),
            head,
            as_datetime(r[2]),
            float(r[3]) if r[3] is not None else None,
            Failure(int(r[4]), str(r[5]), str(r[6]), as_datetime(r[7])) if r[4] is not None else None,
        )
        for r in rows
        if r[0] in names
    ]

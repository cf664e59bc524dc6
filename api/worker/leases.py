"""Leases and run records in the database: which worker holds which cause, and what each run did.

One row per (kind, cause) in ``keel_jobs``. A worker takes a cause with one atomic upsert that
succeeds only if nobody holds it (no row, or a lease run out) and it is not done; two workers
asking at once get one answer each, and only one gets the row (PostgreSQL's unique index waits for
the first insert; SQLite's write lock serialises). A worker killed mid-job leaves its lease to run
out, and the next takes the cause over. The tables live beside the read models (on PostgreSQL the
same database as the log): they are an optimisation and a record, not the guarantee — that is
the effect's id derived from its cause.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from projections.engine.db import ViewDatabase
from projections.engine.sql import as_date, as_datetime

RETRY_FIRST, RETRY_LONGEST = 30.0, 3600.0


def setup(db: ViewDatabase) -> None:
    with db.transaction() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS keel_jobs (kind TEXT NOT NULL, cause TEXT NOT NULL, state TEXT NOT NULL,"
            " owner TEXT NOT NULL, lease_until DOUBLE PRECISION NOT NULL, attempts INTEGER NOT NULL,"
            " outcome TEXT NOT NULL, updated_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (kind, cause))"
        )
        cur.execute("CREATE INDEX IF NOT EXISTS keel_jobs_state ON keel_jobs (kind, state)")
        cur.execute("CREATE INDEX IF NOT EXISTS keel_jobs_finished ON keel_jobs (updated_at) WHERE state = 'done'")
        cur.execute(
            "CREATE TABLE IF NOT EXISTS keel_worker_runs (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
            " owner TEXT NOT NULL, as_of DATE NOT NULL, slot TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL,"
            " finished_at TIMESTAMPTZ, done INTEGER NOT NULL, skipped INTEGER NOT NULL, failed INTEGER NOT NULL,"
            " note TEXT NOT NULL)"
        )
        cur.execute("CREATE INDEX IF NOT EXISTS keel_worker_runs_kind ON keel_worker_runs (kind, started_at)")


class Leases:
    def __init__(self, db: ViewDatabase, owner: str, lease_seconds: float) -> None:
        self.db, self.owner, self.lease_seconds = db, owner, lease_seconds

    def settled(self, kind: str, causes: Sequence[str]) -> set[str]:
        """Those of ``causes`` already done (no need to ask for their leases)."""
        if not causes:
            return set()
        marks = ", ".join(["%s"] * len(causes))
        with self.db.read() as cur:
            cur.execute(
                f"SELECT cause FROM keel_jobs WHERE kind = %s AND state = 'done' AND cause IN ({marks})",
                (kind, *causes),
            )
            return {str(r[0]) for r in cur.fetchall()}

    def take(self, kind: str, causes: Sequence[str]) -> list[str]:
        """Hold those of ``causes`` that are not done and nobody holds, for ``lease_seconds``: one
        short transaction for the lot (the caller asks for a few at a time, so the lease covers them)."""
        now, taken = time.time(), []
        with self.db.transaction() as cur:
            for cause in causes:
                cur.execute(
                    "INSERT INTO keel_jobs (kind, cause, state, owner, lease_until, attempts, outcome, updated_at)"
                    " VALUES (%s, %s, 'running', %s, %s, 1, '', %s)"
                    " ON CONFLICT (kind, cause) DO UPDATE SET state = 'running', owner = excluded.owner,"
                    " lease_until = excluded.lease_until, attempts = keel_jobs.attempts + 1,"
                    " updated_at = excluded.updated_at"
                    " WHERE keel_jobs.state <> 'done' AND keel_jobs.lease_until < %s"
                    " RETURNING attempts",
                    (kind, cause, self.owner, now + self.lease_seconds, now, now),
                )
                if cur.fetchone() is not None:
                    taken.append(cause)
        return taken

    def finish(self, kind: str, ended: Sequence[tuple[str, str, str]]) -> None:
        """Record how each cause ended, ``(cause, state, outcome)``: ``done`` for good, ``waiting``
        (deferred: free at once for the next run). Only where this worker still holds the lease."""
        if not ended:
            return
        now = time.time()
        with self.db.transaction() as cur:
            cur.executemany(
                "UPDATE keel_jobs SET state = %s, outcome = %s, lease_until = 0, updated_at = %s"
                " WHERE kind = %s AND cause = %s AND owner = %s",
                [(state, outcome[:500], now, kind, cause, self.owner) for cause, state, outcome in ended],
            )

    def failed(self, kind: str, cause: str, error: str, attempts: int) -> None:
        """Free the cause for a retry after a back-off (30 s doubling to an hour)."""
        wait = min(RETRY_FIRST * 2 ** min(max(attempts - 1, 0), 20), RETRY_LONGEST)
        self._end(kind, cause, "failed", error[:500], time.time() + wait)

    def attempts(self, kind: str, cause: str) -> int:
        with self.db.read() as cur:
            cur.execute("SELECT attempts FROM keel_jobs WHERE kind = %s AND cause = %s", (kind, cause))
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def _end(self, kind: str, cause: str, state: str, outcome: str, until: float) -> None:
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE keel_jobs SET state = %s, outcome = %s, lease_until = %s, updated_at = %s"
                " WHERE kind = %s AND cause = %s AND owner = %s",
                (state, outcome, until, time.time(), kind, cause, self.owner),
            )


def prune(db: ViewDatabase, before: datetime) -> tuple[int, int]:
    """Forget finished jobs and runs older than ``before``: without this the table grows by a row per
    cause forever. Safe because a cause asked again after its row is gone is refused by the log (its
    effect's id derives from it) and recorded done again; jobs waiting or failing are kept."""
    with db.transaction() as cur:
        cur.execute(
            "DELETE FROM keel_jobs WHERE state = 'done' AND updated_at < %s RETURNING kind", (before.timestamp(),)
        )
        jobs = len(cur.fetchall())
        cur.execute(
            # each kind's last run stays whatever its age: the schedule counts its next slot from it
            "DELETE FROM keel_worker_runs WHERE finished_at IS NOT NULL AND started_at < %s"
            " AND started_at < (SELECT MAX(started_at) FROM keel_worker_runs r WHERE r.kind = keel_worker_runs.kind)"
            " RETURNING id",
            (before,),
        )
        return jobs, len(cur.fetchall())


@dataclass(frozen=True)
class Run:
    kind: str
    owner: str
    as_of: date
    slot: datetime | None
    started_at: datetime
    finished_at: datetime | None
    done: int
    skipped: int
    failed: int
    note: str


def start_run(db: ViewDatabase, kind: str, owner: str, as_of: date, slot: datetime | None, at: datetime) -> str:
    run_id = str(uuid.uuid4())
    with db.transaction() as cur:
        cur.execute(
            "INSERT INTO keel_worker_runs (id, kind, owner, as_of, slot, started_at, done, skipped, failed, note)"
            " VALUES (%s, %s, %s, %s, %s, %s, 0, 0, 0, '')",
            (run_id, kind, owner, as_of, slot, at),
        )
    return run_id


def finish_run(db: ViewDatabase, run_id: str, at: datetime, done: int, skipped: int, failed: int, note: str) -> None:
    with db.transaction() as cur:
        cur.execute(
            "UPDATE keel_worker_runs SET finished_at = %s, done = %s, skipped = %s, failed = %s, note = %s"
            " WHERE id = %s",
            (at, done, skipped, failed, note[:2000], run_id),
        )


def last_run(db: ViewDatabase, kind: str) -> Run | None:
    with db.read() as cur:
        cur.execute(
            "SELECT kind, owner, as_of, slot, started_at, finished_at, done, skipped, failed, note"
            " FROM keel_worker_runs WHERE kind = %s ORDER BY started_at DESC, id LIMIT 1",
            (kind,),
        )
        r = cur.fetchone()
    if r is None:
        return None
    as_of, started = as_date(r[2]), as_datetime(r[4])
    assert as_of is not None and started is not None
    return Run(str(r[0]), str(r[1]), as_of, as_datetime(r[3]), started, as_datetime(r[5]), r[6], r[7], r[8], str(r[9]))


def failing(db: ViewDatabase, kind: str) -> tuple[int, str | None]:
    """How many causes of ``kind`` wait for a retry after an error, and the latest error."""
    with db.read() as cur:
        cur.execute("SELECT COUNT(*) FROM keel_jobs WHERE kind = %s AND state = 'failed'", (kind,))
        row = cur.fetchone()
        count = int(row[0]) if row else 0
        if not count:
            return 0, None
        cur.execute(
            "SELECT outcome FROM keel_jobs WHERE kind = %s AND state = 'failed' ORDER BY updated_at DESC LIMIT 1",
            (kind,),
        )
        last = cur.fetchone()
    return count, str(last[0]) if last else None

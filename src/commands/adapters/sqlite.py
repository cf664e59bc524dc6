"""The SQLite recorder: Keel's log written while SQLite holds its write lock."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from commands.adapters.clock import utc
from commands.adapters.recorders import (
    DONE_SQL,
    GENESIS,
    LOG_TABLE,
    TOKEN_COLUMN,
    BulkAppend,
    KeelApplicationRecorder,
    chain_rows,
    claim_of,
    done_params,
)
from commands.idempotency import Claim, ClaimSuperseded, Ticket


class KeelSQLiteRecorder(SQLiteApplicationRecorder, KeelApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        refuse = "BEGIN SELECT RAISE(ABORT, 'keel: the log is append-only'); END"
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {LOG_TABLE} (position INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL,"
            " hash TEXT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS keel_log_recorded_at ON {LOG_TABLE} (recorded_at)",
            "CREATE TABLE IF NOT EXISTS keel_idempotency (client TEXT NOT NULL, key TEXT NOT NULL,"
            " request_hash TEXT NOT NULL, status TEXT NOT NULL, http_status INTEGER, response TEXT,"
            " claimed_at REAL NOT NULL, PRIMARY KEY (client, key))",
            *(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} {refuse}"
                for table in (self.events_table_name, LOG_TABLE)
                for op in ("UPDATE", "DELETE")
            ),
        ]

    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        c.execute("SELECT name FROM pragma_table_info('keel_idempotency')")
        if TOKEN_COLUMN not in {row[0] for row in c.fetchall()}:  # SQLite has no ADD COLUMN IF NOT EXISTS
            c.execute(f"ALTER TABLE keel_idempotency ADD COLUMN {TOKEN_COLUMN} TEXT")

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        at = kwargs.pop("at", None)  # a bulk append's moment (see BulkAppend.append)
        ids = super()._insert_events(c, stored_events, **kwargs)
        done = kwargs.get("idempotency")
        if done is not None:
            c.execute(DONE_SQL.format(p="?"), done_params(done, [i for i in ids or [] if i is not None]))
            c.execute("SELECT changes() AS n")
            if c.fetchone()["n"] != 1:
                raise ClaimSuperseded(done[0].key)
        if ids:
            # SQLite holds the write lock from the first insert until commit: appends are serial.
            c.execute(f"SELECT hash, recorded_at FROM {LOG_TABLE} ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
            previous = row["hash"] if row else GENESIS
            links = chain_rows(previous, [i for i in ids if i is not None], stored_events)
            clock = utc(self.clock.now())
            moments = list(at) if isinstance(at, Sequence) else [at] * len(stored_events)
            latest = datetime.fromisoformat(row["recorded_at"]) if row is not None else None
            rows = []
            # never earlier than the previous append, nor than the row before (see the PostgreSQL side)
            for (position, digest), moment in zip(links, moments, strict=True):
                when = utc(moment) if moment is not None else clock
                latest = when if latest is None else max(latest, when)
                rows.append((position, latest.isoformat(), digest))
            c.executemany(f"INSERT INTO {LOG_TABLE} (position, recorded_at, hash) VALUES (?, ?, ?)", rows)
        return ids

    @contextmanager
    def bulk(self) -> Iterator[BulkAppend]:
        """One write transaction (SQLite's lock from the first insert to the commit), chunk after chunk."""
        with self.datastore.transaction(commit=True) as c:
            yield _SQLiteBulk(self, c)

    def select_many(self, ids: Sequence[UUID]) -> list[StoredEvent]:
        if not ids:
            return []
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT originator_id, originator_version, topic, state FROM {self.events_table_name}"
                " WHERE originator_id IN (SELECT value FROM json_each(?)) ORDER BY originator_id, originator_version",
                (json.dumps([i.hex for i in ids]),),
            )
            return [StoredEvent(UUID(str(r[0])), int(r[1]), str(r[2]), bytes(r[3])) for r in c.fetchall()]

    def times_of(self, positions: Sequence[int]) -> dict[int, datetime]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT position, recorded_at FROM {LOG_TABLE} WHERE position IN (SELECT value FROM json_each(?))",
                (json.dumps(list(positions)),),
            )
            return {int(r["position"]): datetime.fromisoformat(r["recorded_at"]) for r in c.fetchall()}

    def recorded_times(self, first: int, last: int) -> dict[int, datetime]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT position, recorded_at FROM {LOG_TABLE} WHERE position BETWEEN ? AND ?", (first, last))
            return {int(r["position"]): datetime.fromisoformat(r["recorded_at"]) for r in c.fetchall()}

    def position_at(self, moment: datetime) -> int:
        # Stored as fixed-width UTC ISO text (or without the fraction when it is zero, which still
        # sorts right: '+' < '.'), so text order is time order.
        at = moment.astimezone(UTC)
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT position FROM {LOG_TABLE} WHERE recorded_at <= ?"
                " ORDER BY recorded_at DESC, position DESC LIMIT 1",
                (f"{at.year:04d}-{at:%m-%dT%H:%M:%S.%f}+00:00",),
            )
            row = c.fetchone()
            return int(row["position"]) if row else 0

    def chain_hashes(self, first: int, last: int) -> dict[int, str]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT position, hash FROM {LOG_TABLE} WHERE position BETWEEN ? AND ?", (first, last))
            return {int(r["position"]): str(r["hash"]) for r in c.fetchall()}

    def claim(self, ticket: Ticket, stale_after_seconds: float) -> Claim:
        now = time.time()
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "INSERT INTO keel_idempotency (client, key, request_hash, status, claimed_at, token)"
                " VALUES (?, ?, ?, 'in_flight', ?, ?)"
                " ON CONFLICT (client, key) DO UPDATE SET claimed_at = excluded.claimed_at, token = excluded.token"
                " WHERE keel_idempotency.status = 'in_flight' AND keel_idempotency.request_hash = excluded.request_hash"
                " AND keel_idempotency.claimed_at < ?",
                (ticket.client, ticket.key, ticket.request_hash, now, ticket.token, now - stale_after_seconds),
            )
            c.execute("SELECT changes() AS n")
            changed = c.fetchone()
            if changed is not None and changed["n"] == 1:
                return Claim("claimed")
            c.execute(
                "SELECT request_hash, status, http_status, response FROM keel_idempotency WHERE client = ? AND key = ?",
                (ticket.client, ticket.key),
            )
            row = c.fetchone()
        return claim_of(dict(row) if row else None, ticket)

    def finish(self, ticket: Ticket, http_status: int | None, response: str | None, success: bool) -> None:
        with self.datastore.transaction(commit=True) as c:
            if success:
                c.execute(
                    "UPDATE keel_idempotency SET status = 'done', http_status = ?, response = COALESCE(?, response)"
                    " WHERE client = ? AND key = ? AND token = ?",
                    (http_status, response, ticket.client, ticket.key, ticket.token),
                )
            else:
                c.execute(
                    "DELETE FROM keel_idempotency WHERE client = ? AND key = ? AND status = 'in_flight' AND token = ?",
                    (ticket.client, ticket.key, ticket.token),
                )

    def positions_of(self, originator_id: UUID) -> dict[int, int]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT originator_version, rowid FROM {self.events_table_name} WHERE originator_id = ?",
                (originator_id.hex,),
            )
            return {int(r[0]): int(r[1]) for r in c.fetchall()}

    def chain_bounds(self) -> tuple[int, int] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT MIN(position) AS lo, MAX(position) AS hi FROM {LOG_TABLE}")
            row = c.fetchone()
            return (int(row["lo"]), int(row["hi"])) if row and row["lo"] is not None else None


class _SQLiteBulk:
    def __init__(self, recorder: KeelSQLiteRecorder, c: SQLiteCursor) -> None:
        self.recorder, self.c = recorder, c
        self.highest = 0

    def existing(self, ids: Sequence[UUID]) -> set[UUID]:
        if not ids:
            return set()
        self.c.execute(
            f"SELECT originator_id FROM {self.recorder.events_table_name}"
            " WHERE originator_id IN (SELECT value FROM json_each(?)) AND originator_version = 1",
            (json.dumps([i.hex for i in ids]),),
        )
        return {UUID(str(row[0])) for row in self.c.fetchall()}

    def append(self, events: Sequence[StoredEvent], **kwargs: Any) -> list[int]:
        if not events:
            return []
        ids = [i for i in self.recorder._insert_events(self.c, events, **kwargs) or [] if i is not None]
        self.highest = max([self.highest, *ids])
        return ids

    def settle(self) -> int:
        return self.highest

    def versions(self, ids: Sequence[UUID]) -> dict[UUID, tuple[int, str]]:
        if not ids:
            return {}
        table = self.recorder.events_table_name
        self.c.execute(
            f"SELECT e.originator_id, e.topic, (SELECT max(m.originator_version) FROM {table} m"
            "  WHERE m.originator_id = e.originator_id) AS last"
            f" FROM {table} e WHERE e.originator_id IN (SELECT value FROM json_each(?)) AND e.originator_version = 1",
            (json.dumps([i.hex for i in ids]),),
        )
        return {UUID(str(r[0])): (int(r[2]), str(r[1])) for r in self.c.fetchall()}

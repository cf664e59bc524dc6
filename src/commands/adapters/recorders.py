"""The event store's recorders, extended inside the append transaction.

For every stored event Keel writes a row in ``keel_log`` in the same transaction, after the
library has locked the table and inserted the events: the time the append happened
(``recorded_at``, the axis "known at" is measured on, from the recorder's ``clock``: see
``commands.adapters.clock``) and a SHA-256 hash chained over the previous row, the position and the
stored bytes — so an auditor can verify that nothing was altered, removed or inserted
(``keel audit verify``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from commands.adapters.clock import SYSTEM_CLOCK, Clock, SystemClock, utc
from commands.idempotency import Claim, ClaimSuperseded, Ticket

LOG_TABLE = "keel_log"
GENESIS = "0" * 64


def chain(previous: str, position: int, originator_id: UUID | str, version: int, topic: str, state: bytes) -> str:
    """The hash of one event, chained to the previous one."""
    digest = hashlib.sha256()
    digest.update(previous.encode())
    digest.update(f"|{position}|{originator_id}|{version}|{topic}|".encode())
    digest.update(state)
    return digest.hexdigest()


def _with_position(response: dict[str, Any], ids: Sequence[int] | None) -> str:
    return json.dumps({**response, "position": max(ids) if ids else 0})


# Written in the events' transaction: the outcome, fenced by this claim's token.
DONE_SQL = (
    "UPDATE keel_idempotency SET status = 'done', http_status = {p}, response = {p}"
    " WHERE client = {p} AND key = {p} AND token = {p} AND status = 'in_flight'"
)
# Earlier versions kept no token (a claim then was fenced by nothing): added where missing.
TOKEN_COLUMN = "token"  # noqa: S105 (a column's name, not a secret)


def _done_params(done: tuple[Ticket, dict[str, Any]], ids: Sequence[int] | None) -> tuple[Any, ...]:
    ticket, response = done
    return (ticket.success_status, _with_position(response, ids), ticket.client, ticket.key, ticket.token)


def _claim_of(row: Any, ticket: Ticket) -> Claim:
    if row is None:
        return Claim("in_flight")  # released between our insert and select: let the caller retry
    if row["request_hash"] != ticket.request_hash:
        return Claim("mismatch")
    if row["status"] == "done" and row["response"] is not None:
        # No status: committed by a version that stored it only after answering, and died between
        # the two; the route's success status is what it answered.
        return Claim("done", row["http_status"] or ticket.success_status, row["response"])
    return Claim("in_flight")


def _chain_rows(previous: str, ids: Sequence[int], events: Sequence[StoredEvent]) -> list[tuple[int, str]]:
    rows = []
    for position, event in zip(ids, events, strict=True):
        previous = chain(previous, position, event.originator_id, event.originator_version, event.topic, event.state)
        rows.append((position, previous))
    return rows


class KeelPostgresRecorder(PostgresApplicationRecorder):
    clock: Clock = SYSTEM_CLOCK  # the application sets its own (KeelApplication.log_clock)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sql_create_statements.append(
            SQL(
                f"CREATE TABLE IF NOT EXISTS {LOG_TABLE} (position BIGINT PRIMARY KEY,"
                " recorded_at TIMESTAMPTZ NOT NULL, hash TEXT NOT NULL)"
            ).format()
        )
        self.sql_create_statements.append(
            SQL(f"CREATE INDEX IF NOT EXISTS keel_log_recorded_at ON {LOG_TABLE} (recorded_at)").format()
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS keel_idempotency (client TEXT NOT NULL, key TEXT NOT NULL,"
                " request_hash TEXT NOT NULL, status TEXT NOT NULL, http_status INTEGER, response TEXT,"
                " claimed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (client, key))"
            ).format()
        )
        self.sql_create_statements.append(
            SQL(f"ALTER TABLE keel_idempotency ADD COLUMN IF NOT EXISTS {TOKEN_COLUMN} TEXT").format()
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION keel_claim_fence(n bigint) RETURNS void LANGUAGE plpgsql AS $$"
                " BEGIN IF n <> 1 THEN RAISE EXCEPTION 'keel: the idempotency claim was taken over by a retry';"
                " END IF; END $$"
            ).format()
        )
        # Append-only at the database: no role working through triggers can change history.
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION keel_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN RAISE EXCEPTION 'keel: % on % is refused: the log is append-only', TG_OP, TG_TABLE_NAME;"
                " END $$"
            ).format()
        )
        for table in (self.events_table_name, LOG_TABLE):
            for kind, when in (("row", "UPDATE OR DELETE"), ("truncate", "TRUNCATE")):
                name = f"{table}_append_only_{kind}"
                level = "FOR EACH ROW" if kind == "row" else "FOR EACH STATEMENT"
                self.sql_create_statements.append(
                    SQL(
                        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{name}') THEN"
                        f" CREATE TRIGGER {name} BEFORE {when} ON {table} {level}"
                        " EXECUTE FUNCTION keel_refuse_change(); END IF; END $$"
                    ).format()
                )

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        done = kwargs.get("idempotency")
        if done is not None:
            # The library keeps the transaction going after a Python exception raised here, so the
            # fence must fail in the database: an aborted transaction commits nothing.
            curs.execute(
                SQL(
                    f"WITH done AS ({DONE_SQL.format(p='%s')} RETURNING 1) SELECT keel_claim_fence(count(*)) FROM done"
                ),
                _done_params(done, ids),
            )
            try:
                curs.fetchone()
            except psycopg.errors.RaiseException as exc:
                raise ClaimSuperseded(done[0].key) from exc
        if ids:
            # The table lock is held: no other append can interleave with this chain.
            curs.execute(SQL(f"SELECT hash, recorded_at FROM {LOG_TABLE} ORDER BY position DESC LIMIT 1"))
            row = curs.fetchone()
            previous, last = (row["hash"], row["recorded_at"]) if row else (GENESIS, None)
            # Never earlier than the previous append, even if the clock stepped back: the log's
            # clock only grows with the position, so "known at" cuts the log at one point. The system
            # clock is the database's (NULL here); any other is asked once for the whole append.
            now = None if isinstance(self.clock, SystemClock) else utc(self.clock.now())
            curs.executemany(
                SQL(
                    f"INSERT INTO {LOG_TABLE} (position, recorded_at, hash)"
                    " VALUES (%s, GREATEST(COALESCE(%s::timestamptz, clock_timestamp()), %s::timestamptz), %s)"
                ),
                [(position, now, last, digest) for position, digest in _chain_rows(previous, ids, stored_events)],
            )
        return ids

    def times_of(self, positions: Sequence[int]) -> dict[int, datetime]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(f"SELECT position, recorded_at FROM {LOG_TABLE} WHERE position = ANY(%b)"), (list(positions),)
            )
            return {int(r["position"]): r["recorded_at"] for r in curs.fetchall()}

    def recorded_times(self, first: int, last: int) -> dict[int, datetime]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(f"SELECT position, recorded_at FROM {LOG_TABLE} WHERE position BETWEEN %s AND %s"), (first, last)
            )
            return {int(r["position"]): r["recorded_at"] for r in curs.fetchall()}

    def position_at(self, moment: datetime) -> int:
        """The last position appended at or before ``moment`` (0: none)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    f"SELECT position FROM {LOG_TABLE} WHERE recorded_at <= %s"
                    " ORDER BY recorded_at DESC, position DESC LIMIT 1"
                ),
                (moment,),
            )
            row = curs.fetchone()
            return int(row["position"]) if row else 0

    def chain_hashes(self, first: int, last: int) -> dict[int, str]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(SQL(f"SELECT position, hash FROM {LOG_TABLE} WHERE position BETWEEN %s AND %s"), (first, last))
            return {int(r["position"]): str(r["hash"]) for r in curs.fetchall()}

    # -- idempotency records ---------------------------------------------------------------

    def claim(self, ticket: Ticket, stale_after_seconds: float) -> Claim:
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            curs.execute(
                SQL(
                    "INSERT INTO keel_idempotency (client, key, request_hash, status, token)"
                    " VALUES (%s, %s, %s, 'in_flight', %s)"
                    " ON CONFLICT (client, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
                    " claimed_at = clock_timestamp(), token = EXCLUDED.token"
                    " WHERE keel_idempotency.status = 'in_flight'"
                    " AND keel_idempotency.request_hash = EXCLUDED.request_hash"
                    " AND keel_idempotency.claimed_at < clock_timestamp() - make_interval(secs => %s)"
                    " RETURNING status"
                ),
                (ticket.client, ticket.key, ticket.request_hash, ticket.token, stale_after_seconds),
            )
            if curs.fetchone() is not None:
                return Claim("claimed")
            curs.execute(
                SQL(
                    "SELECT request_hash, status, http_status, response FROM keel_idempotency"
                    " WHERE client = %s AND key = %s"
                ),
                (ticket.client, ticket.key),
            )
            row = curs.fetchone()
        return _claim_of(row, ticket)

    def finish(self, ticket: Ticket, http_status: int | None, response: str | None, success: bool) -> None:
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            if success:
                curs.execute(
                    SQL(
                        "UPDATE keel_idempotency SET status = 'done', http_status = %s,"
                        " response = COALESCE(%s, response) WHERE client = %s AND key = %s AND token = %s"
                    ),
                    (http_status, response, ticket.client, ticket.key, ticket.token),
                )
            else:
                curs.execute(
                    SQL(
                        "DELETE FROM keel_idempotency WHERE client = %s AND key = %s AND status = 'in_flight'"
                        " AND token = %s"
                    ),
                    (ticket.client, ticket.key, ticket.token),
                )

    def positions_of(self, originator_id: UUID) -> dict[int, int]:
        """Version -> log position of one aggregate's events."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    f"SELECT originator_version, notification_id FROM {self.events_table_name} WHERE originator_id = %s"
                ),
                (originator_id,),
            )
            return {int(r["originator_version"]): int(r["notification_id"]) for r in curs.fetchall()}

    def chain_bounds(self) -> tuple[int, int] | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(SQL(f"SELECT MIN(position) AS lo, MAX(position) AS hi FROM {LOG_TABLE}"))
            row = curs.fetchone()
            return (int(row["lo"]), int(row["hi"])) if row and row["lo"] is not None else None


class KeelSQLiteRecorder(SQLiteApplicationRecorder):
    clock: Clock = SYSTEM_CLOCK  # the application sets its own (KeelApplication.log_clock)

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
        ids = super()._insert_events(c, stored_events, **kwargs)
        done = kwargs.get("idempotency")
        if done is not None:
            c.execute(DONE_SQL.format(p="?"), _done_params(done, [i for i in ids or [] if i is not None]))
            c.execute("SELECT changes() AS n")
            if c.fetchone()["n"] != 1:
                raise ClaimSuperseded(done[0].key)
        if ids:
            # SQLite holds the write lock from the first insert until commit: appends are serial.
            c.execute(f"SELECT hash, recorded_at FROM {LOG_TABLE} ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
            previous = row["hash"] if row else GENESIS
            now = utc(self.clock.now())
            if row is not None:  # never earlier than the previous append (see the PostgreSQL side)
                now = max(now, datetime.fromisoformat(row["recorded_at"]))
            now_text = now.isoformat()
            for position, digest in _chain_rows(previous, [i for i in ids if i is not None], stored_events):
                c.execute(
                    f"INSERT INTO {LOG_TABLE} (position, recorded_at, hash) VALUES (?, ?, ?)",
                    (position, now_text, digest),
                )
        return ids

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
        return _claim_of(dict(row) if row else None, ticket)

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

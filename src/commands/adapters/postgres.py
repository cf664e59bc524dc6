"""The PostgreSQL recorder: Keel's log written under the library's table lock."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, Recorder, StoredEvent
from eventsourcing.persistence import ProgrammingError as PersistenceProgrammingError
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresRecorder
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from commands.adapters.clock import SystemClock, utc
from commands.adapters.postgres_bulk import LOG_INSERT, LOG_INSERT_EACH_AT, PostgresBulk
from commands.adapters.postgres_group import Append, GroupCommit, taken_versions
from commands.adapters.postgres_reads import PostgresLogReads
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
from commands.adapters.store import keep_reconnecting, schema_lock
from commands.idempotency import Claim, ClaimSuperseded, Ticket

# The library appends in pipeline mode; a batch of many events, or one very large event (opening
# balances of 100,000 lines: a single multi-megabyte state), was seen to hang for ever there (the
# server waiting in ClientRead, psycopg in poll: the pipeline deadlock of psycopg issue #685, still
# there with 3.3). An append above either bound goes in one plain transaction instead: the same
# statements, in the same order. The byte bound stays well under a socket's buffers.
PIPELINE_MAX_EVENTS = 500
PIPELINE_MAX_BYTES = 256 * 1024


def fits_pipeline(stored_events: Sequence[StoredEvent]) -> bool:
    """Whether an append is small enough for the library's pipelined insert."""
    if len(stored_events) > PIPELINE_MAX_EVENTS:
        return False
    size = 0
    for event in stored_events:
        size += len(event.state)
        if size > PIPELINE_MAX_BYTES:
            return False
    return True


class KeelPostgresRecorder(PostgresLogReads, PostgresApplicationRecorder, KeelApplicationRecorder):
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if self.datastore.enable_db_functions or not stored_events:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        return self.groups.append(stored_events, kwargs)

    def _commit_alone(self, group: list[Append]) -> None:
        """One append in its own transaction: pipelined where that is safe (see ``fits_pipeline``)."""
        (append,) = group
        try:
            if fits_pipeline(append.events):
                append.ids = super().insert_events(append.events, **append.options)
                return
            with self.datastore.get_connection() as conn, conn.transaction():
                with conn.cursor() as curs:
                    self._insert_events(curs, append.events, **append.options)
                with conn.cursor() as curs:
                    self._insert_stored_events(curs, append.events, **append.options)
                    append.ids = self._fetch_ids_after_insert_events(curs, append.events, **append.options)
        except Exception as exc:  # the outcome is the caller's, raised in its thread
            append.error = exc

    def _commit_group(self, group: list[Append]) -> None:
        """Several commands' appends in one transaction, under one table lock (``postgres_group``)."""
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_table(curs)
            self._notify_channel(curs)
            asked = [e for a in group for e in a.events]
            curs.execute(
                SQL(
                    f"SELECT originator_id::text AS i, originator_version AS v FROM {self.events_table_name}"
                    f" JOIN unnest(%s::{self.datastore.originator_id_type}[], %s::bigint[]) AS t(i, v)"
                    " ON originator_id = t.i AND originator_version = t.v"
                ),
                ([e.originator_id for e in asked], [e.originator_version for e in asked]),
            )
            taken_versions(group, {(r["i"], int(r["v"])) for r in curs.fetchall()})
            self._fence(curs, [a for a in group if a.error is None and a.options.get("idempotency")])
            live = [a for a in group if a.error is None]
            events = [e for a in live for e in a.events]
            if not events:
                return
            curs.execute(
                self.insert_events_statement,
                (
                    [
                        self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                        for e in events
                    ],
                ),
            )
            ids = [int(r["notification_id"]) for r in curs.fetchall()]
            start = 0
            for append in live:
                append.ids, start = ids[start : start + len(append.events)], start + len(append.events)
            done = [done_params(a.options["idempotency"], a.ids) for a in live if a.options.get("idempotency")]
            if done:
                curs.executemany(SQL(DONE_SQL.format(p="%s")), done)
            previous, last = self.log_head(curs)
            self.append_log(curs, chain_rows(previous, ids, events), last)

    def _fence(self, curs: Cursor[DictRow], fenced: list[Append]) -> None:
        """Fail the appends whose idempotency claim a retry took over; hold the others' claims."""
        if not fenced:
            return
        tickets = [a.options["idempotency"][0] for a in fenced]
        curs.execute(
            SQL(
                "SELECT client, key FROM keel_idempotency"
                " JOIN unnest(%s::text[], %s::text[], %s::text[]) AS t(c, k, tok)"
                " ON client = t.c AND key = t.k AND token = t.tok WHERE status = 'in_flight'"
                " FOR UPDATE OF keel_idempotency"
            ),
            ([t.client for t in tickets], [t.key for t in tickets], [t.token for t in tickets]),
        )
        held = {(r["client"], r["key"]) for r in curs.fetchall()}
        for append, ticket in zip(fenced, tickets, strict=True):
            if (ticket.client, ticket.key) not in held:
                append.error = ClaimSuperseded(ticket.key)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = GroupCommit(self._commit_group, self._commit_alone)
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

    def set_up(self, database_url: str, snapshots: Recorder | None) -> None:
        """Tune the pool (one datastore, one pool for events and snapshots) and create the tables
        under the schema lock: the store's environment leaves that to us (``CREATE_TABLE=false``),
        since the library's own CREATE TABLE IF NOT EXISTS fails when several processes start at once."""
        keep_reconnecting(self.datastore.pool)
        with schema_lock(database_url):
            for recorder in (self, snapshots):
                if isinstance(recorder, PostgresRecorder):  # the snapshots' recorder is the library's own
                    try:
                        recorder.create_table()
                    except PersistenceProgrammingError as exc:
                        # The application's own role (keel db grant-app-role) does not own the log:
                        # its owner set the tables up; running as the app role we only use them.
                        if "must be owner" not in str(exc):
                            raise

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
                done_params(done, ids),
            )
            try:
                curs.fetchone()
            except psycopg.errors.RaiseException as exc:
                raise ClaimSuperseded(done[0].key) from exc
        if ids:
            # The table lock is held: no other append can interleave with this chain.
            previous, last = self.log_head(curs)
            self.append_log(curs, chain_rows(previous, ids, stored_events), last)
        return ids

    def log_head(self, curs: Cursor[DictRow]) -> tuple[str, datetime | None]:
        """The last link of the chain: its hash (the genesis before the first) and its time."""
        curs.execute(SQL(f"SELECT hash, recorded_at FROM {LOG_TABLE} ORDER BY position DESC LIMIT 1"))
        row = curs.fetchone()
        return (row["hash"], row["recorded_at"]) if row else (GENESIS, None)

    def append_log(
        self,
        curs: Cursor[DictRow],
        links: Sequence[tuple[int, str]],
        last: datetime | None,
        *,
        timed: bool = False,
        at: datetime | Sequence[datetime | None] | None = None,
    ) -> datetime | None:
        """The chain's rows of an append (positions and hashes), in one statement however many;
        the time recorded, never earlier than ``last`` (the previous append's), even if the clock
        stepped back: the log's clock only grows with the position, so "known at" cuts the log at
        one point. The system clock is the database's; any other is asked once for the append.
        ``timed``: answer the time recorded (a bulk append's next chunk follows it; a command's
        append asks nothing back, so its pipeline waits for nothing)."""
        clock = None if isinstance(self.clock, SystemClock) else utc(self.clock.now())
        now = utc(at) if isinstance(at, datetime) else clock
        arrays: list[Any] = [[position for position, _ in links], [digest for _, digest in links]]
        insert = LOG_INSERT
        if isinstance(at, Sequence):  # a bulk import's, one an event
            insert = LOG_INSERT_EACH_AT
            arrays.append([utc(m) if m is not None else None for m in at])
        if timed:
            insert = (
                f"WITH logged AS ({insert} RETURNING recorded_at) SELECT max(recorded_at) AS recorded_at FROM logged"
            )
        curs.execute(SQL(insert), (now, last, *arrays))
        if not timed:
            return None
        row = curs.fetchone()
        assert row is not None and row["recorded_at"] is not None
        recorded_at: datetime = row["recorded_at"]
        return recorded_at

    @contextmanager
    def bulk(self) -> Iterator[BulkAppend]:
        """One transaction on one connection: each chunk takes the table lock (held from the first
        to the commit, so the log stays gap-free for readers), inserts its events and their log rows,
        on a writer thread behind the caller (``postgres_bulk``)."""
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            bulk = PostgresBulk(self, curs)
            try:
                yield bulk
                bulk.settle()  # a failed chunk raises here: the transaction rolls back
            finally:
                bulk.close()

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
        return claim_of(row, ticket)

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

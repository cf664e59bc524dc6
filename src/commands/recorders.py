"""The event store's recorders, extended inside the append transaction.

For every stored event Keel writes a row in ``keel_log`` in the same transaction, after the
library has locked the table and inserted the events: the time the append happened
(``recorded_at``, the axis "known at" is measured on) and a SHA-256 hash chained over the
previous row, the position and the stored bytes — so an auditor can verify that nothing was
altered, removed or inserted (``keel audit verify``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

LOG_TABLE = "keel_log"
GENESIS = "0" * 64


def chain(previous: str, position: int, originator_id: UUID | str, version: int, topic: str, state: bytes) -> str:
    """The hash of one event, chained to the previous one."""
    digest = hashlib.sha256()
    digest.update(previous.encode())
    digest.update(f"|{position}|{originator_id}|{version}|{topic}|".encode())
    digest.update(state)
    return digest.hexdigest()


def _chain_rows(previous: str, ids: Sequence[int], events: Sequence[StoredEvent]) -> list[tuple[int, str]]:
    rows = []
    for position, event in zip(ids, events, strict=True):
        previous = chain(previous, position, event.originator_id, event.originator_version, event.topic, event.state)
        rows.append((position, previous))
    return rows


class KeelPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sql_create_statements.append(
            SQL(
                f"CREATE TABLE IF NOT EXISTS {LOG_TABLE} (position BIGINT PRIMARY KEY,"
                " recorded_at TIMESTAMPTZ NOT NULL, hash TEXT NOT NULL)"
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
        if ids:
            # The table lock is held: no other append can interleave with this chain.
            curs.execute(SQL(f"SELECT hash FROM {LOG_TABLE} ORDER BY position DESC LIMIT 1"))
            row = curs.fetchone()
            previous = row["hash"] if row else GENESIS
            curs.executemany(
                SQL(f"INSERT INTO {LOG_TABLE} (position, recorded_at, hash) VALUES (%s, clock_timestamp(), %s)"),
                _chain_rows(previous, ids, stored_events),
            )
        return ids

    def recorded_times(self, first: int, last: int) -> dict[int, datetime]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(f"SELECT position, recorded_at FROM {LOG_TABLE} WHERE position BETWEEN %s AND %s"), (first, last)
            )
            return {int(r["position"]): r["recorded_at"] for r in curs.fetchall()}

    def chain_hashes(self, first: int, last: int) -> dict[int, str]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(SQL(f"SELECT position, hash FROM {LOG_TABLE} WHERE position BETWEEN %s AND %s"), (first, last))
            return {int(r["position"]): str(r["hash"]) for r in curs.fetchall()}

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
    def construct_create_table_statements(self) -> list[str]:
        refuse = "BEGIN SELECT RAISE(ABORT, 'keel: the log is append-only'); END"
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {LOG_TABLE} (position INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL,"
            " hash TEXT NOT NULL)",
            *(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} {refuse}"
                for table in (self.events_table_name, LOG_TABLE)
                for op in ("UPDATE", "DELETE")
            ),
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            # SQLite holds the write lock from the first insert until commit: appends are serial.
            c.execute(f"SELECT hash FROM {LOG_TABLE} ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
            previous = row["hash"] if row else GENESIS
            now = datetime.now(UTC).isoformat()
            for position, digest in _chain_rows(previous, [i for i in ids if i is not None], stored_events):
                c.execute(
                    f"INSERT INTO {LOG_TABLE} (position, recorded_at, hash) VALUES (?, ?, ?)", (position, now, digest)
                )
        return ids

    def recorded_times(self, first: int, last: int) -> dict[int, datetime]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT position, recorded_at FROM {LOG_TABLE} WHERE position BETWEEN ? AND ?", (first, last))
            return {int(r["position"]): datetime.fromisoformat(r["recorded_at"]) for r in c.fetchall()}

    def chain_hashes(self, first: int, last: int) -> dict[int, str]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT position, hash FROM {LOG_TABLE} WHERE position BETWEEN ? AND ?", (first, last))
            return {int(r["position"]): str(r["hash"]) for r in c.fetchall()}

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

"""What Keel reads of its log on PostgreSQL: times, positions, the chain, events by the page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg.rows import tuple_row
from psycopg.sql import SQL

from commands.adapters.recorders import LOG_TABLE, StoredRow


class PostgresLogReads:
    """Keel's reads of the log; mixed into the PostgreSQL recorder (its datastore and table)."""

    datastore: Any
    events_table_name: str

    def select_stored(self, after: int, limit: int) -> list[StoredRow]:
        # Tuples, the log's time joined in: the log's export reads a million events here (ADR 0064).
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(
                SQL(
                    "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state, l.recorded_at"
                    f" FROM {self.events_table_name} e LEFT JOIN {LOG_TABLE} l"
                    # Bounded on both sides: else the join reads the log's times from position 1
                    # for every page (970,000 rows for the page at 950,000 of 1M: 143 ms, not 20).
                    " ON l.position = e.notification_id AND l.position > %s"
                    " WHERE e.notification_id > %s ORDER BY e.notification_id LIMIT %s"
                ),
                (after, after, limit),
            )
            return [StoredRow(n, i, v, t, bytes(s), r) for n, i, v, t, s, r in curs.fetchall()]

    def select_many(self, ids: Sequence[UUID]) -> list[StoredEvent]:
        if not ids:
            return []
        # Rows as tuples, not the pool's dicts: a reconciliation reads 24,000 events here (ADR 0050).
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(
                SQL(
                    f"SELECT originator_id, originator_version, topic, state FROM {self.events_table_name}"
                    " WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
                ),
                (list(ids),),
            )
            return [
                StoredEvent(i if type(i) is UUID else UUID(str(i)), v, t, bytes(s)) for i, v, t, s in curs.fetchall()
            ]

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

"""PostgreSQL's bulk append (ADR 0036, 0042): one transaction written chunk by chunk, each chunk's
insert running on a writer thread while the caller reads and builds the next one.

A chunk's insert is mostly the server's work (the heap, two indexes, the chain's rows): the
client waits on the socket with the GIL released, so a second thread hides that wait behind the
next chunk's parsing. Only one thread uses the connection at a time: ``existing`` (the caller's
question "which of these lines are there already?") and ``settle`` first wait for every queued
append, so they see all of them; an error on the writer is raised to the caller at its next call
and the transaction rolls back. Order is kept (one writer, one queue), so positions and the hash
chain are exactly those of synchronous appends.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from commands.adapters.recorders import LOG_TABLE, chain_rows


class _Recorder(Protocol):
    """What the writer needs of Keel's PostgreSQL recorder (named here, not imported: that module
    imports this one)."""

    events_table_name: str

    def _lock_table(self, curs: Cursor[DictRow]) -> None: ...
    def _notify_channel(self, curs: Cursor[DictRow]) -> None: ...
    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None: ...
    def log_head(self, curs: Cursor[DictRow]) -> tuple[str, datetime | None]: ...
    def append_log(
        self,
        curs: Cursor[DictRow],
        links: Sequence[tuple[int, str]],
        last: datetime | None,
        *,
        timed: bool = False,
        at: datetime | Sequence[datetime | None] | None = None,
    ) -> datetime | None: ...


Moments = datetime | Sequence[datetime | None] | None  # when an append is recorded: one, or one an event

LOG_INSERT = (
    f"INSERT INTO {LOG_TABLE} (position, recorded_at, hash)"
    " SELECT p, GREATEST(COALESCE(%s::timestamptz, clock_timestamp()), %s::timestamptz), h"
    " FROM unnest(%b::bigint[], %b::text[]) AS t(p, h)"
)
# Each event its own moment, none earlier than one before it (a running max): a bulk import's.
LOG_INSERT_EACH_AT = (
    f"INSERT INTO {LOG_TABLE} (position, recorded_at, hash)"
    " SELECT p, GREATEST(max(COALESCE(m, %s::timestamptz, clock_timestamp())) OVER (ORDER BY n), %s::timestamptz), h"
    " FROM unnest(%b::bigint[], %b::text[], %b::timestamptz[]) WITH ORDINALITY AS t(p, h, m, n)"
)

# At most this many chunks wait for the writer: the caller never runs more than one chunk ahead
# of the database, so memory stays a chunk or two whatever the file's size.
QUEUED_CHUNKS = 1
_STOP = None


class PostgresBulk:
    """The ``BulkAppend`` of PostgreSQL (see ``commands.adapters.recorders.BulkAppend``)."""

    def __init__(self, recorder: _Recorder, curs: Cursor[DictRow]) -> None:
        self.recorder, self.curs = recorder, curs
        self._highest = 0
        self._error: BaseException | None = None
        self._queue: queue.Queue[tuple[Sequence[StoredEvent], Moments] | None] = queue.Queue(QUEUED_CHUNKS)
        self._writer: threading.Thread | None = None
        # The chain's last link once this transaction holds the table lock: no one else can append
        # until it commits, so each chunk goes on from here without asking the database.
        self._head: tuple[str, datetime | None] | None = None

    def existing(self, ids: Sequence[UUID]) -> set[UUID]:
        self.settle()
        if not ids:
            return set()
        self.curs.execute(
            SQL(
                f"SELECT originator_id FROM {self.recorder.events_table_name}"
                " WHERE originator_id = ANY(%b::uuid[]) AND originator_version = 1"
            ),
            (list(ids),),
        )
        return {UUID(str(row["originator_id"])) for row in self.curs.fetchall()}

    def versions(self, ids: Sequence[UUID]) -> dict[UUID, tuple[int, str]]:
        self.settle()
        if not ids:
            return {}
        table = self.recorder.events_table_name
        self.curs.execute(
            SQL(
                f"SELECT e.originator_id, e.topic, (SELECT max(m.originator_version) FROM {table} m"
                "  WHERE m.originator_id = e.originator_id) AS last"
                f" FROM {table} e WHERE e.originator_id = ANY(%b::uuid[]) AND e.originator_version = 1"
            ),
            (list(ids),),
        )
        return {UUID(str(r["originator_id"])): (int(r["last"]), str(r["topic"])) for r in self.curs.fetchall()}

    def append(self, events: Sequence[StoredEvent], **kwargs: Any) -> list[int]:
        """Queue the events behind those appended before; an append that completes a request
        (``idempotency``) is written at once, after them, and answers its positions. The others
        answer none: ``settle`` gives the highest."""
        self._raise_failure()
        if not events:
            return []
        at = kwargs.pop("at", None)
        if kwargs:
            self.settle()
            return self._insert(events, **kwargs)
        if self._writer is None:
            self._writer = threading.Thread(target=self._write, name="keel-bulk-append", daemon=True)
            self._writer.start()
        self._queue.put((events, at))  # the moment travels with the chunk: the writer stamps it later
        return []

    def settle(self) -> int:
        """Wait until every queued append is in (raising what failed); the highest position so far."""
        if self._writer is not None:
            self._queue.join()
        self._raise_failure()
        return self._highest

    def close(self) -> None:
        """Stop the writer (after the chunk it is inserting): the transaction then ends either way."""
        if self._writer is None:
            return
        while True:  # drop what is queued: the block failed, nothing of it will be committed
            try:
                self._queue.get_nowait()
                self._queue.task_done()
            except queue.Empty:
                break
        self._queue.put(_STOP)
        self._writer.join()
        self._writer = None

    def _write(self) -> None:
        while (work := self._queue.get()) is not _STOP:
            try:
                if self._error is None:
                    self._insert_chunk(*work)
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _insert_chunk(self, events: Sequence[StoredEvent], at: Moments = None) -> None:
        """A queued chunk: two round trips (its events, then its links of the chain). The lock, the
        notification and the chain's head are taken by the first chunk for the whole transaction:
        every round trip of the writer also waits for the caller's thread to let go of the
        interpreter, so fewer of them is most of the writer's time."""
        recorder, curs = self.recorder, self.curs
        if self._head is None:
            recorder._lock_table(curs)
            recorder._notify_channel(curs)
            self._head = recorder.log_head(curs)
        curs.execute(
            SQL(
                f"WITH inserted AS (INSERT INTO {recorder.events_table_name}"
                " (originator_id, originator_version, topic, state)"
                " SELECT * FROM unnest(%b::uuid[], %b::int4[], %b::text[], %b::bytea[]) RETURNING notification_id)"
                # Positions are drawn in the arrays' order: sorted, they pair with the events.
                " SELECT array_agg(notification_id ORDER BY notification_id) AS ids FROM inserted"
            ),
            _columns(events),
        )
        row = curs.fetchone()
        ids: list[int] = list(row["ids"]) if row is not None and row["ids"] is not None else []
        if len(ids) != len(events):
            raise RuntimeError(f"an append of {len(events)} events was given {len(ids)} positions")
        previous, last = self._head
        links = chain_rows(previous, ids, events)
        self._head = (links[-1][1], recorder.append_log(curs, links, last, timed=True, at=at))
        self._highest = max(self._highest, ids[-1])

    def _insert(self, events: Sequence[StoredEvent], **kwargs: Any) -> list[int]:
        """An append that completes the request, after every chunk: the recorder's own path (its
        idempotency record and its links, the chain's head read back from this transaction)."""
        recorder = self.recorder
        recorder._lock_table(self.curs)
        recorder._notify_channel(self.curs)
        # Column arrays sent in binary (the library's composite-typed array is dumped row by row in
        # Python: twice as slow for a statement's many lines); positions returned in the arrays' order.
        self.curs.execute(
            SQL(
                f"INSERT INTO {recorder.events_table_name} (originator_id, originator_version, topic, state)"
                " SELECT * FROM unnest(%b::uuid[], %b::int4[], %b::text[], %b::bytea[]) RETURNING notification_id"
            ),
            _columns(events),
        )
        ids = list(recorder._fetch_ids_after_insert_events(self.curs, events, **kwargs) or [])
        self._highest = max(self._highest, *ids) if ids else self._highest
        return ids


def _columns(events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
    return (
        [e.originator_id for e in events],
        [e.originator_version for e in events],
        [e.topic for e in events],
        [e.state for e in events],
    )

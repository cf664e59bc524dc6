"""What every Keel recorder shares: the log's hash chain, the idempotency records, the port.

For every stored event Keel writes a row in ``keel_log`` in the same transaction, after the
library has locked the table and inserted the events: the time the append happened
(``recorded_at``, the axis "known at" is measured on, from the recorder's ``clock``: see
``commands.adapters.clock``) and a SHA-256 hash chained over the previous row, the position and the
stored bytes — so an auditor can verify that nothing was altered, removed or inserted
(``keel audit verify``).

``KeelRecorder`` is what the application and the audit ask of a store beyond the library's
recorder; each backend answers in its own module (``postgres``, ``sqlite``, ``memory``).
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple, Protocol, cast
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Recorder, StoredEvent

from commands.adapters.clock import SYSTEM_CLOCK, Clock
from commands.idempotency import Claim, Ticket

LOG_TABLE = "keel_log"
GENESIS = "0" * 64


def chain(previous: str, position: int, originator_id: UUID | str, version: int, topic: str, state: bytes) -> str:
    """The hash of one event, chained to the previous one."""
    digest = hashlib.sha256()
    digest.update(previous.encode())
    digest.update(f"|{position}|{originator_id}|{version}|{topic}|".encode())
    digest.update(state)
    return digest.hexdigest()


def with_position(response: dict[str, Any], ids: Sequence[int] | None) -> str:
    return json.dumps({**response, "position": max(ids) if ids else 0})


# Written in the events' transaction: the outcome, fenced by this claim's token.
DONE_SQL = (
    "UPDATE keel_idempotency SET status = 'done', http_status = {p}, response = {p}"
    " WHERE client = {p} AND key = {p} AND token = {p} AND status = 'in_flight'"
)
# Earlier versions kept no token (a claim then was fenced by nothing): added where missing.
TOKEN_COLUMN = "token"  # noqa: S105 (a column's name, not a secret)


def done_params(done: tuple[Ticket, dict[str, Any]], ids: Sequence[int] | None) -> tuple[Any, ...]:
    ticket, response = done
    return (ticket.success_status, with_position(response, ids), ticket.client, ticket.key, ticket.token)


def claim_of(row: Any, ticket: Ticket) -> Claim:
    if row is None:
        return Claim("in_flight")  # released between our insert and select: let the caller retry
    if row["request_hash"] != ticket.request_hash:
        return Claim("mismatch")
    if row["status"] == "done" and row["response"] is not None:
        # No status: committed by a version that stored it only after answering, and died between
        # the two; the route's success status is what it answered.
        return Claim("done", row["http_status"] or ticket.success_status, row["response"])
    return Claim("in_flight")


def chain_rows(previous: str, ids: Sequence[int], events: Sequence[StoredEvent]) -> list[tuple[int, str]]:
    rows = []
    for position, event in zip(ids, events, strict=True):
        previous = chain(previous, position, event.originator_id, event.originator_version, event.topic, event.state)
        rows.append((position, previous))
    return rows


class StoredRow(NamedTuple):
    """A stored event with its log position and when it was recorded (None: no times kept)."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    stored: bytes  # the event's state as the mapper wrote it
    recorded_at: datetime | None


class BulkAppend(Protocol):
    """Appends in one transaction, chunk after chunk (a statement's lines): what was appended so
    far is seen by ``existing``; nothing is committed unless the block ends without an error."""

    def existing(self, ids: Sequence[UUID]) -> set[UUID]:
        """Those of ``ids`` that have events already (committed, or appended in this transaction)."""
        ...

    def append(self, events: Sequence[StoredEvent], **kwargs: Any) -> list[int]:
        """Append events (``idempotency`` as for ``insert_events``; ``at``: the moment they are
        recorded at instead of the clock's, never earlier than the log's last); their log positions,
        or none where the append is still under way (``settle``)."""
        ...

    def settle(self) -> int:
        """Wait for every append so far; the highest log position they took (0: none known)."""
        ...

    def versions(self, ids: Sequence[UUID]) -> dict[UUID, tuple[int, str]]:
        """Of those of ``ids`` that have events: the last version and the topic of the first."""
        ...


class _Buffered:
    """The bulk append of a store without transactions (in memory): kept, then inserted at once."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.recorder, self.events, self.kwargs = recorder, list[StoredEvent](), dict[str, Any]()

    def existing(self, ids: Sequence[UUID]) -> set[UUID]:
        pending = {e.originator_id for e in self.events}
        return {i for i in ids if i in pending or self.recorder.select_events(i, limit=1)}

    def append(self, events: Sequence[StoredEvent], **kwargs: Any) -> list[int]:
        self.events += events
        self.kwargs.update({k: v for k, v in kwargs.items() if k != "at"})  # no log times in memory
        return []

    def settle(self) -> int:
        return 0

    def versions(self, ids: Sequence[UUID]) -> dict[UUID, tuple[int, str]]:
        found: dict[UUID, tuple[int, str]] = {}
        for i in ids:
            stored = [*self.recorder.select_events(i), *(e for e in self.events if e.originator_id == i)]
            if stored:
                found[i] = (stored[-1].originator_version, stored[0].topic)
        return found


class KeelRecorder(ABC):
    """The log as Keel keeps it, beside the library's events: when each position was recorded,
    its hash chain, and the idempotency records written with the events."""

    clock: Clock = SYSTEM_CLOCK  # the application sets its own (KeelApplication.log_clock)

    def set_up(self, database_url: str, snapshots: Recorder | None) -> None:
        """Once the application is built: whatever the backend still needs (nothing, by default)."""
        return

    @contextmanager
    def bulk(self) -> Iterator[BulkAppend]:
        """One transaction appended in chunks (see ``BulkAppend``); each backend overrides it, this
        default (the in-memory store's) keeps the chunks and inserts them at the end."""
        assert isinstance(self, ApplicationRecorder)
        buffered = _Buffered(self)
        yield buffered
        if buffered.events:
            self.insert_events(buffered.events, **buffered.kwargs)

    def select_many(self, ids: Sequence[UUID]) -> list[StoredEvent]:
        """Every event of these aggregates, each aggregate's in version order (one query per backend)."""
        assert isinstance(self, ApplicationRecorder)
        return [event for i in ids for event in self.select_events(i)]

    def select_stored(self, after: int, limit: int) -> list[StoredRow]:
        """Up to ``limit`` stored events after position ``after``, each with when it was recorded."""
        assert isinstance(self, ApplicationRecorder)
        found = self.select_notifications(start=after, limit=limit, inclusive_of_start=False)
        times = self.times_of([n.id for n in found])
        return [
            StoredRow(n.id, cast(UUID, n.originator_id), n.originator_version, n.topic, n.state, times.get(n.id))
            for n in found
        ]

    # -- the "known at" axis -------------------------------------------------------------

    @abstractmethod
    def times_of(self, positions: Sequence[int]) -> dict[int, datetime]:
        """When each of these positions was appended (empty where the store keeps no times)."""

    @abstractmethod
    def recorded_times(self, first: int, last: int) -> dict[int, datetime]:
        """When each position from ``first`` to ``last`` was appended."""

    @abstractmethod
    def position_at(self, moment: datetime) -> int:
        """The last position appended at or before ``moment`` (0: none)."""

    @abstractmethod
    def positions_of(self, originator_id: UUID) -> dict[int, int]:
        """Version -> log position of one aggregate's events."""

    # -- the hash chain ------------------------------------------------------------------

    @abstractmethod
    def chain_bounds(self) -> tuple[int, int] | None:
        """The first and last position with a link, None for an empty chain."""

    @abstractmethod
    def chain_hashes(self, first: int, last: int) -> dict[int, str]:
        """The chain's link at each position from ``first`` to ``last``."""

    # -- idempotency records -------------------------------------------------------------

    @abstractmethod
    def claim(self, ticket: Ticket, stale_after_seconds: float) -> Claim:
        """Claim a request's key (or find what an earlier request with it answered)."""

    @abstractmethod
    def finish(self, ticket: Ticket, http_status: int | None, response: str | None, success: bool) -> None:
        """Record a claimed request's outcome, or release its claim when it failed."""


class KeelApplicationRecorder(ApplicationRecorder, KeelRecorder):
    """A library application recorder that keeps Keel's log: what ``KeelApplication`` runs on."""


def keel_recorder(recorder: ApplicationRecorder) -> KeelApplicationRecorder:
    """The application's recorder as the Keel recorder it must be (``store.event_store_env`` names one)."""
    if not isinstance(recorder, KeelApplicationRecorder):
        raise TypeError(f"{type(recorder).__name__} keeps no Keel log: build the store with event_store_env()")
    return recorder

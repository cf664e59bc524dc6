"""The in-memory store (``memory://``): events only, no log of times, no chain, no idempotency records.

A scratch store for tests and the demo's history: "known at" is always the head, and every
request's key is simply claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory

from commands.adapters.recorders import KeelApplicationRecorder
from commands.idempotency import Claim, Ticket

NO_CHAIN = "this event store keeps no hash chain (in-memory store)"


class KeelMemoryRecorder(POPOApplicationRecorder, KeelApplicationRecorder):
    def times_of(self, positions: Sequence[int]) -> dict[int, datetime]:
        return {}

    def recorded_times(self, first: int, last: int) -> dict[int, datetime]:
        return {}

    def position_at(self, moment: datetime) -> int:
        return self.max_notification_id() or 0  # no times kept: the books know all they hold

    def positions_of(self, originator_id: UUID) -> dict[int, int]:
        return {}

    def chain_bounds(self) -> tuple[int, int] | None:
        raise ValueError(NO_CHAIN)

    def chain_hashes(self, first: int, last: int) -> dict[int, str]:
        raise ValueError(NO_CHAIN)

    def claim(self, ticket: Ticket, stale_after_seconds: float) -> Claim:
        return Claim("claimed")  # no records kept

    def finish(self, ticket: Ticket, http_status: int | None, response: str | None, success: bool) -> None:
        pass


class KeelMemoryFactory(POPOFactory):
    """The library's in-memory infrastructure, with Keel's recorder."""

    def application_recorder(self) -> ApplicationRecorder:
        return KeelMemoryRecorder()

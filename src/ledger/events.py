"""The base of every Keel aggregate and event.

Every event carries the business date it is about (``effective_date``), who caused it
(``actor``), the command that recorded it (``command_id``) and the chain of work it
belongs to (``correlation_id``); the store adds the recording timestamp and the log
position. Every event class has an explicit, versioned topic (``keel.<aggregate>.<Event>.v1``)
so classes can be moved or renamed without breaking stored history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate

from ledger.policy import check_event


@dataclass(frozen=True, slots=True)
class Meta:
    """Who and what caused a change: stamped on every event the change records."""

    actor: str
    command_id: str = field(default_factory=lambda: str(uuid4()))
    correlation_id: str = ""

    def stamp(self, effective_date: date) -> dict[str, Any]:
        return {
            "effective_date": effective_date,
            "actor": self.actor,
            "command_id": self.command_id,
            "correlation_id": self.correlation_id or self.command_id,
        }


class KeelAggregate(Aggregate):
    """An aggregate whose events carry Keel's metadata."""

    class Event(Aggregate.Event):
        effective_date: date
        actor: str
        command_id: str
        correlation_id: str

        def __post_init__(self) -> None:
            # Runs for every new event, never for one decoded from the store (see ledger.policy).
            super().__post_init__()
            check_event(self)

    class Created(Event, Aggregate.Created):
        pass

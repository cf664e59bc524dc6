"""Gap-free document numbers.

A sequence is an aggregate: taking a number is an event saved in the same atomic
write as the document that uses it, so a number is either used or never taken, and
two writers racing for the same number collide on the sequence's version (one retries).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta


def sequence_id(series: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:sequence:{series}")


def invoice_series(issue_date: date, series: str = "INV") -> str:
    """Documents are numbered per series and calendar year: INV-2026-0001, CN-2026-0001, …"""
    return f"{series}-{issue_date.year}"


class NumberSequence(KeelAggregate):
    TOPIC = "keel.NumberSequence"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        series: str
        last: int

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.sequence.Created.v1"

    class Started(Created):
        TOPIC = "keel.sequence.Started.v1"
        series: str

        def apply(self, seq: NumberSequence) -> None:
            seq.series = self.series
            seq.last = 0

    class NumberTaken(Event):
        TOPIC = "keel.sequence.NumberTaken.v1"
        number: int
        document_id: str

        def apply(self, seq: NumberSequence) -> None:
            seq.last = self.number

    @classmethod
    def start(cls, series: str, on: date, meta: Meta) -> NumberSequence:
        if not series or len(series) > 40:
            raise InvalidValue("a number series needs a name of 1 to 40 characters")
        return cls._create(cls.Started, id=sequence_id(series), series=series, **meta.stamp(on))

    def take(self, document_id: UUID, on: date, meta: Meta) -> str:
        number = self.last + 1
        self.trigger_event(self.NumberTaken, number=number, document_id=str(document_id), **meta.stamp(on))
        return f"{self.series}-{number:04d}"

"""Gap-free document numbers.

A sequence is an aggregate: taking a number is an event saved in the same atomic
write as the document that uses it, so a number is either used or never taken, and
two writers racing for the same number collide on the sequence's version (one retries).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidTransition, InvalidValue
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
        latest_on: date  # the latest date a number of the series was taken on

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
            known: date | None = getattr(seq, "latest_on", None)
            seq.latest_on = max(known, self.effective_date) if known else self.effective_date

    @classmethod
    def start(cls, series: str, on: date, meta: Meta) -> NumberSequence:
        if not series or len(series) > 40:
            raise InvalidValue("a number series needs a name of 1 to 40 characters")
        return cls._create(cls.Started, id=sequence_id(series), series=series, **meta.stamp(on))

    def take(self, document_id: UUID, on: date, meta: Meta, *, in_date_order: bool = False) -> str:
        """The next number; ``in_date_order`` (strict numbering) refuses a date before the latest
        date a number of the series was taken on, so numbers taken from then on follow the dates."""
        latest: date | None = getattr(self, "latest_on", None)  # unknown in a snapshot from before
        if in_date_order and latest is not None and on < latest:
            raise InvalidTransition(
                f"{self.series} has a number issued on {latest.isoformat()}: with strict numbering nothing"
                f" in the series is issued dated before it ({on.isoformat()})"
            )
        number = self.last + 1
        self.trigger_event(self.NumberTaken, number=number, document_id=str(document_id), **meta.stamp(on))
        return f"{self.series}-{number:04d}"

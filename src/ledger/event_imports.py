"""An import of events in bulk as a fact of the log (ADR 0057): which file, how far it has come.

An events file is imported chunk by chunk, each chunk in one transaction with a ``Chunk`` event of
this record saying through which line the file is in: the cursor of a resumed import is read from
the log, so it can never disagree with what was written. The record's id derives from the file's
SHA-256, so the same bytes imported again go on where they stopped, and once ``Finished`` are
refused.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta


def events_file_id(digest: str) -> UUID:
    """The id of the record of an events file with these bytes (SHA-256, hex)."""
    return uuid5(NAMESPACE_URL, f"keel:import-events:{digest}")


class ImportedEvents(KeelAggregate):
    TOPIC = "keel.ImportedEvents"

    if TYPE_CHECKING:
        digest: str
        through_line: int
        events: int
        finished: bool

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.importedevents.Created.v1"

    class Began(Created):
        TOPIC = "keel.importedevents.Began.v1"
        file_name: str
        digest: str

        def apply(self, record: ImportedEvents) -> None:
            record.digest, record.through_line, record.events, record.finished = self.digest, 0, 0, False

    class Chunk(Event):
        """Lines up to ``through_line`` are in; ``events`` of them were written with this event."""

        TOPIC = "keel.importedevents.Chunk.v1"
        through_line: int
        events: int

        def apply(self, record: ImportedEvents) -> None:
            record.through_line, record.events = self.through_line, record.events + self.events

    class Finished(Event):
        TOPIC = "keel.importedevents.Finished.v1"
        lines: int
        events: int

        def apply(self, record: ImportedEvents) -> None:
            record.finished = True

    @classmethod
    def begin(cls, file_name: str, digest: str, on: date, meta: Meta) -> ImportedEvents:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise InvalidValue("digest: a SHA-256 in lower-case hex")
        return cls._create(cls.Began, id=events_file_id(digest), file_name=file_name, digest=digest, **meta.stamp(on))

    def chunk(self, through_line: int, events: int, on: date, meta: Meta) -> None:
        if self.finished:
            raise InvalidTransition("this events file was imported to its end already")
        if through_line <= self.through_line or events < 0:
            raise InvalidValue(f"through_line: after line {self.through_line}, got {through_line}")
        self.trigger_event(self.Chunk, through_line=through_line, events=events, **meta.stamp(on))

    def finish(self, lines: int, on: date, meta: Meta) -> None:
        if self.finished:
            raise InvalidTransition("this events file was imported to its end already")
        self.trigger_event(self.Finished, lines=lines, events=self.events, **meta.stamp(on))

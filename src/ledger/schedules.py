"""When the worker runs each job kind: a cron expression in a time zone, recorded as data.

One ``Schedule`` per job kind (its id derives from the kind's name). Whether the expression and the
zone are valid is checked where a parser and the time-zone database are at hand (the write side),
before anything is recorded; the domain keeps them as given.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.outbox import cause_id


def schedule_id(kind: str) -> UUID:
    return cause_id("schedule", kind)


class Schedule(KeelAggregate):
    TOPIC = "keel.Schedule"

    if TYPE_CHECKING:
        kind: str
        cron: str
        timezone: str
        enabled: bool

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.schedule.Created.v1"

    class Set(Created):
        """The schedule's first setting (the aggregate's creation)."""

        TOPIC = "keel.schedule.Set.v1"
        kind: str
        cron: str
        timezone: str
        enabled: bool

        def apply(self, schedule: Schedule) -> None:
            schedule.kind, schedule.cron, schedule.timezone = self.kind, self.cron, self.timezone
            schedule.enabled = self.enabled

    class Changed(Event):
        TOPIC = "keel.schedule.Changed.v1"
        cron: str
        timezone: str
        enabled: bool

        def apply(self, schedule: Schedule) -> None:
            schedule.cron, schedule.timezone, schedule.enabled = self.cron, self.timezone, self.enabled

    @classmethod
    def set_up(cls, kind: str, cron: str, timezone: str, enabled: bool, on: date, meta: Meta) -> Schedule:
        _check(kind, cron, timezone)
        return cls._create(
            cls.Set, id=schedule_id(kind), kind=kind, cron=cron, timezone=timezone, enabled=enabled, **meta.stamp(on)
        )

    def change(self, cron: str, timezone: str, enabled: bool, on: date, meta: Meta) -> bool:
        """Record the new setting; False when it is the one in force (nothing recorded)."""
        _check(self.kind, cron, timezone)
        if (cron, timezone, enabled) == (self.cron, self.timezone, self.enabled):
            return False
        self.trigger_event(self.Changed, cron=cron, timezone=timezone, enabled=enabled, **meta.stamp(on))
        return True


def _check(kind: str, cron: str, timezone: str) -> None:
    for name, value in (("kind", kind), ("cron", cron), ("timezone", timezone)):
        if not value.strip():
            raise InvalidValue(f"{name}: must not be empty")

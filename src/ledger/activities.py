"""Activities (calls, e-mails, meetings, notes) about a lead, deal or customer, and follow-ups
with an owner and a due date."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.crm import bounded_text
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta

ACTIVITY_KINDS = ("call", "email", "meeting", "note")
SUBJECT_KINDS = ("lead", "deal", "customer")


class Activity(KeelAggregate):
    TOPIC = "keel.Activity"

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.activity.Created.v1"

    class Logged(Created):
        """effective_date is when it happened."""

        TOPIC = "keel.activity.Logged.v1"
        kind: str
        about_kind: str
        about_id: UUID
        subject: str
        body: str

    @classmethod
    def log(
        cls,
        activity_id: UUID,
        kind: str,
        about_kind: str,
        about_id: UUID,
        subject: str,
        body: str,
        on: date,
        meta: Meta,
    ) -> Activity:
        if kind not in ACTIVITY_KINDS:
            raise InvalidValue(f"an activity is one of {', '.join(ACTIVITY_KINDS)}, not {kind!r}")
        if about_kind not in SUBJECT_KINDS:
            raise InvalidValue(f"an activity is about a {', '.join(SUBJECT_KINDS)}, not {about_kind!r}")
        return cls._create(
            cls.Logged,
            id=activity_id,
            kind=kind,
            about_kind=about_kind,
            about_id=about_id,
            subject=bounded_text(subject, "a subject", 200),
            body=bounded_text(body, "the text", 10_000, False),
            **meta.stamp(on),
        )


class FollowUp(KeelAggregate):
    TOPIC = "keel.FollowUp"

    if TYPE_CHECKING:
        status: str
        scheduled_on: date

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.followup.Created.v1"

    class Scheduled(Created):
        TOPIC = "keel.followup.Scheduled.v1"
        about_kind: str
        about_id: UUID
        owner: str
        due: date
        note: str

        def apply(self, f: FollowUp) -> None:
            f.status, f.scheduled_on = "open", self.effective_date

    class Rescheduled(Event):
        TOPIC = "keel.followup.Rescheduled.v1"
        due: date
        owner: str

    class Completed(Event):
        TOPIC = "keel.followup.Completed.v1"
        outcome: str

        def apply(self, f: FollowUp) -> None:
            f.status = "completed"

    class Cancelled(Event):
        TOPIC = "keel.followup.Cancelled.v1"
        reason: str

        def apply(self, f: FollowUp) -> None:
            f.status = "cancelled"

    @classmethod
    def schedule(
        cls, followup_id: UUID, about_kind: str, about_id: UUID, owner: str, due: date, note: str, on: date, meta: Meta
    ) -> FollowUp:
        if about_kind not in SUBJECT_KINDS:
            raise InvalidValue(f"a follow-up is about a {', '.join(SUBJECT_KINDS)}, not {about_kind!r}")
        if due < on:
            raise InvalidValue(f"a follow-up cannot be due ({due}) before it is scheduled ({on})")
        return cls._create(
            cls.Scheduled,
            id=followup_id,
            about_kind=about_kind,
            about_id=about_id,
            owner=bounded_text(owner, "a follow-up's owner", 200),
            due=due,
            note=bounded_text(note, "a note", 2000, False),
            **meta.stamp(on),
        )

    def _require_open(self) -> None:
        if self.status != "open":
            raise InvalidTransition(f"this follow-up is {self.status}")

    def reschedule(self, due: date, owner: str, on: date, meta: Meta) -> None:
        self._require_open()
        if due < on:
            raise InvalidValue(f"a follow-up cannot be due ({due}) before {on}")
        self.trigger_event(
            self.Rescheduled, due=due, owner=bounded_text(owner, "a follow-up's owner", 200), **meta.stamp(on)
        )

    def complete(self, outcome: str, on: date, meta: Meta) -> None:
        self._require_open()
        self.trigger_event(self.Completed, outcome=outcome.strip(), **meta.stamp(on))

    def cancel(self, reason: str, on: date, meta: Meta) -> None:
        self._require_open()
        self.trigger_event(self.Cancelled, reason=reason.strip(), **meta.stamp(on))

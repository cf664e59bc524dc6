"""Reminders: each one an event keyed by its cause, and where staff reminders go.

A ``Reminder`` records who was reminded of what, on which business day, and why: a dunning level of
an invoice (to the customer), a follow-up due (to its owner), an expense claim waiting for approval
(to the approver). Its id derives from its kind and cause (``cause_id``), so the store refuses a
second one for the same cause: a rerun, a second worker or a rebuild followed by a rerun records
nothing new. The report "who was reminded of what, as of any date" is its read model.

``ReminderSettings`` keeps what staff reminders need and Keel did not know: the e-mail of each
person named as an owner or approver (people and API keys carry none), and after how many days a
claim waiting for approval is reminded of.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.company import check_email
from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.outbox import cause_id

DUNNING, FOLLOW_UP, APPROVAL = "dunning", "follow-up", "approval"
KINDS = (DUNNING, FOLLOW_UP, APPROVAL)
DEFAULT_APPROVAL_DAYS = 3
MAX_APPROVAL_DAYS = 365


def reminder_id(kind: str, cause: str) -> UUID:
    return cause_id(f"reminder:{kind}", cause)


def settings_id() -> UUID:
    return cause_id("policy", "reminders")


class Reminder(KeelAggregate):
    TOPIC = "keel.Reminder"

    if TYPE_CHECKING:
        kind: str
        cause: str
        subject_id: str
        party: str
        level: int
        recipient: str

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.reminder.Created.v1"

    class Recorded(Created):
        """Someone was reminded of something on ``effective_date`` (the business day of the run)."""

        TOPIC = "keel.reminder.Recorded.v1"
        kind: str  # dunning, follow-up, approval
        cause: str
        subject_id: str  # the invoice, follow-up or claim
        subject: str  # how a person reads it: an invoice number, a follow-up's note, a claim
        party: str  # the customer's id (dunning) or the person's name (owner, approver)
        level: int  # the dunning level; 0 for the others
        level_name: str
        recipient: str
        open_amount: Decimal | None  # dunning: what was open, in the invoice's currency
        currency: str
        fee: Decimal | None
        fee_invoice_id: UUID | None  # the draft fee invoice, when the level charges one
        message_id: UUID

        def apply(self, reminder: Reminder) -> None:
            reminder.kind, reminder.cause, reminder.subject_id = self.kind, self.cause, self.subject_id
            reminder.party, reminder.level, reminder.recipient = self.party, self.level, self.recipient

    @classmethod
    def record(
        cls,
        kind: str,
        cause: str,
        *,
        subject_id: str,
        subject: str,
        party: str,
        recipient: str,
        message_id: UUID,
        on: date,
        meta: Meta,
        level: int = 0,
        level_name: str = "",
        open_amount: Decimal | None = None,
        currency: str = "",
        fee: Decimal | None = None,
        fee_invoice_id: UUID | None = None,
    ) -> Reminder:
        if kind not in KINDS:
            raise InvalidValue(f"kind: one of {', '.join(KINDS)}, got {kind[:40]!r}")
        return cls._create(
            cls.Recorded,
            id=reminder_id(kind, cause),
            kind=kind,
            cause=cause,
            subject_id=subject_id,
            subject=subject[:200],
            party=party,
            level=level,
            level_name=level_name,
            recipient=recipient,
            open_amount=open_amount,
            currency=currency,
            fee=fee,
            fee_invoice_id=fee_invoice_id,
            message_id=message_id,
            **meta.stamp(on),
        )


class ReminderSettings(KeelAggregate):
    TOPIC = "keel.ReminderSettings"

    if TYPE_CHECKING:
        addresses: dict[str, str]
        approval_days: int

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.reminders.Created.v1"

    class Started(Created):
        TOPIC = "keel.reminders.Started.v1"

        def apply(self, settings: ReminderSettings) -> None:
            settings.addresses, settings.approval_days = {}, DEFAULT_APPROVAL_DAYS

    class StaffAddressSet(Event):
        """Where a person's reminders go ("" stops them)."""

        TOPIC = "keel.reminders.StaffAddressSet.v1"
        person: str
        email: str

        def apply(self, settings: ReminderSettings) -> None:
            settings.addresses = {**settings.addresses, self.person: self.email}
            if not self.email:
                del settings.addresses[self.person]

    class ApprovalWaitSet(Event):
        TOPIC = "keel.reminders.ApprovalWaitSet.v1"
        days: int

        def apply(self, settings: ReminderSettings) -> None:
            settings.approval_days = self.days

    @classmethod
    def start(cls, on: date, meta: Meta) -> ReminderSettings:
        return cls._create(cls.Started, id=settings_id(), **meta.stamp(on))

    def set_address(self, person: str, email: str, on: date, meta: Meta) -> None:
        person = person.strip().casefold()
        if not person:
            raise InvalidValue("person: must not be empty")
        self.trigger_event(self.StaffAddressSet, person=person, email=check_email(email), **meta.stamp(on))

    def set_approval_days(self, days: int, on: date, meta: Meta) -> None:
        if not 1 <= days <= MAX_APPROVAL_DAYS:
            raise InvalidValue(f"approval_days: 1 to {MAX_APPROVAL_DAYS} days, got {days}")
        self.trigger_event(self.ApprovalWaitSet, days=days, **meta.stamp(on))

    def address_of(self, person: str) -> str:
        return self.addresses.get(person.strip().casefold(), "")

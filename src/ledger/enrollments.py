"""A lead or a contact enrolled in an e-mail sequence (ADR 0068), and what each address said back.

An enrollment's id derives from the sequence and the address, so an address is enrolled in a
sequence once. Each step it sends is a message in the outbox whose id derives from the enrollment
and the step: the worker queues a step once, after a rerun, a second worker or a rebuild. An
enrollment stops (and says why) when its person replied or unsubscribed, its deal changed stage,
or its sequence was retired.

``MailAddress`` is one address's own record, one aggregate per address (its id derived from it):
replies received and whether it unsubscribed. The step that is about to go reads it from the log,
never from a read model that may lag, so a reply or an unsubscribe stops the next step.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.crm import bounded_text
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PERSON_KINDS = ("lead", "contact")
STOP_REASONS = ("replied", "unsubscribed", "stage_changed", "lead_closed", "retired", "manual")
KIND = "sequence"  # the outbox's kind of a step's message, and the worker's job kind


def normal_address(email: str, field: str = "email") -> str:
    address = email.strip().lower()
    if not EMAIL.fullmatch(address) or len(address) > 200:
        raise InvalidValue(f"{field}: not an e-mail address: {email[:80]!r}")
    return address


def enrollment_id(sequence_id: UUID, email: str) -> UUID:
    return uuid5(sequence_id, normal_address(email))


def address_id(email: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:mail-address:{normal_address(email)}")


def step_cause(enrollment: UUID, step: int) -> str:
    return f"{enrollment}#{step}"


class Enrollment(KeelAggregate):
    TOPIC = "keel.Enrollment"

    if TYPE_CHECKING:
        sequence_id: UUID
        sequence_version: int  # the steps as they were then: a later change is for later enrollments
        email: str
        deal_id: UUID | None
        deal_version: int | None  # any change of stage after it stops the enrollment
        person_kind: str
        person_id: UUID
        started_on: date
        sent: int  # steps queued so far
        last_queued_on: date | None
        stopped: str  # "" while active, else the reason

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.enrollment.Created.v1"

    class Started(Created):
        """Personalisation as it stood when enrolled; ``unsubscribe_secret`` makes the link unguessable."""

        TOPIC = "keel.enrollment.Started.v1"
        sequence_id: UUID
        sequence_version: int
        person_kind: str
        person_id: UUID
        customer_id: UUID | None
        email: str
        first_name: str
        name: str
        company: str
        owner: str
        deal_id: UUID | None
        deal_version: int | None
        deal_stage: str
        cause: str
        unsubscribe_secret: str

        def apply(self, e: Enrollment) -> None:
            e.sequence_id, e.sequence_version, e.email = self.sequence_id, self.sequence_version, self.email
            e.deal_id, e.deal_version = self.deal_id, self.deal_version
            e.person_kind, e.person_id = self.person_kind, self.person_id
            e.started_on, e.sent, e.last_queued_on, e.stopped = self.effective_date, 0, None, ""

    class StepQueued(Event):
        TOPIC = "keel.enrollment.StepQueued.v1"
        step: int
        message_id: UUID

        def apply(self, e: Enrollment) -> None:
            e.sent, e.last_queued_on = self.step + 1, self.effective_date

    class Stopped(Event):
        TOPIC = "keel.enrollment.Stopped.v1"
        reason: str
        detail: str

        def apply(self, e: Enrollment) -> None:
            e.stopped = self.reason

    @classmethod
    def start(
        cls,
        sequence: tuple[UUID, int],
        person_kind: str,
        person_id: UUID,
        customer_id: UUID | None,
        email: str,
        personal: dict[str, str],
        deal: tuple[UUID, int, str] | None,
        cause: str,
        on: date,
        meta: Meta,
    ) -> Enrollment:
        if person_kind not in PERSON_KINDS:
            raise InvalidValue(f"person_kind: a lead or a contact, not {person_kind[:20]!r}")
        address = normal_address(email)
        sequence_id, version = sequence
        return cls._create(
            cls.Started,
            id=enrollment_id(sequence_id, address),
            sequence_id=sequence_id,
            sequence_version=version,
            person_kind=person_kind,
            person_id=person_id,
            customer_id=customer_id,
            email=address,
            **{k: bounded_text(personal.get(k, ""), k, 200, False) for k in ("first_name", "name", "company", "owner")},
            deal_id=deal[0] if deal else None,
            deal_version=deal[1] if deal else None,
            deal_stage=deal[2] if deal else "",
            cause=cause[:200],
            unsubscribe_secret=secrets.token_hex(16),
            **meta.stamp(on),
        )

    def queued(self, step: int, message_id: UUID, on: date, meta: Meta) -> None:
        self._require_active()
        if step != self.sent:
            raise InvalidTransition(f"step {step + 1} is not the enrollment's next ({self.sent + 1})")
        self.trigger_event(self.StepQueued, step=step, message_id=message_id, **meta.stamp(on))

    def stop(self, reason: str, detail: str, on: date, meta: Meta) -> None:
        self._require_active()
        if reason not in STOP_REASONS:
            raise InvalidValue(f"reason: one of {', '.join(STOP_REASONS)}")
        self.trigger_event(self.Stopped, reason=reason, detail=detail[:500], **meta.stamp(on))

    def _require_active(self) -> None:
        if self.stopped:
            raise InvalidTransition(f"the enrollment stopped: {self.stopped}")


class MailAddress(KeelAggregate):
    TOPIC = "keel.MailAddress"

    if TYPE_CHECKING:
        email: str
        last_reply: datetime | None
        unsubscribed: bool

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.mailaddress.Created.v1"
        email: str

        def apply(self, a: MailAddress) -> None:
            a.email, a.last_reply, a.unsubscribed = self.email, None, False

    class Replied(Event):
        """A message came from the address (``inbound_id``: the inbound message recorded)."""

        TOPIC = "keel.mailaddress.Replied.v1"
        inbound_id: UUID
        received_at: datetime

        def apply(self, a: MailAddress) -> None:
            a.last_reply = self.received_at if a.last_reply is None else max(a.last_reply, self.received_at)

    class Unsubscribed(Event):
        """On the suppression list: no sequence sends to it, no one enrols it."""

        TOPIC = "keel.mailaddress.Unsubscribed.v1"
        source: str  # link, api, cli
        reason: str
        enrollment_id: UUID | None  # the enrollment whose link it was

        def apply(self, a: MailAddress) -> None:
            a.unsubscribed = True

    class Resubscribed(Event):
        TOPIC = "keel.mailaddress.Resubscribed.v1"
        reason: str

        def apply(self, a: MailAddress) -> None:
            a.unsubscribed = False

    @classmethod
    def open(cls, email: str, on: date, meta: Meta) -> MailAddress:
        address = normal_address(email)
        return cls._create(cls.Created, id=address_id(address), email=address, **meta.stamp(on))

    def replied(self, inbound_id: UUID, received_at: datetime, meta: Meta) -> None:
        self.trigger_event(
            self.Replied, inbound_id=inbound_id, received_at=received_at, **meta.stamp(received_at.date())
        )

    def unsubscribe(self, source: str, reason: str, enrollment: UUID | None, on: date, meta: Meta) -> bool:
        """False (nothing recorded) when it is unsubscribed already."""
        if self.unsubscribed:
            return False
        reason = bounded_text(reason, "reason", 500, False)
        self.trigger_event(
            self.Unsubscribed, source=source[:20], reason=reason, enrollment_id=enrollment, **meta.stamp(on)
        )
        return True

    def resubscribe(self, reason: str, on: date, meta: Meta) -> None:
        if not self.unsubscribed:
            raise InvalidTransition(f"{self.email} is not unsubscribed")
        self.trigger_event(self.Resubscribed, reason=bounded_text(reason, "reason", 500, False), **meta.stamp(on))

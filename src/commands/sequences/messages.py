"""The e-mail sequences' commands (ADR 0068). ``SendSequenceStep`` is the worker's: one step of one
enrollment, queued in the outbox once (or the enrollment stopped, saying why)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID, uuid4

from commands.unit_of_work import Command


@dataclass(frozen=True, kw_only=True)
class StepInput:
    day: int
    subject: str
    body: str


@dataclass(frozen=True, kw_only=True)
class DefineSequence(Command):
    name: str
    steps: tuple[StepInput, ...]
    sequence_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class ChangeSequenceSteps(Command):
    sequence_id: UUID
    steps: tuple[StepInput, ...]


@dataclass(frozen=True, kw_only=True)
class RetireSequence(Command):
    sequence_id: UUID
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class EnrollInSequence(Command):
    """A lead (``lead_id``) or a customer's contact (``customer_id`` and ``contact_id``), with the
    deal whose change of stage stops it (optional)."""

    sequence_id: UUID
    lead_id: UUID | None = None
    customer_id: UUID | None = None
    contact_id: UUID | None = None
    deal_id: UUID | None = None
    cause: str = "by hand"


@dataclass(frozen=True, kw_only=True)
class StopEnrollment(Command):
    enrollment_id: UUID
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class SendSequenceStep(Command):
    enrollment_id: UUID
    step: int
    as_of: date
    at: datetime


@dataclass(frozen=True, kw_only=True)
class VetSequenceStep(Command):
    """The outbox's, before it sends a step: withdraw it if the log now says stop."""

    message_id: UUID
    at: datetime


@dataclass(frozen=True, kw_only=True)
class RecordInboundMessage(Command):
    from_address: str
    subject: str
    message_id: str
    in_reply_to: str = ""
    received_at: datetime
    source: str = "api"


@dataclass(frozen=True, kw_only=True)
class Unsubscribe(Command):
    email: str
    source: str = "api"
    reason: str = ""
    enrollment_id: UUID | None = None  # the enrollment whose link it was


@dataclass(frozen=True, kw_only=True)
class UnsubscribeByLink(Command):
    enrollment_id: UUID
    secret: str


@dataclass(frozen=True, kw_only=True)
class Resubscribe(Command):
    email: str
    reason: str

"""E-mail sequences over HTTP (ADR 0068): defined, changed, retired; people enrolled and stopped;
replies recorded; the suppression list; the results report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import AwareDatetime, Field, StrictInt, StringConstraints

from api.schemas.base import Body, EffectiveDate, Out
from api.schemas.derive import derived, page_of
from commands import messages as m
from ledger.email_sequences import FIELDS, MAX_DAY, MAX_STEPS
from ledger.events import Meta
from projections.automation import sequence_queries as q

Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]


class StepIn(Body):
    day: StrictInt = Field(ge=0, le=MAX_DAY, description="Days after enrolling (0: that day); later than the last")
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=10_000)] = Field(
        description=f"Plain text; fields as {{{{ first_name }}}}: {', '.join(FIELDS)}"
    )

    def to_input(self) -> m.StepInput:
        return m.StepInput(day=self.day, subject=self.subject, body=self.body)


class SequenceBody(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    steps: list[StepIn] = Field(min_length=1, max_length=MAX_STEPS)
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.DefineSequence:
        steps = tuple(s.to_input() for s in self.steps)
        return m.DefineSequence(meta=meta, on=self.on, sequence_id=self.id or uuid4(), name=self.name, steps=steps)


class StepsBody(Body):
    steps: list[StepIn] = Field(min_length=1, max_length=MAX_STEPS)
    on: EffectiveDate = None


class RetireBody(Body):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    on: EffectiveDate = None


class EnrollBody(Body):
    """A lead, or a customer's contact; ``deal_id``: the deal whose change of stage stops it."""

    lead_id: UUID | None = None
    customer_id: UUID | None = None
    contact_id: UUID | None = None
    deal_id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, sequence_id: UUID) -> m.EnrollInSequence:
        return m.EnrollInSequence(
            meta=meta, on=self.on, sequence_id=sequence_id, lead_id=self.lead_id, customer_id=self.customer_id,
            contact_id=self.contact_id, deal_id=self.deal_id,
        )  # fmt: skip


class StopBody(Body):
    detail: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    on: EffectiveDate = None


class InboundBody(Body):
    """A message received (from a mail system's webhook, or by hand): its sender's sequences stop."""

    from_address: Address = Field(examples=["maria@acme.example"])
    subject: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    message_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="Its Message-ID header: a message is recorded once"
    )
    in_reply_to: Line = ""
    received_at: AwareDatetime | None = Field(None, description="When it arrived (now when omitted)")

    def to_command(self, meta: Meta) -> m.RecordInboundMessage:
        at = (self.received_at or datetime.now(UTC)).astimezone(UTC)
        return m.RecordInboundMessage(
            meta=meta, from_address=self.from_address, subject=self.subject, message_id=self.message_id,
            in_reply_to=self.in_reply_to, received_at=at, source="api",
        )  # fmt: skip


class SuppressBody(Body):
    email: Address
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    on: EffectiveDate = None


class StepOut(Out):
    day: int
    subject: str
    body: str


class SequenceOut(Out):
    id: UUID
    name: str
    retired: bool
    steps: list[StepOut]
    enrollments: list[derived(q.EnrollmentRow, name="Enrollment")]  # type: ignore[valid-type]


Suppressed = derived(q.Suppressed, name="Suppressed")
SequenceRow = derived(q.SequenceRow, name="SequenceSummary")
SequenceResult = derived(q.Results, name="SequenceResult")
SequenceResults = page_of(SequenceResult)
_ = date  # dates in the derived models

"""The CRM's request bodies: pipeline, leads, deals, contacts, activities and follow-ups."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from pydantic import Field, StringConstraints

from api.schemas.base import (
    Amount,
    Body,
    C,
    CommandOf,
    CurrencyCode,
    DerivedDate,
    EffectiveDate,
    Name,
    Note,
    OptionalText,
    Text,
)
from commands import messages as m
from ledger.events import Meta
from ledger.policy import (
    FIRST_DAY,
    LAST_DAY,
)

# -- CRM ------------------------------------------------------------------------------

Probability = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^-?[0-9]{1,4}(\.[0-9]{1,4})?$"),
    Field(description="Win probability in percent, 0 to 100", examples=["60"]),
]


class StageIn(Body):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
    name: Name
    probability: Probability

    def to_input(self) -> m.StageInput:
        return m.StageInput(key=self.key, name=self.name, probability=self.probability)


class PipelineBody(Body):
    stages: list[StageIn] = Field(min_length=1, max_length=30)
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.ConfigurePipeline:
        return m.ConfigurePipeline(meta=meta, on=self.on, stages=tuple(s.to_input() for s in self.stages))


class LeadBody(Body):
    name: Name
    source: Name = Field(description="Where the lead came from: referral, website, event, …")
    company: OptionalText = ""
    email: OptionalText = ""
    phone: OptionalText = ""
    notes: Annotated[str, StringConstraints(max_length=4000)] = ""  # a NOTE, shorter
    owner: Name | None = Field(None, description="The actor when omitted")
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.CaptureLead:
        return m.CaptureLead(
            meta=meta,
            on=self.on,
            name=self.name,
            source=self.source,
            company=self.company,
            email=self.email,
            phone=self.phone,
            notes=self.notes,
            owner=self.owner,
            lead_id=self.id or uuid4(),
        )


# A note on qualifying a lead, completing or cancelling a follow-up; shared by those commands.
class NoteBody(Body):
    note: OptionalText = ""
    on: EffectiveDate = None

    def to_command(self, meta: Meta, command: CommandOf[C], *, note_as: str = "note", **ids: Any) -> C:
        """``command`` for the ids the route gives; the note goes in its field ``note_as`` (``outcome``)."""
        return command(meta=meta, on=self.on, **{note_as: self.note}, **ids)


class ServiceIn(Body):
    description: Text
    quantity: Amount
    unit_price: Amount

    def to_input(self) -> m.ServiceInput:
        return m.ServiceInput(description=self.description, quantity=self.quantity, unit_price=self.unit_price)


class DealIn(Body):
    title: Name
    value: Amount | None = Field(None, description="The services' total when omitted")
    currency: CurrencyCode | None = None
    expected_close: DerivedDate | None = None
    owner: Name | None = None
    stage: Name | None = Field(None, description="A stage key; the first stage when omitted")
    probability: Probability | None = Field(None, description="Overrides the stage's default probability")
    services: list[ServiceIn] = Field(default_factory=list, max_length=200)

    def to_input(self) -> m.DealInput:
        return m.DealInput(
            title=self.title,
            value=self.value,
            currency=self.currency,
            expected_close=self.expected_close,
            owner=self.owner,
            stage=self.stage,
            probability=self.probability,
            services=tuple(s.to_input() for s in self.services),
        )


class ConvertLeadBody(Body):
    customer_id: UUID | None = Field(None, description="Attach to this existing customer instead of creating one")
    currency: CurrencyCode | None = Field(None, description="A new customer's; the books' currency when omitted")
    payment_terms_days: int = Field(30, ge=0, le=365)
    contact_role: OptionalText = ""
    deal: DealIn | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, lead_id: UUID) -> m.ConvertLead:
        return m.ConvertLead(
            meta=meta,
            on=self.on,
            lead_id=lead_id,
            customer_id=self.customer_id,
            currency=self.currency,
            payment_terms_days=self.payment_terms_days,
            contact_role=self.contact_role,
            deal=self.deal.to_input() if self.deal else None,
        )


class OwnerBody(Body):
    owner: Name
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID) -> m.AssignCustomerOwner:
        return m.AssignCustomerOwner(meta=meta, on=self.on, customer_id=customer_id, owner=self.owner)


class ContactBody(Body):
    name: Name
    email: OptionalText = ""
    phone: OptionalText = ""
    role: OptionalText = ""
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID) -> m.AddContact:
        return m.AddContact(
            meta=meta,
            on=self.on,
            customer_id=customer_id,
            name=self.name,
            email=self.email,
            phone=self.phone,
            role=self.role,
            contact_id=self.id or uuid4(),
        )


class MergeBody(Body):
    target_id: UUID = Field(description="The customer that stays; this one becomes its duplicate")
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID) -> m.MergeCustomers:
        return m.MergeCustomers(meta=meta, on=self.on, source_id=customer_id, target_id=self.target_id)


class OpenDealBody(DealIn):
    customer_id: UUID
    source: OptionalText = ""
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.OpenDeal:
        return m.OpenDeal(
            meta=meta,
            on=self.on,
            customer_id=self.customer_id,
            deal=self.to_input(),
            source=self.source,
            deal_id=self.id or uuid4(),
        )


class UpdateDealBody(Body):
    title: Name | None = None
    value: Amount | None = None
    expected_close: DerivedDate | None = None
    owner: Name | None = None
    services: list[ServiceIn] | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, deal_id: UUID, expected_version: int | None = None) -> m.UpdateDeal:
        return m.UpdateDeal(
            meta=meta,
            on=self.on,
            deal_id=deal_id,
            title=self.title,
            value=self.value,
            expected_close=self.expected_close,
            owner=self.owner,
            services=tuple(s.to_input() for s in self.services) if self.services is not None else None,
            expected_version=expected_version,
        )


class MoveDealBody(Body):
    stage: Name
    probability: Probability | None = None
    on: EffectiveDate = Field(None, description="When the deal moved; may be in the past")

    def to_command(self, meta: Meta, deal_id: UUID, expected_version: int | None = None) -> m.MoveDeal:
        return m.MoveDeal(
            meta=meta,
            on=self.on,
            deal_id=deal_id,
            stage=self.stage,
            probability=self.probability,
            expected_version=expected_version,
        )


# Why, if one cares to say: winning a deal, closing a project; shared by those commands.
class OutcomeBody(Body):
    reason: OptionalText = ""
    on: EffectiveDate = None

    def to_command(self, meta: Meta, command: CommandOf[C], **ids: Any) -> C:
        """``command`` (e.g. ``m.WinDeal``) for the ids the route gives (``deal_id=…``)."""
        return command(meta=meta, on=self.on, reason=self.reason, **ids)


class ReopenBody(Body):
    stage: Name | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, deal_id: UUID) -> m.ReopenDeal:
        return m.ReopenDeal(meta=meta, on=self.on, deal_id=deal_id, stage=self.stage)


class ActivityBody(Body):
    kind: Literal["call", "email", "meeting", "note"]
    about_kind: Literal["lead", "deal", "customer"]
    about_id: UUID
    subject: Name
    body: Note = ""
    id: UUID | None = None
    on: EffectiveDate = Field(None, description="When it happened")

    def to_command(self, meta: Meta) -> m.LogActivity:
        return m.LogActivity(
            meta=meta,
            on=self.on,
            kind=self.kind,
            about_kind=self.about_kind,
            about_id=self.about_id,
            subject=self.subject,
            body=self.body,
            activity_id=self.id or uuid4(),
        )


class FollowUpBody(Body):
    about_kind: Literal["lead", "deal", "customer"]
    about_id: UUID
    owner: Name
    due: Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
    note: OptionalText = ""
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.ScheduleFollowUp:
        return m.ScheduleFollowUp(
            meta=meta,
            on=self.on,
            about_kind=self.about_kind,
            about_id=self.about_id,
            owner=self.owner,
            due=self.due,
            note=self.note,
            followup_id=self.id or uuid4(),
        )


class RescheduleBody(Body):
    due: Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
    owner: Name | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, followup_id: UUID) -> m.RescheduleFollowUp:
        return m.RescheduleFollowUp(meta=meta, on=self.on, followup_id=followup_id, due=self.due, owner=self.owner)

"""The CRM commands: the pipeline, leads, customers' contacts and owners, deals, activities, follow-ups.

Amounts travel as strings (parsed into Decimal by the domain), ids as UUIDs, dates as
``date``. ``on`` is the business (effective) date; it defaults to today. ``expected_version``
makes a command conditional on the version the client last saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID, uuid4

from commands.unit_of_work import Command


@dataclass(frozen=True, kw_only=True)
class StageInput:
    key: str
    name: str
    probability: str


@dataclass(frozen=True, kw_only=True)
class ConfigurePipeline(Command):
    stages: tuple[StageInput, ...]


@dataclass(frozen=True, kw_only=True)
class CaptureLead(Command):
    name: str
    source: str
    company: str = ""
    email: str = ""
    phone: str = ""
    notes: str = ""
    owner: str | None = None  # the actor when not given
    lead_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class QualifyLead(Command):
    lead_id: UUID
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class DisqualifyLead(Command):
    lead_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class ServiceInput:
    description: str
    quantity: str
    unit_price: str


@dataclass(frozen=True, kw_only=True)
class DealInput:
    title: str
    value: str | None = None  # the services' total when not given
    currency: str | None = None
    expected_close: date | None = None
    owner: str | None = None
    stage: str | None = None  # the first stage when not given
    probability: str | None = None
    services: tuple[ServiceInput, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ConvertLead(Command):
    lead_id: UUID
    customer_id: UUID | None = None  # attach to an existing customer; a new one otherwise
    currency: str | None = None  # a new customer's; the books' functional currency when not given
    payment_terms_days: int = 30
    contact_role: str = ""
    deal: DealInput | None = None
    new_customer_id: UUID = field(default_factory=uuid4)
    contact_id: UUID = field(default_factory=uuid4)
    deal_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class AssignCustomerOwner(Command):
    customer_id: UUID
    owner: str


@dataclass(frozen=True, kw_only=True)
class AddContact(Command):
    customer_id: UUID
    name: str
    email: str = ""
    phone: str = ""
    role: str = ""
    contact_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class RemoveContact(Command):
    customer_id: UUID
    contact_id: UUID


@dataclass(frozen=True, kw_only=True)
class MergeCustomers(Command):
    source_id: UUID  # the duplicate
    target_id: UUID  # the record that stays


@dataclass(frozen=True, kw_only=True)
class OpenDeal(Command):
    customer_id: UUID
    deal: DealInput
    source: str = ""
    deal_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class UpdateDeal(Command):
    deal_id: UUID
    title: str | None = None
    value: str | None = None
    expected_close: date | None = None
    owner: str | None = None
    services: tuple[ServiceInput, ...] | None = None
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class MoveDeal(Command):
    deal_id: UUID
    stage: str
    probability: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class WinDeal(Command):
    deal_id: UUID
    reason: str = ""
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class LoseDeal(Command):
    deal_id: UUID
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class ReopenDeal(Command):
    deal_id: UUID
    stage: str | None = None


@dataclass(frozen=True, kw_only=True)
class LogActivity(Command):
    kind: str
    about_kind: str
    about_id: UUID
    subject: str
    body: str = ""
    activity_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class ScheduleFollowUp(Command):
    about_kind: str
    about_id: UUID
    owner: str
    due: date
    note: str = ""
    followup_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class RescheduleFollowUp(Command):
    followup_id: UUID
    due: date
    owner: str | None = None


@dataclass(frozen=True, kw_only=True)
class CompleteFollowUp(Command):
    followup_id: UUID
    outcome: str = ""


@dataclass(frozen=True, kw_only=True)
class CancelFollowUp(Command):
    followup_id: UUID
    reason: str = ""

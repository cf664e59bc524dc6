"""The delivery commands: people, projects, allocations, timesheets and the billing triggers.

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
class TermsInput:
    effective: date
    role: str
    cost_center: str
    weekly_capacity: str
    cost_rate: str
    bill_rate: str


@dataclass(frozen=True, kw_only=True)
class HirePerson(Command):
    handle: str
    name: str
    terms: TermsInput


@dataclass(frozen=True, kw_only=True)
class ChangeTerms(Command):
    handle: str
    terms: TermsInput


@dataclass(frozen=True, kw_only=True)
class DraftProject(Command):
    customer_id: UUID
    name: str
    project_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class MilestoneInput:
    key: str
    name: str
    amount: str


@dataclass(frozen=True, kw_only=True)
class ConfigureProject(Command):
    project_id: UUID
    model: str
    start: date
    end: date | None = None
    currency: str | None = None
    tax_percent: str = "0"
    milestones: tuple[MilestoneInput, ...] = ()
    rates: tuple[tuple[str, str], ...] = ()  # ("person:alice" | "role:designer", rate)
    monthly_fee: str = "0"
    budget_hours: str = "0"
    budget_amount: str = "0"
    cost_center: str = ""
    requires_allocation: bool = False


@dataclass(frozen=True, kw_only=True)
class RepriceRetainer(Command):
    """A retainer's new monthly fee from the first day of a month (``start``) on."""

    project_id: UUID
    monthly_fee: str
    start: date


@dataclass(frozen=True, kw_only=True)
class ActivateProject(Command):
    project_id: UUID


@dataclass(frozen=True, kw_only=True)
class CloseProject(Command):
    project_id: UUID
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class PlanAllocation(Command):
    project_id: UUID
    person: str
    week: date
    hours: str


@dataclass(frozen=True, kw_only=True)
class LogTime(Command):
    person: str
    day: date
    project_id: UUID
    hours: str
    billable: bool = True
    note: str = ""
    entry_id: str = field(default_factory=lambda: str(uuid4()))
    expected_version: int | None = None  # the week's timesheet version the client saw (0: none yet)


@dataclass(frozen=True, kw_only=True)
class CorrectTime(Command):
    person: str
    week: date
    entry_id: str
    hours: str
    billable: bool = True
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class SubmitTimesheet(Command):
    person: str
    week: date


@dataclass(frozen=True, kw_only=True)
class ApproveTimesheet(Command):
    person: str
    week: date  # the approver is the actor


@dataclass(frozen=True, kw_only=True)
class RejectTimesheet(Command):
    person: str
    week: date
    reason: str


@dataclass(frozen=True, kw_only=True)
class CompleteMilestone(Command):
    project_id: UUID
    milestone: str


@dataclass(frozen=True, kw_only=True)
class RunBilling(Command):
    project_id: UUID
    as_of: date

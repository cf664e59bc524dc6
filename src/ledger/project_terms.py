"""What a project is sold and billed by: its service lines, milestones, rates, billing and
approved time, and the ids of what it causes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5


def project_id_for_deal(deal_id: UUID) -> UUID:
    """One deal opens at most one project, whatever happens to it later (reopen, re-win, replays)."""
    return uuid5(NAMESPACE_URL, f"keel:project-for-deal:{deal_id}")


@dataclass(frozen=True, slots=True)
class ServiceLine:
    description: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class Milestone:
    key: str
    name: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Rate:
    """A T&M bill rate for a person (``person:alice``) or a role (``role:designer``)."""

    applies_to: str
    rate: Decimal


@dataclass(frozen=True, slots=True)
class Billing:
    model: str  # fixed, time_and_materials, retainer
    currency: str
    tax_percent: Decimal = Decimal(0)
    milestones: tuple[Milestone, ...] | list[Milestone] = ()
    rates: tuple[Rate, ...] | list[Rate] = ()
    monthly_fee: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class ApprovedTime:
    """Approved hours of one person on one day, valued when approved."""

    entry_id: str
    person: str
    day: date
    hours: Decimal
    billable: bool
    bill_rate: Decimal


def invoice_id_for(project_id: UUID, cause: str) -> UUID:
    """The invoice a billing cause drafts: one cause, one invoice, ever."""
    return uuid5(NAMESPACE_URL, f"keel:project-invoice:{project_id}:{cause}")


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"

"""What a project is sold and billed by: its service lines, milestones, rates, billing and
approved time, and the ids of what it causes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidValue
from ledger.invoice_lines import InvoiceLine, make_line, taxes
from ledger.money import Money, minor_units
from ledger.timesheets import monday_of, timesheet_id

DRAFT, CLOSED = "draft", "closed"
FIXED, TIME_AND_MATERIALS, RETAINER = "fixed", "time_and_materials", "retainer"


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


def check_terms(billing: Billing, budget_hours: Decimal, budget_amount: Decimal, start: date, end: date | None) -> None:
    """What a project's configuration must hold: a known model with what it bills by, budgets not
    negative, an end not before the start."""
    minor_units(billing.currency)
    if billing.model not in (FIXED, TIME_AND_MATERIALS, RETAINER):
        raise InvalidValue(f"a billing model is fixed, time_and_materials or retainer, not {billing.model!r}")
    if billing.model == FIXED and (not billing.milestones or any(m.amount <= 0 for m in billing.milestones)):
        raise InvalidValue("a fixed-fee project needs milestones with positive amounts")
    if len({m.key for m in billing.milestones}) != len(billing.milestones):
        raise InvalidValue("milestone keys must be unique")
    if any(r.rate < 0 or not r.applies_to.startswith(("person:", "role:")) for r in billing.rates):
        raise InvalidValue("rates apply to person:<handle> or role:<role> and are not negative")
    if budget_hours < 0 or budget_amount < 0:
        raise InvalidValue("budgets cannot be negative")
    if end is not None and end < start:
        raise InvalidValue(f"a project cannot end ({end}) before it starts ({start})")
    if not 0 <= billing.tax_percent <= 100:
        raise InvalidValue("tax rate must be between 0 and 100 percent")
    if billing.model == RETAINER:
        check_fee(billing.monthly_fee, billing)


def timesheet_of(entry: ApprovedTime) -> UUID:
    """The timesheet an approved entry came from: its person's week of its day."""
    return timesheet_id(entry.person, monday_of(entry.day))


def billed_key(timesheet: UUID, entry_id: str) -> str:
    return f"{timesheet}:{entry_id}"


def time_lines(project: str, period: str, entries: Sequence[ApprovedTime], tax_percent: Decimal) -> list[InvoiceLine]:
    """A month's approved time as invoice lines: one per person and bill rate."""
    groups: dict[tuple[str, Decimal], Decimal] = {}
    for e in entries:
        groups[(e.person, e.bill_rate)] = groups.get((e.person, e.bill_rate), Decimal(0)) + e.hours
    return [
        make_line(f"{project}: {person}, {period}", hours, rate, tax_percent)
        for (person, rate), hours in sorted(groups.items())
    ]


def months_begun(start: date, end: date | None, as_of: date) -> list[str]:
    """The months ("2026-11") from the one ``start`` falls in that have begun by ``as_of``, up to ``end``'s."""
    months, month = [], start.replace(day=1)
    while month <= min(as_of, end or as_of):
        months.append(month_of(month))
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def fee_in_force(changes: Mapping[str, Decimal], configured: Decimal, month: str) -> Decimal:
    """A retainer's fee for ``month``: the latest change from that month or before, else the configured fee."""
    in_force = [key for key in changes if key <= month]
    return changes[max(in_force)] if in_force else configured


def check_fee(fee: Decimal, billing: Billing) -> None:
    """A retainer's monthly fee: more than zero, and a month's invoice at it one Keel can store."""
    if not fee.is_finite() or fee <= 0:
        raise InvalidValue(f"monthly_fee: a retainer's fee is more than zero, got {fee}")
    try:
        rounded = Money(fee, billing.currency).is_rounded()
    except InvalidValue as exc:
        raise InvalidValue(f"monthly_fee: {exc}") from None
    if not rounded:  # 0.001 a month would bill 0.00
        places = minor_units(billing.currency)
        raise InvalidValue(f"monthly_fee: at most {places} decimals in {billing.currency}, got {fee}")
    month = taxes([make_line("retainer", 1, fee, billing.tax_percent)], billing.currency)
    try:
        for amount in (month.net, month.tax, month.net + month.tax):
            amount.to_minor()
    except InvalidValue as exc:
        raise InvalidValue(f"monthly_fee: a month's invoice at it: {exc}") from None


def check_fee_changes(changes: Mapping[str, Decimal], before: Billing | None, after: Billing) -> None:
    """A retainer whose fee changed from a month keeps its currency (the changes are amounts in it),
    and each change must still be a fee a month can be invoiced at (the tax may change)."""
    if not changes or after.model != RETAINER:
        return
    if before is not None and after.currency != before.currency:
        raise InvalidValue(
            f"currency: this retainer's fee changed from a month on in {before.currency}; it stays in {before.currency}"
        )
    for fee in changes.values():
        check_fee(fee, after)

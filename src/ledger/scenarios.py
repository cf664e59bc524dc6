"""What-if scenarios (ADR 0065, 0066): a named list of assumptions layered on the books.

A scenario is data beside the books, never events in the log: each ``Assumption`` is turned by
the write side into the events the real commands would record (``commands.scenarios``), which
the read side folds into a branch of the read models (``projections.scenarios``). Here: what an
assumption is, its kinds and their bounds (the input policy, as for every command).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.errors import InvalidValue
from ledger.policy import NAME, check_business_date, check_text

# kind -> what it needs besides its kind: a subject (a deal or customer id), a name, an amount,
# days, a first date, a last date ("start?"/"end?": optional)
KINDS: dict[str, tuple[str, ...]] = {
    "hire": ("name", "amount", "start", "end?"),  # a new person's monthly cost from a date
    "recurring_cost": ("name", "amount", "start", "end?"),  # rent, a subscription: monthly from a date
    "payment_delay": ("subject", "days"),  # the customer pays this many days after the due dates
    "lose_deal": ("subject",),
    "win_deal": ("subject", "start"),  # certain (100 %), closing on the date
    "slip_deal": ("subject", "start"),  # its expected close moves to the date
    "write_off": ("subject",),  # an issued invoice written off: its receivable is never paid
    "leaver": ("subject", "end"),  # a planned cost (a person's payroll) paid for the last time by the date
    "retainer_price": ("subject", "amount", "start"),  # a retainer's monthly fee from the month the date begins
}
MAX_ASSUMPTIONS = 1_000  # a scenario's; the benchmark's size
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def check_scenario_name(name: str) -> str:
    """A scenario's name: lowercase letters, digits and dashes, at most 63 (it appears in URLs)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidValue(f"name: a scenario's name is 1-63 lowercase letters, digits and dashes, got {name[:70]!r}")
    if name == "base":
        raise InvalidValue("name: base is the books themselves (compare=base); choose another name")
    return name


@dataclass(frozen=True)
class Assumption:
    kind: str
    subject: UUID | None = None
    name: str = ""
    amount: Decimal | None = None  # each month's: a cost in the functional currency, a fee in the retainer's
    days: int | None = None
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        needs = KINDS.get(self.kind)
        if needs is None:
            raise InvalidValue(f"kind: one of {', '.join(KINDS)}, got {self.kind[:40]!r}")
        given = {
            "subject": self.subject,
            "name": self.name or None,
            "amount": self.amount,
            "days": self.days,
            "start": self.start,
            "end": self.end,
        }
        for field, value in given.items():
            required, allowed = field in needs, f"{field}?" in needs or field in needs
            if required and value is None:
                raise InvalidValue(f"{_named(field, self.kind)}: a {self.kind} assumption needs it")
            if value is not None and not allowed:
                raise InvalidValue(f"{_named(field, self.kind)}: a {self.kind} assumption takes none")
        if self.name:
            check_text(self.name, NAME, "name")
        if self.amount is not None and (not self.amount.is_finite() or self.amount <= 0):
            raise InvalidValue(f"{_named('amount', self.kind)}: a monthly amount is more than zero, got {self.amount}")
        for field in ("start", "end"):
            value = given[field]
            if isinstance(value, date):
                check_business_date(value, _named(field, self.kind))
        if self.start and self.end and self.end < self.start:
            raise InvalidValue(f"until: {self.end} is before {self.start}")

    def as_dict(self) -> dict[str, Any]:
        """Its stored form (JSON values): the kind, then the fields it has."""
        out: dict[str, Any] = {"kind": self.kind}
        for field, value in vars(self).items():
            if field != "kind" and value not in (None, ""):
                out[field] = value if isinstance(value, int | str) else str(value)
        return out

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> Assumption:
        def day(key: str) -> date | None:
            return date.fromisoformat(stored[key]) if key in stored else None

        return cls(
            kind=stored["kind"],
            subject=UUID(stored["subject"]) if "subject" in stored else None,
            name=stored.get("name", ""),
            amount=Decimal(stored["amount"]) if "amount" in stored else None,
            days=stored.get("days"),
            start=day("start"),
            end=day("end"),
        )

    def describe(self) -> str:
        """One line a person reads: ``hire Designer 5000.00 a month from 2026-11-01``."""
        until = f" until {self.end}" if self.end else ""
        if self.kind in ("hire", "recurring_cost"):
            return f"{self.kind.replace('_', ' ')} {self.name}: {self.amount} a month from {self.start}{until}"
        if self.kind == "payment_delay":
            return f"customer {self.subject} pays {self.days} days after the due dates"
        if self.kind == "win_deal":
            return f"win deal {self.subject}, closing on {self.start}"
        if self.kind == "slip_deal":
            return f"deal {self.subject} slips to {self.start}"
        if self.kind == "write_off":
            return f"write off invoice {self.subject}"
        if self.kind == "retainer_price":
            return f"retainer {self.subject} at {self.amount} a month from {self.start}"
        if self.kind == "leaver":
            return f"planned cost {self.subject} ends on {self.end} (a leaver)"
        return f"lose deal {self.subject}"


_SUBJECTS = {
    "payment_delay": "customer_id",
    "lose_deal": "deal_id",
    "win_deal": "deal_id",
    "slip_deal": "deal_id",
    "write_off": "invoice_id",
    "leaver": "planned_cost_id",
    "retainer_price": "project_id",
}


def _named(field: str, kind: str) -> str:
    """The field as HTTP and the CLI name it for an assumption of this kind."""
    if field == "subject":
        return _SUBJECTS.get(kind, field)
    if field == "amount":
        return "monthly_fee" if kind == "retainer_price" else "monthly_cost"
    if field == "start":
        return {"win_deal": "on", "slip_deal": "to"}.get(kind, "from")
    return {"end": "until"}.get(field, field)

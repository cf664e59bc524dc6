"""Dunning: the levels of payment reminders as data, who is left out, and which level an invoice owes.

The books keep one ``DunningPolicy`` (its id derived, like a schedule's): the levels (a number, a
name, how many days after the due date, an optional fee, a template), the grace for partial
payments (no reminder while what is open is below ``minimum_open``, nor within ``grace_days`` of a
payment received) and the customers who asked not to be reminded. ``owed_level`` decides, for one
open invoice on one day, which level it owes, if any: the highest level reached, and only if no
reminder of that level or a higher one was recorded. It is pure, so the worker's causes (read
models) and the command that records a reminder (the log) decide alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.money import Money, minor_units
from ledger.outbox import cause_id

MAX_LEVELS = 5
MAX_DAYS = 365
# The wordings a level may use (``template``): what the e-mail says, from kind to firm.
TEMPLATES: dict[str, str] = {
    "friendly": (
        "Dear {customer},\n\nthis is a friendly reminder that invoice {number} of {issue_date} for {total}"
        " was due on {due_date}; {open} is still open. If you have paid it meanwhile, please disregard"
        " this message.\n"
    ),
    "second": (
        "Dear {customer},\n\nwe have not yet received payment of invoice {number}, due on {due_date}:"
        " {open} is open, {days} days after its due date. Please pay it within 7 days.{fee}\n"
    ),
    "final": (
        "Dear {customer},\n\nfinal notice: invoice {number} was due on {due_date} and {open} is still open"
        " {days} days later. Unless it is paid within 7 days we will pass it on for collection.{fee}\n"
    ),
}


def policy_id() -> UUID:
    return cause_id("policy", "dunning")


@dataclass(frozen=True)
class DunningLevel:
    """One step of dunning. ``fee`` is charged by a fee invoice drafted with the reminder (ADR 0043)."""

    number: int
    name: str
    days_after_due: int
    template: str
    fee: Decimal | None = None
    fee_currency: str = ""

    @property
    def fee_money(self) -> Money | None:
        return Money(self.fee, self.fee_currency) if self.fee else None


def check_levels(levels: Sequence[DunningLevel]) -> list[DunningLevel]:
    """The levels in order, or InvalidValue naming the first bad field (``levels[1].days_after_due``)."""
    if len(levels) > MAX_LEVELS:
        raise InvalidValue(f"levels: at most {MAX_LEVELS}, got {len(levels)}")
    ordered = sorted(levels, key=lambda level: level.number)
    for i, level in enumerate(ordered):
        where = f"levels[{i}]"
        if level.number != i + 1:
            raise InvalidValue(f"{where}.number: levels are numbered 1, 2, 3 … without gaps, got {level.number}")
        if not level.name.strip():
            raise InvalidValue(f"{where}.name: must not be empty")
        if not 0 <= level.days_after_due <= MAX_DAYS:
            raise InvalidValue(f"{where}.days_after_due: 0 to {MAX_DAYS} days, got {level.days_after_due}")
        if i and level.days_after_due <= ordered[i - 1].days_after_due:
            raise InvalidValue(
                f"{where}.days_after_due: each level comes later than the one before"
                f" ({level.days_after_due} is not after {ordered[i - 1].days_after_due})"
            )
        if level.template not in TEMPLATES:
            raise InvalidValue(
                f"{where}.template: unknown template {level.template[:40]!r}; one of {', '.join(TEMPLATES)}"
            )
        if level.fee is not None:
            if level.fee < 0 or not level.fee.is_finite():
                raise InvalidValue(f"{where}.fee: a fee is zero or more, got {level.fee}")
            try:
                minor_units(level.fee_currency)
                Money(level.fee, level.fee_currency).to_minor()
            except InvalidValue as exc:
                raise InvalidValue(f"{where}.fee: {exc}") from None
            if not Money(level.fee, level.fee_currency).is_rounded():
                raise InvalidValue(f"{where}.fee: more decimals than {level.fee_currency} has")
    return ordered


@dataclass(frozen=True)
class OpenInvoice:
    """What the level owed depends on: as of the day asked."""

    due_date: date
    open_minor: int  # what is open, in the functional currency's minor units
    last_payment: date | None  # the last partial payment or credit on or before the day asked
    opted_out: bool
    reminded_levels: frozenset[int]  # levels already recorded for this invoice


def owed_level(
    levels: Sequence[DunningLevel], invoice: OpenInvoice, on: date, minimum_open_minor: int, grace_days: int
) -> DunningLevel | None:
    """The level ``invoice`` owes on ``on``: the highest reached, unless it or a higher one was sent,
    the customer opted out, nothing (or less than the minimum) is open, or a payment came within
    the grace. A customer who reaches level 2 before level 1 was sent gets level 2 only."""
    if invoice.opted_out or invoice.open_minor <= 0 or invoice.open_minor < minimum_open_minor:
        return None
    if invoice.last_payment is not None and (on - invoice.last_payment).days < grace_days:
        return None
    overdue = (on - invoice.due_date).days
    reached = [level for level in levels if overdue >= level.days_after_due and overdue > 0]
    if not reached:
        return None
    level = max(reached, key=lambda lv: lv.number)
    if invoice.reminded_levels and level.number <= max(invoice.reminded_levels):
        return None
    return level


class DunningPolicy(KeelAggregate):
    TOPIC = "keel.DunningPolicy"

    if TYPE_CHECKING:
        levels: list[DunningLevel]
        minimum_open: Decimal
        grace_days: int
        opted_out: list[UUID]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.dunning.Created.v1"

    class Started(Created):
        """The policy's beginning: no levels yet, nobody left out (nothing is reminded)."""

        TOPIC = "keel.dunning.Started.v1"

        def apply(self, policy: DunningPolicy) -> None:
            policy.levels, policy.minimum_open, policy.grace_days, policy.opted_out = [], Decimal(0), 0, []

    class LevelsSet(Event):
        """The whole set of levels and the grace, each time (the one in force is the latest)."""

        TOPIC = "keel.dunning.LevelsSet.v1"
        levels: list[dict[str, Any]]  # plain values (``level_dict``): no transcoding of its own
        minimum_open: Decimal  # in the functional currency
        grace_days: int

        def apply(self, policy: DunningPolicy) -> None:
            policy.levels = levels_of(self.levels)
            policy.minimum_open, policy.grace_days = self.minimum_open, self.grace_days

    class CustomerOptedOut(Event):
        TOPIC = "keel.dunning.CustomerOptedOut.v1"
        customer_id: UUID

        def apply(self, policy: DunningPolicy) -> None:
            policy.opted_out = [*policy.opted_out, self.customer_id]

    class CustomerOptedIn(Event):
        TOPIC = "keel.dunning.CustomerOptedIn.v1"
        customer_id: UUID

        def apply(self, policy: DunningPolicy) -> None:
            policy.opted_out = [c for c in policy.opted_out if c != self.customer_id]

    @classmethod
    def start(cls, on: date, meta: Meta) -> DunningPolicy:
        return cls._create(cls.Started, id=policy_id(), **meta.stamp(on))

    def set_levels(
        self, levels: Sequence[DunningLevel], minimum_open: Decimal, grace_days: int, on: date, meta: Meta
    ) -> None:
        ordered = check_levels(levels)
        if minimum_open < 0 or not minimum_open.is_finite():
            raise InvalidValue(f"minimum_open: zero or more, got {minimum_open}")
        if not 0 <= grace_days <= MAX_DAYS:
            raise InvalidValue(f"grace_days: 0 to {MAX_DAYS} days, got {grace_days}")
        self.trigger_event(
            self.LevelsSet,
            levels=[level_dict(level) for level in ordered],
            minimum_open=minimum_open,
            grace_days=grace_days,
            **meta.stamp(on),
        )

    def opt(self, customer_id: UUID, reminded: bool, on: date, meta: Meta) -> bool:
        """Record a customer's choice; False when it is the one in force (nothing recorded)."""
        if reminded == (customer_id not in self.opted_out):
            return False
        event = self.CustomerOptedIn if reminded else self.CustomerOptedOut
        self.trigger_event(event, customer_id=customer_id, **meta.stamp(on))
        return True

    def level(self, number: int) -> DunningLevel:
        for level in self.levels:
            if level.number == number:
                return level
        raise InvalidValue(f"level: no dunning level {number}")


def level_dict(level: DunningLevel) -> dict[str, Any]:
    plain: dict[str, Any] = {
        "number": level.number,
        "name": level.name,
        "days_after_due": level.days_after_due,
        "template": level.template,
    }
    if level.fee is not None:
        plain |= {"fee": str(level.fee), "fee_currency": level.fee_currency}
    return plain


def level_of(value: DunningLevel | dict[str, Any]) -> DunningLevel:
    if isinstance(value, DunningLevel):
        return value
    fee = value.get("fee")
    return DunningLevel(
        int(value["number"]),
        str(value["name"]),
        int(value["days_after_due"]),
        str(value["template"]),
        Decimal(str(fee)) if fee is not None else None,
        str(value.get("fee_currency", "")),
    )


def levels_of(values: Iterable[DunningLevel | dict[str, Any]]) -> list[DunningLevel]:
    return [level_of(v) for v in values]

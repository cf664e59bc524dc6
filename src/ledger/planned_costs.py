"""Planned costs: money the business will pay every month that no document says yet — payroll,
rent, software — so the cash forecast sees it (ADR 0065; the same kind of cost a scenario's "hire
two designers" or "a new recurring cost" assumes).

A planned cost is paid on one day of each month (1 to 28: every month has it) from its start,
in the functional currency; a revision changes the monthly amount from a date on (a raise, a new
lease), and an end is the last day a payment may fall on. Nothing here posts to the books: the
payments themselves are entered as they happen.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.money import Money
from ledger.policy import check_business_date, check_identifier

LATEST_PAY_DAY = 28  # every month has it


class PlannedCost(KeelAggregate):
    TOPIC = "keel.PlannedCost"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        name: str
        currency: str
        pay_day: int
        starts: date
        ends: date | None
        cost_center: str | None

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.plannedcost.Created.v1"

    class Planned(Created):
        TOPIC = "keel.plannedcost.Planned.v1"
        name: str
        amount: Decimal
        currency: str
        pay_day: int
        starts: date
        ends: date | None
        cost_center: str | None

        def apply(self, cost: PlannedCost) -> None:
            cost.name, cost.currency, cost.pay_day = self.name, self.currency, self.pay_day
            cost.starts, cost.ends, cost.cost_center = self.starts, self.ends, self.cost_center

    class Revised(Event):
        TOPIC = "keel.plannedcost.Revised.v1"
        amount: Decimal
        effective_from: date

        def apply(self, cost: PlannedCost) -> None:
            pass  # the amounts in force are the read side's (projections.cash.planned_costs)

    class Ended(Event):
        TOPIC = "keel.plannedcost.Ended.v1"
        ends: date

        def apply(self, cost: PlannedCost) -> None:
            cost.ends = self.ends

    @classmethod
    def plan(
        cls,
        cost_id: UUID,
        name: str,
        monthly: Money,
        pay_day: int,
        starts: date,
        ends: date | None,
        cost_center: str | None,
        on: date,
        meta: Meta,
    ) -> PlannedCost:
        if not name.strip():
            raise InvalidValue("name: a planned cost needs a name")
        if not 1 <= pay_day <= LATEST_PAY_DAY:
            raise InvalidValue(f"pay_day: a day of the month from 1 to {LATEST_PAY_DAY}, got {pay_day}")
        check_business_date(starts, "starts")
        if ends is not None and check_business_date(ends, "ends") < starts:
            raise InvalidValue(f"ends: {ends.isoformat()} is before the start {starts.isoformat()}")
        return cls._create(
            cls.Planned,
            id=cost_id,
            name=name.strip(),
            amount=_monthly(monthly),
            currency=monthly.currency,
            pay_day=pay_day,
            starts=starts,
            ends=ends,
            cost_center=None if cost_center is None else check_identifier(cost_center.strip(), "cost_center"),
            **meta.stamp(on),
        )

    def revise(self, monthly: Money, effective_from: date, on: date, meta: Meta) -> None:
        """The monthly amount from ``effective_from`` on (payments before it keep theirs)."""
        if monthly.currency != self.currency:
            raise InvalidValue(f"currency: {self.name} is planned in {self.currency}, not {monthly.currency}")
        check_business_date(effective_from, "effective_from")
        if effective_from < self.starts:
            raise InvalidValue(f"effective_from: {effective_from.isoformat()} is before the start {self.starts}")
        if self.ends is not None and effective_from > self.ends:
            raise InvalidValue(f"effective_from: {effective_from.isoformat()} is after the end {self.ends}")
        self.trigger_event(self.Revised, amount=_monthly(monthly), effective_from=effective_from, **meta.stamp(on))

    def end(self, ends: date, on: date, meta: Meta) -> None:
        """No payment after ``ends`` (on or after the start; an earlier end than planned is fine)."""
        check_business_date(ends, "ends")
        if ends < self.starts:
            raise InvalidValue(f"ends: {ends.isoformat()} is before the start {self.starts.isoformat()}")
        if ends != self.ends:
            self.trigger_event(self.Ended, ends=ends, **meta.stamp(on))


def _monthly(monthly: Money) -> Decimal:
    if monthly.amount <= 0:
        raise InvalidValue(f"amount: a planned cost is a positive monthly amount, got {monthly.amount}")
    if not monthly.is_rounded():
        raise InvalidValue(f"amount: {monthly.amount} has more decimals than {monthly.currency} allows")
    monthly.to_minor()  # within the input policy
    return monthly.amount


def pay_days(pay_day: int, first: date, last: date) -> list[date]:
    """The days from ``first`` to ``last`` (both included) that fall on ``pay_day`` of a month."""
    found: list[date] = []
    year, month = first.year, first.month
    while True:
        day = date(year, month, pay_day)
        if day > last:
            return found
        if day >= first:
            found.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)

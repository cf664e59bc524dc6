"""Planned costs: money the business will pay regularly that no document says yet — payroll,
rent, insurance — so the cash forecast sees it (ADR 0065; the same kind of cost a scenario's
"hire two designers" or "a new recurring cost" assumes).

A planned cost is paid on one day of the month (31: the month's last day, whatever its length)
every month, quarter or year from the month of its start, in the functional currency. A revision
changes the amount of the payments from a date on (a raise, a new lease) and replaces any later
revision; an end is the last day a payment may fall on (and drops the revisions after it); a
cancellation withdraws a cost planned by mistake. Nothing here posts to the books: the payments
are entered as they happen, and a cost that gets its own bills should end when they begin (the
forecast would count a bill and its planned payment both).
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.money import Money
from ledger.policy import check_business_date

FREQUENCIES = {"monthly": 1, "quarterly": 3, "yearly": 12}  # months between payments
LAST_PAY_DAY = 31  # a day some months lack: their last day


class PlannedCost(KeelAggregate):
    TOPIC = "keel.PlannedCost"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        name: str
        currency: str
        frequency: str
        pay_day: int
        start: date
        end: date | None
        cost_center: str | None
        steps: list[list[date | Decimal]]  # [effective_from, amount], oldest first (lists: as a snapshot reads)
        cancelled: bool

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.plannedcost.Created.v1"

    class Planned(Created):
        TOPIC = "keel.plannedcost.Planned.v1"
        name: str
        amount: Decimal
        currency: str
        frequency: str
        pay_day: int
        start: date
        end: date | None
        cost_center: str | None

        def apply(self, cost: PlannedCost) -> None:
            cost.name, cost.currency, cost.frequency = self.name, self.currency, self.frequency
            cost.pay_day, cost.start, cost.end, cost.cost_center = self.pay_day, self.start, self.end, self.cost_center
            cost.steps, cost.cancelled = [[self.start, self.amount]], False

    class Revised(Event):
        TOPIC = "keel.plannedcost.Revised.v1"
        amount: Decimal
        effective_from: date

        def apply(self, cost: PlannedCost) -> None:
            cost.steps = [*_before(cost.steps, self.effective_from), [self.effective_from, self.amount]]

    class Ended(Event):
        TOPIC = "keel.plannedcost.Ended.v1"
        end: date

        def apply(self, cost: PlannedCost) -> None:
            cost.end = self.end
            cost.steps = [s for s in cost.steps if _day(s) <= self.end]

    class Cancelled(Event):
        TOPIC = "keel.plannedcost.Cancelled.v1"
        reason: str

        def apply(self, cost: PlannedCost) -> None:
            cost.cancelled = True

    @classmethod
    def plan(
        cls,
        cost_id: UUID,
        name: str,
        amount: Money,
        frequency: str,
        pay_day: int,
        start: date,
        end: date | None,
        cost_center: str | None,
        on: date,
        meta: Meta,
    ) -> PlannedCost:
        if not name.strip():
            raise InvalidValue("name: a planned cost needs a name")
        if frequency not in FREQUENCIES:
            raise InvalidValue(f"frequency: one of {', '.join(FREQUENCIES)}, not {frequency!r}")
        if not 1 <= pay_day <= LAST_PAY_DAY:
            raise InvalidValue(f"pay_day: a day of the month from 1 to {LAST_PAY_DAY} (the last day), got {pay_day}")
        check_business_date(start, "start")
        if end is not None and check_business_date(end, "end") < start:
            raise InvalidValue(f"end: {end.isoformat()} is before the start {start.isoformat()}")
        return cls._create(
            cls.Planned,
            id=cost_id,
            name=name.strip(),
            amount=_amount(amount),
            currency=amount.currency,
            frequency=frequency,
            pay_day=pay_day,
            start=start,
            end=end,
            cost_center=cost_center,
            **meta.stamp(on),
        )

    def revise(self, amount: Money, effective_from: date, on: date, meta: Meta) -> None:
        """The amount of the payments from ``effective_from`` on (a later revision is replaced)."""
        self._open()
        if amount.currency != self.currency:
            raise InvalidValue(f"amount: {self.name} is planned in {self.currency}, not {amount.currency}")
        check_business_date(effective_from, "effective_from")
        if effective_from < self.start:
            raise InvalidValue(f"effective_from: {effective_from.isoformat()} is before the start {self.start}")
        if self.end is not None and effective_from > self.end:
            raise InvalidValue(f"effective_from: {effective_from.isoformat()} is after the end {self.end}")
        value = _amount(amount)
        if self.steps and _before(self.steps, effective_from) == self.steps and self.steps[-1][1] == value:
            return  # the same amount already applies from then on
        self.trigger_event(self.Revised, amount=value, effective_from=effective_from, **meta.stamp(on))

    def close(self, end: date, on: date, meta: Meta) -> None:
        """No payment after ``end`` (on or after the start; earlier or later than planned)."""
        self._open()
        check_business_date(end, "end")
        if end < self.start:
            raise InvalidValue(f"end: {end.isoformat()} is before the start {self.start}; cancel it instead")
        if end != self.end:
            self.trigger_event(self.Ended, end=end, **meta.stamp(on))

    def cancel(self, reason: str, on: date, meta: Meta) -> None:
        """Withdraw a cost planned by mistake: it pays nothing, ever."""
        self._open()
        if not reason.strip():
            raise InvalidValue("reason: say why it is cancelled")
        self.trigger_event(self.Cancelled, reason=reason.strip(), **meta.stamp(on))

    def _open(self) -> None:
        if self.cancelled:
            raise InvalidValue(f"{self.name} is cancelled: plan it again instead")


def _amount(amount: Money) -> Decimal:
    if amount.amount <= 0:
        raise InvalidValue(f"amount: a planned cost pays a positive amount, got {amount.amount}")
    if not amount.is_rounded():
        raise InvalidValue(f"amount: {amount.amount} has more decimals than {amount.currency} allows")
    amount.to_minor()  # within the input policy
    return amount.amount


def _day(step: list[date | Decimal]) -> date:
    day = step[0]
    assert isinstance(day, date)
    return day


def _before(steps: list[list[date | Decimal]], day: date) -> list[list[date | Decimal]]:
    return [s for s in steps if _day(s) < day]


def pay_days(frequency: str, pay_day: int, start: date, first: date, last: date) -> list[date]:
    """The days from ``first`` to ``last`` (both included) a cost started on ``start`` is paid:
    ``pay_day`` (or the month's last day, if shorter) of every ``frequency`` from the start's month."""
    step = FREQUENCIES[frequency]
    found: list[date] = []
    year, month = start.year, start.month
    behind = (first.year - year) * 12 + first.month - month  # whole periods before ``first``: skipped
    if behind > step:
        skip = (behind // step - 1) * step
        year, month = year + (month - 1 + skip) // 12, (month - 1 + skip) % 12 + 1
    while True:
        day = date(year, month, min(pay_day, calendar.monthrange(year, month)[1]))
        if day > last:
            return found
        if day >= max(first, start):
            found.append(day)
        year, month = year + (month - 1 + step) // 12, (month - 1 + step) % 12 + 1

"""Planned costs (payroll, rent): planned, revised from a date, ended, cancelled. In the
functional currency, the one the cash forecast is in; a cost center, if named, must be defined."""

from __future__ import annotations

from uuid import UUID

from commands.finance import messages as m
from commands.posting import functional_currency
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.errors import InvalidValue, NotFound
from ledger.expense_policy import CostCenter, cost_center_id
from ledger.money import Money, to_decimal
from ledger.planned_costs import PlannedCost


def plan_cost(uow: UnitOfWork, c: m.PlanCost) -> CommandResult:
    uow.ensure_new(c.planned_cost_id, "planned cost")
    amount = _functional(uow, c.amount, c.currency)
    center: str | None = None  # a defined one, by its code
    if c.cost_center is not None:
        code = c.cost_center.strip().upper()
        try:
            center = uow.load(CostCenter, cost_center_id(code)).code
        except NotFound:
            raise InvalidValue(f"cost_center: {code} is not a defined cost center") from None
    on = c.on or uow.today()
    cost = PlannedCost.plan(
        c.planned_cost_id, c.name, amount, c.frequency, c.pay_day, c.start, c.end, center, on, c.meta
    )
    return uow.commit(cost)


def revise_planned_cost(uow: UnitOfWork, c: m.RevisePlannedCost) -> CommandResult:
    cost = _cost(uow, c.planned_cost_id, c.expected_version)
    cost.revise(_functional(uow, c.amount, None), c.effective_from, c.on or uow.today(), c.meta)
    return uow.commit(cost)


def end_planned_cost(uow: UnitOfWork, c: m.EndPlannedCost) -> CommandResult:
    cost = _cost(uow, c.planned_cost_id, c.expected_version)
    cost.close(c.end, c.on or uow.today(), c.meta)
    return uow.commit(cost)


def cancel_planned_cost(uow: UnitOfWork, c: m.CancelPlannedCost) -> CommandResult:
    cost = _cost(uow, c.planned_cost_id, c.expected_version)
    cost.cancel(c.reason, c.on or uow.today(), c.meta)
    return uow.commit(cost)


def _cost(uow: UnitOfWork, cost_id: UUID, expected_version: int | None) -> PlannedCost:
    return uow.load(PlannedCost, cost_id, expected_version, label="planned cost")


def _functional(uow: UnitOfWork, amount: str, currency: str | None) -> Money:
    functional = functional_currency(uow)
    if currency is not None and currency != functional:
        raise InvalidValue(f"currency: planned costs are in the functional currency {functional}, not {currency}")
    return Money(to_decimal(amount), functional)


HANDLERS: Handlers = {
    m.PlanCost: plan_cost,
    m.RevisePlannedCost: revise_planned_cost,
    m.EndPlannedCost: end_planned_cost,
    m.CancelPlannedCost: cancel_planned_cost,
}

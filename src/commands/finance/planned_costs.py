"""Planned costs (payroll, rent): planned, revised from a date, ended. In the functional currency,
the one the cash forecast is in."""

from __future__ import annotations

from commands.finance import messages as m
from commands.posting import functional_currency
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.errors import InvalidValue
from ledger.money import Money, to_decimal
from ledger.planned_costs import PlannedCost


def plan_cost(uow: UnitOfWork, c: m.PlanCost) -> CommandResult:
    uow.ensure_new(c.planned_cost_id, "planned cost")
    monthly = _functional(uow, c.amount, c.currency)
    on = c.on or uow.today()
    cost = PlannedCost.plan(c.planned_cost_id, c.name, monthly, c.pay_day, c.starts, c.ends, c.cost_center, on, c.meta)
    return uow.commit(cost)


def revise_planned_cost(uow: UnitOfWork, c: m.RevisePlannedCost) -> CommandResult:
    cost = uow.load(PlannedCost, c.planned_cost_id, c.expected_version, label="planned cost")
    cost.revise(_functional(uow, c.amount, None), c.effective_from, c.on or uow.today(), c.meta)
    return uow.commit(cost)


def end_planned_cost(uow: UnitOfWork, c: m.EndPlannedCost) -> CommandResult:
    cost = uow.load(PlannedCost, c.planned_cost_id, c.expected_version, label="planned cost")
    cost.end(c.ends, c.on or uow.today(), c.meta)
    return uow.commit(cost)


def _functional(uow: UnitOfWork, amount: str, currency: str | None) -> Money:
    functional = functional_currency(uow)
    if currency is not None and currency != functional:
        raise InvalidValue(f"currency: planned costs are in the functional currency {functional}, not {currency}")
    return Money(to_decimal(amount), functional)


HANDLERS: Handlers = {
    m.PlanCost: plan_cost,
    m.RevisePlannedCost: revise_planned_cost,
    m.EndPlannedCost: end_planned_cost,
}

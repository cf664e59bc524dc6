"""The delivery reports as queries: margins, budget burn, utilisation, work in progress."""

from __future__ import annotations

from typing import Any

from ledger.errors import InvalidValue
from projections.delivery import reports as work_reports
from projections.engine.db import ViewDatabase
from projections.queries.core import Books, Params, Query, Table, columns
from projections.queries.finance import scope_notes

WORK = ("work", "general_ledger", "chart")
MARGIN_GROUPS = ("project", "customer", "cost_center", "month")


def _margins(views: ViewDatabase, books: Books, p: Params) -> work_reports.Margins:
    by = p.by or "project"
    if by not in MARGIN_GROUPS:
        raise InvalidValue(f"by: one of {', '.join(MARGIN_GROUPS)}, not {by!r}")
    assert p.start is not None and p.end is not None
    return work_reports.margins(views, p.start, p.end, books.functional_currency, p.known_at, by)


def _margins_table(result: work_reports.Margins, _: Params) -> Table:
    currency = result.scope.currency or ""
    return Table(
        f"Margins by {result.by}",
        columns(
            result.by,
            "currency",
            "revenue:amount",
            "labour:amount",
            "expenses:amount",
            "margin:amount",
            "margin_percent:percent",
        ),
        [[r.name, currency, r.revenue, r.labour, r.expenses, r.margin, r.margin_percent] for r in result.rows],
        [
            [
                "Total",
                currency,
                sum(r.revenue for r in result.rows),
                sum(r.labour for r in result.rows),
                sum(r.expenses for r in result.rows),
                sum(r.margin for r in result.rows),
                None,
            ]
        ]
        if result.rows
        else (),
        scope_notes(result.scope),
    )


def _budget_burn(views: ViewDatabase, books: Books, p: Params) -> work_reports.BudgetBurn:
    assert p.as_of is not None
    return work_reports.budget_burn(views, p.as_of, books.functional_currency, p.known_at)


def _budget_burn_table(result: work_reports.BudgetBurn, _: Params) -> Table:
    currency = result.scope.currency or ""
    rows = [
        [
            r.name,
            r.budget_hours,
            r.actual_hours,
            r.planned_hours,
            r.hours_burn_percent,
            currency,
            r.budget_amount,
            r.actual_cost,
            r.cost_burn_percent,
        ]
        for r in result.rows
    ]
    return Table(
        "Budget burn",
        columns(
            "project",
            "budget_hours:number",
            "actual_hours:number",
            "planned_hours:number",
            "hours_burn:percent",
            "currency",
            "budget:amount",
            "cost:amount",
            "cost_burn:percent",
        ),
        rows,
        (),
        scope_notes(result.scope),
    )


def _utilisation(views: ViewDatabase, _: Books, p: Params) -> work_reports.Utilisation:
    assert p.start is not None and p.end is not None
    return work_reports.utilisation(views, p.start, p.end, p.known_at, p.as_of)


def _utilisation_table(result: work_reports.Utilisation, _: Params) -> Table:
    return Table(
        "Utilisation",
        columns(
            "person",
            "capacity:number",
            "billable:number",
            "total:number",
            "planned:number",
            "utilisation_percent:percent",
        ),
        [
            [r.person, r.capacity_hours, r.billable_hours, r.total_hours, r.planned_hours, r.utilisation_percent]
            for r in result.rows
        ],
        (),
        scope_notes(result.scope),
    )


def _wip(views: ViewDatabase, _: Books, p: Params) -> work_reports.WorkInProgress:
    assert p.as_of is not None
    return work_reports.work_in_progress(views, p.as_of, p.known_at)


def _wip_table(result: work_reports.WorkInProgress, _: Params) -> Table:
    return Table(
        "Work in progress",
        columns("project", "hours:number", "currency", "value:amount"),
        [[r.name, r.hours, r.currency, r.value] for r in result.rows],
        (),
        scope_notes(result.scope),
    )


DELIVERY: list[Query[Any]] = [
    Query("margins", (*WORK, "customers"), _margins, _margins_table, window="required"),
    Query("budget-burn", WORK, _budget_burn, _budget_burn_table),
    Query("utilisation", WORK, _utilisation, _utilisation_table, window="required"),
    Query("work-in-progress", WORK, _wip, _wip_table),
]

"""The sales reports as queries: pipeline, conversion, win rate, follow-ups, the customer 360."""

from __future__ import annotations

from typing import Any

from ledger.errors import InvalidValue, NotFound
from projections.crm import customer_360
from projections.crm import reports as crm_reports
from projections.engine.db import ViewDatabase
from projections.queries.core import Books, Params, Query, Table, columns
from projections.queries.finance import scope_notes

CRM = ("crm", "customers")


def _pipeline(views: ViewDatabase, _: Books, p: Params) -> crm_reports.PipelineReport:
    by = p.by or "stage"
    if by not in ("stage", "owner"):
        raise InvalidValue(f"by: stage or owner, not {by!r}")
    assert p.as_of is not None
    return crm_reports.pipeline(views, p.as_of, p.known_at, by)


def _pipeline_table(report: crm_reports.PipelineReport, _: Params) -> Table:
    return Table(
        f"Pipeline by {report.by}",
        columns(report.by, "currency", "count:number", "value:amount", "weighted:amount"),
        [[r.group, r.currency, r.count, r.value, r.weighted] for r in report.rows],
        (),
        [*scope_notes(report.scope), ("won", str(report.won)), ("lost", str(report.lost))],
    )


def _conversion(views: ViewDatabase, _: Books, p: Params) -> crm_reports.ConversionReport:
    assert p.as_of is not None
    return crm_reports.conversion(views, p.as_of, p.known_at)


def _conversion_table(report: crm_reports.ConversionReport, _: Params) -> Table:
    rows: list[list[Any]] = [["stage", f.stage, f.reached, "", "", f.to_next] for f in report.funnel]
    rows += [["source", s.source, s.leads, s.converted, s.won, s.lead_to_won] for s in report.sources]
    return Table(
        "Conversion",
        columns("kind", "name", "count:number", "converted:number", "won:number", "onward_percent:percent"),
        rows,
        (),
        scope_notes(report.scope),
    )


def _win_rate(views: ViewDatabase, _: Books, p: Params) -> crm_reports.WinRateReport:
    assert p.start is not None and p.end is not None
    return crm_reports.win_rate(views, p.start, p.end, p.known_at)


def _win_rate_table(report: crm_reports.WinRateReport, _: Params) -> Table:
    return Table(
        "Win rate",
        columns("won:number", "lost:number", "win_rate:percent", "average_cycle_days:number"),
        [[report.won, report.lost, report.win_rate, report.average_cycle_days]],
        (),
        scope_notes(report.scope),
    )


def _follow_ups(views: ViewDatabase, _: Books, p: Params) -> crm_reports.FollowUpsReport:
    assert p.as_of is not None
    return crm_reports.follow_ups(views, p.as_of, p.known_at)


def _follow_ups_table(report: crm_reports.FollowUpsReport, _: Params) -> Table:
    return Table(
        "Follow-ups",
        columns("owner", "overdue:number", "due_today:number", "upcoming:number"),
        [[o.owner, o.overdue, o.due_today, o.upcoming] for o in report.owners],
        [
            [
                "Total",
                sum(o.overdue for o in report.owners),
                sum(o.due_today for o in report.owners),
                sum(o.upcoming for o in report.owners),
            ]
        ]
        if report.owners
        else (),
        scope_notes(report.scope),
    )


def _customer_360(views: ViewDatabase, _: Books, p: Params) -> customer_360.Customer360:
    customer = p.filter("customer")
    if customer is None:
        raise InvalidValue("customer: a customer id is required")
    assert p.as_of is not None
    view = customer_360.customer_360(views, customer, p.as_of, p.known_at)
    if view is None:
        raise NotFound(f"customer {customer} not found")
    return view


def _customer_360_table(view: customer_360.Customer360, _: Params) -> Table:
    rows: list[list[Any]] = [["contact", c["name"], c["role"], c["email"], "", ""] for c in view.contacts]
    rows += [["deal", d.title, f"{d.status} / {d.stage}", "", d.currency, d.value] for d in view.deals]
    rows += [["activity", t.subject, t.kind, t.on, "", ""] for t in view.timeline]
    rows += [["invoice", i["number"], i["status"], "", i["currency"], i["total"]] for i in view.invoices]
    rows += [["payment", p["memo"], "", p["on"], p["currency"], p["amount"]] for p in view.payments]
    rows += [["project", p["name"], p["status"], "", p["currency"], p["value"]] for p in view.projects]
    return Table(
        f"Customer 360: {view.name}",
        columns("kind", "what", "state", "date", "currency", "amount:amount"),
        rows,
        [["Open balance", "", "", "", c, v] for c, v in sorted(view.open_balance.items())],
        [("customer", view.name), ("owner", view.owner), *scope_notes(view.scope)],
    )


SALES: list[Query[Any]] = [
    Query("pipeline", CRM, _pipeline, _pipeline_table),
    Query("conversion", CRM, _conversion, _conversion_table),
    Query("win-rate", CRM, _win_rate, _win_rate_table, window="required"),
    Query("follow-ups", CRM, _follow_ups, _follow_ups_table),
    Query("customer-360", (*CRM, "general_ledger", "invoices", "work"), _customer_360, _customer_360_table),
]

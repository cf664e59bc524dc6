"""Reports from the command line: ``keel report …``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import typer

from api.cli.base import (
    AsOfOption,
    Format,
    FormatOption,
    FromOption,
    KnownAtOption,
    ToOption,
    catch_up,
    day_of,
    emit,
    fail,
    keel_system,
    known_moment,
    parse_known_at,
    report_app,
    run_report,
    scope_meta,
)
from api.system import Keel


@report_app.command("trial-balance")
def trial_balance(
    as_of: AsOfOption = None,
    known_at: KnownAtOption = None,
    fmt: FormatOption = Format.table,
    functional: Annotated[
        bool, typer.Option("--functional", help="Value every line in the functional currency.")
    ] = False,
) -> None:
    """Trial balance per account and currency (or valued in the functional currency)."""
    from projections.reports import trial_balance as build

    tb = run_report(
        known_at,
        lambda keel, moment: build(keel.views, day_of(as_of), moment, keel.functional_currency if functional else None),
    )
    header = ["account", "name", "currency", "debit", "credit"]
    rows = [[r.account, r.name, r.currency, r.debit, r.credit] for r in tb.rows]
    rows += [["", "Total", t.currency, t.debit, t.credit] for t in tb.totals] if fmt is Format.table else []
    meta: dict[str, Any] = {**scope_meta(tb.scope), "balanced": tb.balanced}
    if fmt is Format.json:
        meta["totals"] = [{"currency": t.currency, "debit": str(t.debit), "credit": str(t.credit)} for t in tb.totals]
    emit(fmt, "Trial balance", header, rows, meta)


@report_app.command("receivables")
def receivables(as_of: AsOfOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table) -> None:
    """Open receivables and unapplied credit per customer."""
    from projections.reports import receivables as build

    rec = run_report(known_at, lambda keel, moment: build(keel.views, day_of(as_of), moment))
    header = ["customer", "currency", "receivable", "credit", "net"]
    rows = [[r.customer_name, r.currency, r.receivable, r.credit, r.net] for r in rec.rows]
    emit(fmt, "Receivables", header, rows, scope_meta(rec.scope))


@report_app.command("profit-and-loss")
def profit_and_loss(
    start: FromOption,
    end: ToOption = None,
    known_at: KnownAtOption = None,
    by: Annotated[str | None, typer.Option("--by", help="Break down by cost_center or month.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Income and expenses of a period, in the functional currency."""
    from projections.reports import profit_and_loss as build

    pnl = run_report(
        known_at,
        lambda keel, moment: build(keel.views, start.date(), day_of(end), keel.functional_currency, moment, by),
    )
    header = ["section", "account", "name", "group", "amount"]
    rows = [["income", ln.account, ln.name, ln.group, ln.amount] for ln in pnl.income]
    rows += [["expenses", ln.account, ln.name, ln.group, ln.amount] for ln in pnl.expenses]
    if fmt is Format.table:
        rows += [["", "", "Total income", "", pnl.total_income], ["", "", "Total expenses", "", pnl.total_expenses]]
        rows += [["", "", "Result", "", pnl.result]]
    emit(fmt, "Profit and loss", header, rows, {**scope_meta(pnl.scope), "result": str(pnl.result)})


@report_app.command("balance-sheet")
def balance_sheet(as_of: AsOfOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table) -> None:
    """Assets, liabilities and equity (with the result not yet closed), in the functional currency."""
    from projections.reports import balance_sheet as build

    bs = run_report(known_at, lambda keel, moment: build(keel.views, day_of(as_of), keel.functional_currency, moment))
    header = ["section", "account", "name", "amount"]
    rows: list[list[Any]] = []
    for section, lines in (("assets", bs.assets), ("liabilities", bs.liabilities), ("equity", bs.equity)):
        rows += [[section, ln.account, ln.name, ln.amount] for ln in lines]
    rows.append(["equity", "", "Result not yet closed", bs.unclosed_result])
    if fmt is Format.table:
        rows += [
            ["", "", "Total assets", bs.total_assets],
            ["", "", "Liabilities + equity", bs.total_liabilities + bs.total_equity],
        ]
    emit(fmt, "Balance sheet", header, rows, {**scope_meta(bs.scope), "balanced": bs.balanced})


@report_app.command("ageing")
def ageing(
    kind: Annotated[str, typer.Argument(help="receivables or payables")],
    as_of: AsOfOption = None,
    known_at: KnownAtOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Open items by days overdue; the total equals the balance sheet's figure."""
    from projections.reports import ageing as build

    result = run_report(
        known_at, lambda keel, moment: build(keel.views, kind, day_of(as_of), keel.functional_currency, moment)
    )
    header = ["party", "document", "due_date", "days_overdue", "bucket", "currency", "open", "open_value"]
    rows = [
        [i.party_name, i.number, i.due_date, i.days_overdue, i.bucket, i.currency, i.open_amount, i.open_value]
        for i in result.items
    ]
    meta = {
        **scope_meta(result.scope),
        "total": str(result.total),
        **{f"bucket {k}": str(v) for k, v in result.buckets.items()},
    }
    emit(fmt, f"Ageing of {kind}", header, rows, meta)


@report_app.command("ledger")
def account_ledger(
    account_code: Annotated[str, typer.Argument(metavar="ACCOUNT", help="Account code, e.g. 1100")],
    start: FromOption,
    end: ToOption = None,
    known_at: KnownAtOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """General-ledger detail of one account with running balance."""
    from projections.reports import account_ledger as build

    led = run_report(
        known_at,
        lambda keel, moment: build(
            keel.views, account_code, start.date(), day_of(end), keel.functional_currency, moment
        ),
    )
    header = ["date", "position", "memo", "currency", "amount", "value", "balance"]
    rows = [[e.effective_date, e.position, e.memo, e.currency, e.amount, e.value, e.balance] for e in led.entries]
    meta = {
        **scope_meta(led.scope),
        "account": f"{led.account} {led.name}",
        "opening": str(led.opening),
        "closing": str(led.closing),
    }
    emit(fmt, f"Ledger {led.account} {led.name}", header, rows, meta)


@report_app.command("tax-summary")
def tax_summary(
    start: FromOption, end: ToOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table
) -> None:
    """Output and input tax per tax code for a period."""
    from projections.reports import tax_summary as build

    tax = run_report(
        known_at, lambda keel, moment: build(keel.views, start.date(), day_of(end), keel.functional_currency, moment)
    )
    header = ["tax_code", "sales_base", "output_tax", "purchases_base", "input_tax", "net_payable"]
    rows = [[t.tax_code, t.sales_base, t.output_tax, t.purchases_base, t.input_tax, t.net_payable] for t in tax.lines]
    emit(fmt, "Tax summary", header, rows, {**scope_meta(tax.scope), "net_payable": str(tax.net_payable)})


@report_app.command("restatement")
def restatement_report(
    end: Annotated[datetime, typer.Option("--end", formats=["%Y-%m-%d"], help="The closed period's last day.")],
    known_at: KnownAtOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """A closed period as known at its close against as known now: what changed, and which late
    events (recorded after the close) explain it."""
    from projections.restatement import restatement as build

    def answer(keel: Keel, moment: datetime | None) -> Any:
        close = next(((d, p, t) for d, p, t in keel.app.closes() if d >= end.date()), None)
        if close is None:
            raise fail(f"no period ending on or after {end.date().isoformat()} was ever closed")
        return build(keel.views, end.date(), close[2], close[1], keel.functional_currency, moment)

    found = run_report(known_at, answer)
    header = ["account", "name", "at_close", "now", "difference", "explained_by"]
    rows = [
        [a.account, a.name, a.at_close, a.now, a.difference, " ".join(map(str, a.explained_by))] for a in found.accounts
    ]
    late = [f"{e.position}: {e.event_topic} {e.source_id} dated {e.effective_date}" for e in found.late_events]
    meta = {
        "end": end.date().isoformat(),
        "closed_at": found.closed_at.isoformat(),
        "close_position": found.close_position,
        "late_events": "; ".join(late) or "none",
    }
    emit(fmt, "Restatement", header, rows, meta)


ByOption = Annotated[str, typer.Option("--by", help="week or month.")]


def _cash_rows(periods: Sequence[Any]) -> list[list[Any]]:
    return [[p.start, p.end, p.opening, p.inflow, p.outflow, p.net, p.closing] for p in periods]


CASH_HEADER = ["start", "end", "opening", "inflow", "outflow", "net", "closing"]


@report_app.command("cash-flow")
def cash_flow_report(
    start: FromOption,
    end: ToOption = None,
    by: ByOption = "month",
    known_at: KnownAtOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Money in and out of the bank per week or month, with opening and closing balances."""
    from projections.cash_flow import actual

    found = run_report(
        known_at,
        lambda keel, moment: actual(keel.views, start.date(), day_of(end), by, keel.functional_currency, moment),
    )
    emit(fmt, f"Cash flow by {by}", CASH_HEADER, _cash_rows(found.periods), scope_meta(found.scope))


@report_app.command("cash-forecast")
def cash_forecast_report(
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Forecast up to this day.")],
    as_of: AsOfOption = None,
    by: ByOption = "week",
    known_at: KnownAtOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Expected cash: open receivables (shifted by each customer's payment delay), payables, claims."""
    from projections.cash_flow import forecast

    found = run_report(
        known_at,
        lambda keel, moment: forecast(keel.views, day_of(as_of), end.date(), by, keel.functional_currency, moment, 0),
    )
    emit(fmt, f"Cash forecast by {by}", CASH_HEADER, _cash_rows(found.periods), scope_meta(found.scope))


@report_app.command("forecast-vs-actual")
def forecast_vs_actual_report(
    as_of: Annotated[datetime, typer.Option("--as-of", formats=["%Y-%m-%d"], help="The forecast's date.")],
    end: ToOption = None,
    by: ByOption = "week",
    fmt: FormatOption = Format.table,
) -> None:
    """What the cash forecast said at the end of --as-of against what went through the bank since."""
    from datetime import UTC
    from datetime import time as day_time

    from projections.cash_flow import forecast_vs_actual

    made = datetime.combine(as_of.date(), day_time.max, tzinfo=UTC)
    found = run_report(
        None,
        lambda keel, _: forecast_vs_actual(keel.views, as_of.date(), day_of(end), by, keel.functional_currency, made),
    )
    rows = [[p.start, p.end, p.forecast_net, p.actual_net, p.difference] for p in found.periods]
    header = ["start", "end", "forecast_net", "actual_net", "difference"]
    emit(fmt, f"Forecast vs actual by {by}", header, rows, {**scope_meta(found.scope), "forecast_known_at": made})


@report_app.command("pipeline")
def pipeline_report(
    as_of: AsOfOption = None,
    known_at: KnownAtOption = None,
    by: Annotated[str, typer.Option("--by", help="stage or owner")] = "stage",
    fmt: FormatOption = Format.table,
) -> None:
    """Open deals by stage or owner: count, value, probability-weighted value."""
    from projections.crm_reports import pipeline as build

    report = run_report(known_at, lambda keel, moment: build(keel.views, day_of(as_of), moment, by))
    rows = [[r.group, r.currency, r.count, r.value, r.weighted] for r in report.rows]
    meta = {**scope_meta(report.scope), "won": report.won, "lost": report.lost}
    emit(fmt, f"Pipeline by {by}", [by, "currency", "count", "value", "weighted"], rows, meta)


@report_app.command("conversion")
def conversion_report(
    as_of: AsOfOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table
) -> None:
    """Stage-to-stage funnel and lead source to won."""
    from projections.crm_reports import conversion as build

    report = run_report(known_at, lambda keel, moment: build(keel.views, day_of(as_of), moment))
    rows: list[list[Any]] = [
        ["stage", f.stage, f.reached, f.to_next if f.to_next is not None else ""] for f in report.funnel
    ]
    rows += [
        ["source", s.source, s.leads, f"{s.converted} converted, {s.won} won ({s.lead_to_won}%)"]
        for s in report.sources
    ]
    emit(fmt, "Conversion", ["kind", "name", "count", "onward"], rows, scope_meta(report.scope))


@report_app.command("win-rate")
def win_rate_report(
    start: FromOption, end: ToOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table
) -> None:
    """Deals won and lost in a period, the win rate and the average sales cycle."""
    from projections.crm_reports import win_rate as build

    report = run_report(known_at, lambda keel, moment: build(keel.views, start.date(), day_of(end), moment))
    rows = [[report.won, report.lost, report.win_rate or "", report.average_cycle_days or ""]]
    emit(fmt, "Win rate", ["won", "lost", "win_rate", "average_cycle_days"], rows, scope_meta(report.scope))


@report_app.command("follow-ups")
def follow_ups_report(
    as_of: AsOfOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table
) -> None:
    """Open follow-ups per owner: overdue, due that day, due within seven days."""
    from projections.crm_reports import follow_ups as build

    report = run_report(known_at, lambda keel, moment: build(keel.views, day_of(as_of), moment))
    rows = [[o.owner, o.overdue, o.due_today, o.upcoming] for o in report.owners]
    emit(fmt, "Follow-ups", ["owner", "overdue", "due_today", "upcoming"], rows, scope_meta(report.scope))


@report_app.command("customer-360")
def customer_360_report(
    customer_id: Annotated[str, typer.Argument(help="The customer's id")],
    as_of: AsOfOption = None,
    known_at: KnownAtOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """One customer across CRM and finance: deals, timeline, invoices, payments, balance."""
    from projections.crm_reports import customer_360 as build

    wanted = parse_known_at(known_at)
    with keel_system() as keel:
        catch_up(keel)
        view = build(keel.views, customer_id, day_of(as_of), known_moment(keel, wanted))
        if view is None:
            raise fail(f"customer {customer_id} not found")
    rows: list[list[Any]] = [["contact", c["name"], c["role"], c["email"]] for c in view.contacts]
    rows += [["deal", d.title, f"{d.status} / {d.stage}", f"{d.value} {d.currency}"] for d in view.deals]
    rows += [["activity", t.subject, t.kind, t.on] for t in view.timeline]
    rows += [["invoice", i["number"], i["status"], f"{i['total']} {i['currency']}"] for i in view.invoices]
    rows += [["payment", p["memo"], p["on"], f"{p['amount']} {p['currency']}"] for p in view.payments]
    rows += [["project", p["name"], p["status"], f"{p['value']} {p['currency']}"] for p in view.projects]
    meta = {
        **scope_meta(view.scope),
        "customer": view.name,
        "owner": view.owner,
        **{f"open balance {c}": str(v) for c, v in view.open_balance.items()},
    }
    emit(fmt, f"Customer 360: {view.name}", ["kind", "what", "state", "detail"], rows, meta)


@report_app.command("margins")
def margins_report(
    start: FromOption,
    end: ToOption = None,
    known_at: KnownAtOption = None,
    by: Annotated[str, typer.Option("--by", help="project, customer, cost_center or month")] = "project",
    fmt: FormatOption = Format.table,
) -> None:
    """Revenue, labour, expenses, gross margin and margin % from the ledger's project dimension."""
    from projections.work_reports import margins as build

    result = run_report(
        known_at,
        lambda keel, moment: build(keel.views, start.date(), day_of(end), keel.functional_currency, moment, by),
    )
    rows = [[r.name, r.revenue, r.labour, r.expenses, r.margin, r.margin_percent or ""] for r in result.rows]
    emit(
        fmt,
        f"Margins by {by}",
        [by, "revenue", "labour", "expenses", "margin", "margin_percent"],
        rows,
        scope_meta(result.scope),
    )


@report_app.command("budget-burn")
def budget_burn_report(
    as_of: AsOfOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table
) -> None:
    """Budget hours and money against approved hours, planned hours and cost to date."""
    from projections.work_reports import budget_burn as build

    result = run_report(
        known_at, lambda keel, moment: build(keel.views, day_of(as_of), keel.functional_currency, moment)
    )
    rows = [
        [
            r.name,
            r.budget_hours,
            r.actual_hours,
            r.planned_hours,
            r.hours_burn_percent or "",
            r.budget_amount,
            r.actual_cost,
            r.cost_burn_percent or "",
        ]
        for r in result.rows
    ]
    header = ["project", "budget_hours", "actual_hours", "planned_hours", "hours_burn", "budget", "cost", "cost_burn"]
    emit(fmt, "Budget burn", header, rows, scope_meta(result.scope))


@report_app.command("utilisation")
def utilisation_report(
    start: FromOption,
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day worked.")],
    known_at: KnownAtOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Billable hours / capacity per person, planned against actual."""
    from projections.work_reports import utilisation as build

    result = run_report(known_at, lambda keel, moment: build(keel.views, start.date(), end.date(), moment))
    rows = [
        [r.person, r.capacity_hours, r.billable_hours, r.total_hours, r.planned_hours, r.utilisation_percent or ""]
        for r in result.rows
    ]
    header = ["person", "capacity", "billable", "total", "planned", "utilisation_percent"]
    emit(fmt, "Utilisation", header, rows, scope_meta(result.scope))


@report_app.command("wip")
def wip_report(as_of: AsOfOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table) -> None:
    """Work in progress: approved billable time not yet invoiced."""
    from projections.work_reports import work_in_progress as build

    result = run_report(known_at, lambda keel, moment: build(keel.views, day_of(as_of), moment))
    rows = [[r.name, r.hours, r.value, r.currency] for r in result.rows]
    emit(fmt, "Work in progress", ["project", "hours", "value", "currency"], rows, scope_meta(result.scope))

"""The ``keel`` command line: serve, demo, reports and projection operations.

Errors end with exit code 1 (2 for usage errors) and one readable line on stderr.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from api.settings import Settings
from api.system import Keel
from commands.store import StoreURLError, preflight
from ledger.errors import DomainError
from projections.health import ProjectionFailed

app = typer.Typer(help="Keel: an event-sourced business ledger.", no_args_is_help=True, add_completion=False)
report_app = typer.Typer(help="Reports as of a business date, as known at a moment.", no_args_is_help=True)
projections_app = typer.Typer(help="Run, inspect and rebuild the read models.", no_args_is_help=True)
app.add_typer(report_app, name="report")
export_app = typer.Typer(help="Export the books for other tools.", no_args_is_help=True)
app.add_typer(projections_app, name="projections")
app.add_typer(export_app, name="export")
billing_app = typer.Typer(help="Billing triggers of projects.", no_args_is_help=True)
app.add_typer(billing_app, name="billing")
db_app = typer.Typer(help="Database set-up for production (PostgreSQL).", no_args_is_help=True)
app.add_typer(db_app, name="db")
audit_app = typer.Typer(
    help="Tamper evidence: verify the hash chain over the log, sign its head.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")
keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

R = TypeVar("R")
out = Console()
err = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


@contextmanager
def keel_system(follow: bool = False, reset_changed: bool = True) -> Iterator[Keel]:
    try:
        keel = Keel.start(Settings(), follow=follow, reset_changed=reset_changed)
    except StoreURLError as exc:  # says where it looked and what to do
        raise fail(str(exc)) from None
    except Exception as exc:  # anything else on the way: one line, not a traceback
        raise fail(f"cannot open the store: {exc}") from None
    try:
        yield keel
    except (DomainError, KeyError, ValueError, ProjectionFailed) as exc:  # ValueError: a bad --by or kind
        raise fail(str(exc).strip("'\"")) from None
    finally:
        keel.close()


def parse_known_at(value: str | None) -> datetime | int | None:
    """An ISO 8601 moment, or a log position (an integer) that ``known_moment`` resolves."""
    if value is None:
        return None
    if value.strip().isascii() and value.strip().isdigit():  # not "٣", which int() reads as 3
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 timestamp or a log position: {value!r}") from None
    from api.deps import utc

    return utc(moment)


def known_moment(keel: Keel, known_at: datetime | int | None) -> datetime | None:
    """A log position as the moment it was appended (so a whole transaction is known at once)."""
    if not isinstance(known_at, int):
        return known_at
    if known_at > keel.app.head_position():
        raise fail(f"known-at position {known_at} is beyond the head of the log ({keel.app.head_position()})")
    from api.deps import EARLIEST

    return (keel.app.moment_of(known_at) if known_at else None) or EARLIEST


AsOfOption = Annotated[
    datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"], help="Business date (default: today).")
]
KnownAtOption = Annotated[
    str | None,
    typer.Option("--known-at", help="What the books knew at this moment (ISO 8601) or log position (default: now)."),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def emit(fmt: Format, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], meta: dict[str, Any]) -> None:
    if fmt is Format.json:
        payload = {**meta, "rows": [dict(zip(header, map(str, r), strict=True)) for r in rows]}
        sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
    elif fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[str(c) for c in r] for r in rows])
        sys.stdout.write(buffer.getvalue())
    else:
        table = Table(title=title, caption=", ".join(f"{k}: {v}" for k, v in meta.items() if k != "totals"))
        for name in header:
            numeric = {"debit", "credit", "receivable", "net", "amount", "value", "balance", "open", "open_value"}
            table.add_column(
                name, justify="right" if name in numeric or name.endswith(("_base", "_tax", "_payable")) else "left"
            )
        for r in rows:
            table.add_row(*[str(c) for c in r])
        out.print(table)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default from KEEL_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from KEEL_PORT).")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs); projections follow the log in-process by default."""
    import uvicorn

    from api.http import create_app

    settings = Settings()
    try:
        if settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        preflight(settings.event_store_url)
    except StoreURLError as exc:
        raise fail(str(exc)) from None
    out.print(f"Keel on {settings.backend} — http://{host or settings.host}:{port or settings.port}/docs")
    if settings.auth == "off":
        err.print("[yellow]warning:[/yellow] KEEL_AUTH=off: whoever reaches this port acts as anyone, with every role")
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port, log_level="info")


@app.command()
def demo(
    events: Annotated[
        int,
        typer.Option(
            "--events",
            min=0,
            max=10_000_000,
            help="Also load a deterministic history of about this many events before the demo quarter "
            "(for benchmarks; a fresh store only).",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="The history's random seed.")] = 2026,
) -> None:
    """Load a deterministic demo: a small agency's third quarter (idempotent)."""
    from api.demo import is_loaded, load_demo
    from api.demo_history import history_commands, load_history
    from api.demo_history import is_loaded as history_loaded

    with keel_system() as keel:
        if events and not history_loaded(keel.app, seed):
            if is_loaded(keel.app):
                raise fail("the history goes before the demo quarter: load it into a fresh store (KEEL_DATA_DIR)")
            with _progress_bar(keel, "history", total=sum(1 for _ in history_commands(events, seed))) as advance:
                load_history(keel.app, events, seed, progress=advance)
        count = load_demo(keel.app)
        keel.engine.catch_up()
        if count or events:
            out.print(f"Loaded the demo: log head at position {keel.app.head_position()}.")
        else:
            out.print("The demo is already loaded; nothing to do.")
        if keel.settings.auth == "keys":
            out.print("HTTP clients need an API key: keel keys create --name you --role accountant")


def _report(known_at: str | None, build: Callable[[Keel, datetime | None], R]) -> R:
    """Open Keel, bring the read models up to the log (in-process mode), answer one report."""
    wanted = parse_known_at(known_at)
    with keel_system() as keel:
        _catch_up(keel)
        return build(keel, known_moment(keel, wanted))


def _catch_up(keel: Keel) -> None:
    # In-process by default: a report from the CLI reflects everything recorded so far.
    if keel.settings.projections == "in-process":
        keel.engine.catch_up()


def _scope(scope: Any) -> dict[str, Any]:
    meta = {"as_of": scope.as_of.isoformat(), "known_at": scope.known_at.isoformat() if scope.known_at else None}
    if scope.start:
        meta["from"] = scope.start.isoformat()
    if getattr(scope, "currency", None):
        meta["currency"] = scope.currency
    meta["position"] = scope.position
    return meta


def _day(value: datetime | None) -> date:
    return value.date() if value else date.today()


FromOption = Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First business date.")]
ToOption = Annotated[
    datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last business date (default: today).")
]


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

    tb = _report(
        known_at,
        lambda keel, moment: build(keel.views, _day(as_of), moment, keel.functional_currency if functional else None),
    )
    header = ["account", "name", "currency", "debit", "credit"]
    rows = [[r.account, r.name, r.currency, r.debit, r.credit] for r in tb.rows]
    rows += [["", "Total", t.currency, t.debit, t.credit] for t in tb.totals] if fmt is Format.table else []
    meta: dict[str, Any] = {**_scope(tb.scope), "balanced": tb.balanced}
    if fmt is Format.json:
        meta["totals"] = [{"currency": t.currency, "debit": str(t.debit), "credit": str(t.credit)} for t in tb.totals]
    emit(fmt, "Trial balance", header, rows, meta)


@report_app.command("receivables")
def receivables(as_of: AsOfOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table) -> None:
    """Open receivables and unapplied credit per customer."""
    from projections.reports import receivables as build

    rec = _report(known_at, lambda keel, moment: build(keel.views, _day(as_of), moment))
    header = ["customer", "currency", "receivable", "credit", "net"]
    rows = [[r.customer_name, r.currency, r.receivable, r.credit, r.net] for r in rec.rows]
    emit(fmt, "Receivables", header, rows, _scope(rec.scope))


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

    pnl = _report(
        known_at, lambda keel, moment: build(keel.views, start.date(), _day(end), keel.functional_currency, moment, by)
    )
    header = ["section", "account", "name", "group", "amount"]
    rows = [["income", ln.account, ln.name, ln.group, ln.amount] for ln in pnl.income]
    rows += [["expenses", ln.account, ln.name, ln.group, ln.amount] for ln in pnl.expenses]
    if fmt is Format.table:
        rows += [["", "", "Total income", "", pnl.total_income], ["", "", "Total expenses", "", pnl.total_expenses]]
        rows += [["", "", "Result", "", pnl.result]]
    emit(fmt, "Profit and loss", header, rows, {**_scope(pnl.scope), "result": str(pnl.result)})


@report_app.command("balance-sheet")
def balance_sheet(as_of: AsOfOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table) -> None:
    """Assets, liabilities and equity (with the result not yet closed), in the functional currency."""
    from projections.reports import balance_sheet as build

    bs = _report(known_at, lambda keel, moment: build(keel.views, _day(as_of), keel.functional_currency, moment))
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
    emit(fmt, "Balance sheet", header, rows, {**_scope(bs.scope), "balanced": bs.balanced})


@report_app.command("ageing")
def ageing(
    kind: Annotated[str, typer.Argument(help="receivables or payables")],
    as_of: AsOfOption = None,
    known_at: KnownAtOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Open items by days overdue; the total equals the balance sheet's figure."""
    from projections.reports import ageing as build

    result = _report(
        known_at, lambda keel, moment: build(keel.views, kind, _day(as_of), keel.functional_currency, moment)
    )
    header = ["party", "document", "due_date", "days_overdue", "bucket", "currency", "open", "open_value"]
    rows = [
        [i.party_name, i.number, i.due_date, i.days_overdue, i.bucket, i.currency, i.open_amount, i.open_value]
        for i in result.items
    ]
    meta = {
        **_scope(result.scope),
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

    led = _report(
        known_at,
        lambda keel, moment: build(keel.views, account_code, start.date(), _day(end), keel.functional_currency, moment),
    )
    header = ["date", "position", "memo", "currency", "amount", "value", "balance"]
    rows = [[e.effective_date, e.position, e.memo, e.currency, e.amount, e.value, e.balance] for e in led.entries]
    meta = {
        **_scope(led.scope),
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

    tax = _report(
        known_at, lambda keel, moment: build(keel.views, start.date(), _day(end), keel.functional_currency, moment)
    )
    header = ["tax_code", "sales_base", "output_tax", "purchases_base", "input_tax", "net_payable"]
    rows = [[t.tax_code, t.sales_base, t.output_tax, t.purchases_base, t.input_tax, t.net_payable] for t in tax.lines]
    emit(fmt, "Tax summary", header, rows, {**_scope(tax.scope), "net_payable": str(tax.net_payable)})


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

    found = _report(known_at, answer)
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

    found = _report(
        known_at, lambda keel, moment: actual(keel.views, start.date(), _day(end), by, keel.functional_currency, moment)
    )
    emit(fmt, f"Cash flow by {by}", CASH_HEADER, _cash_rows(found.periods), _scope(found.scope))


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

    found = _report(
        known_at,
        lambda keel, moment: forecast(keel.views, _day(as_of), end.date(), by, keel.functional_currency, moment, 0),
    )
    emit(fmt, f"Cash forecast by {by}", CASH_HEADER, _cash_rows(found.periods), _scope(found.scope))


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
    found = _report(
        None,
        lambda keel, _: forecast_vs_actual(keel.views, as_of.date(), _day(end), by, keel.functional_currency, made),
    )
    rows = [[p.start, p.end, p.forecast_net, p.actual_net, p.difference] for p in found.periods]
    header = ["start", "end", "forecast_net", "actual_net", "difference"]
    emit(fmt, f"Forecast vs actual by {by}", header, rows, {**_scope(found.scope), "forecast_known_at": made})


@report_app.command("pipeline")
def pipeline_report(
    as_of: AsOfOption = None,
    known_at: KnownAtOption = None,
    by: Annotated[str, typer.Option("--by", help="stage or owner")] = "stage",
    fmt: FormatOption = Format.table,
) -> None:
    """Open deals by stage or owner: count, value, probability-weighted value."""
    from projections.crm_reports import pipeline as build

    report = _report(known_at, lambda keel, moment: build(keel.views, _day(as_of), moment, by))
    rows = [[r.group, r.currency, r.count, r.value, r.weighted] for r in report.rows]
    meta = {**_scope(report.scope), "won": report.won, "lost": report.lost}
    emit(fmt, f"Pipeline by {by}", [by, "currency", "count", "value", "weighted"], rows, meta)


@report_app.command("conversion")
def conversion_report(
    as_of: AsOfOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table
) -> None:
    """Stage-to-stage funnel and lead source to won."""
    from projections.crm_reports import conversion as build

    report = _report(known_at, lambda keel, moment: build(keel.views, _day(as_of), moment))
    rows: list[list[Any]] = [
        ["stage", f.stage, f.reached, f.to_next if f.to_next is not None else ""] for f in report.funnel
    ]
    rows += [
        ["source", s.source, s.leads, f"{s.converted} converted, {s.won} won ({s.lead_to_won}%)"]
        for s in report.sources
    ]
    emit(fmt, "Conversion", ["kind", "name", "count", "onward"], rows, _scope(report.scope))


@report_app.command("win-rate")
def win_rate_report(
    start: FromOption, end: ToOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table
) -> None:
    """Deals won and lost in a period, the win rate and the average sales cycle."""
    from projections.crm_reports import win_rate as build

    report = _report(known_at, lambda keel, moment: build(keel.views, start.date(), _day(end), moment))
    rows = [[report.won, report.lost, report.win_rate or "", report.average_cycle_days or ""]]
    emit(fmt, "Win rate", ["won", "lost", "win_rate", "average_cycle_days"], rows, _scope(report.scope))


@report_app.command("follow-ups")
def follow_ups_report(
    as_of: AsOfOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table
) -> None:
    """Open follow-ups per owner: overdue, due that day, due within seven days."""
    from projections.crm_reports import follow_ups as build

    report = _report(known_at, lambda keel, moment: build(keel.views, _day(as_of), moment))
    rows = [[o.owner, o.overdue, o.due_today, o.upcoming] for o in report.owners]
    emit(fmt, "Follow-ups", ["owner", "overdue", "due_today", "upcoming"], rows, _scope(report.scope))


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
        _catch_up(keel)
        view = build(keel.views, customer_id, _day(as_of), known_moment(keel, wanted))
        if view is None:
            raise fail(f"customer {customer_id} not found")
    rows: list[list[Any]] = [["contact", c["name"], c["role"], c["email"]] for c in view.contacts]
    rows += [["deal", d.title, f"{d.status} / {d.stage}", f"{d.value} {d.currency}"] for d in view.deals]
    rows += [["activity", t.subject, t.kind, t.on] for t in view.timeline]
    rows += [["invoice", i["number"], i["status"], f"{i['total']} {i['currency']}"] for i in view.invoices]
    rows += [["payment", p["memo"], p["on"], f"{p['amount']} {p['currency']}"] for p in view.payments]
    rows += [["project", p["name"], p["status"], f"{p['value']} {p['currency']}"] for p in view.projects]
    meta = {
        **_scope(view.scope),
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

    result = _report(
        known_at, lambda keel, moment: build(keel.views, start.date(), _day(end), keel.functional_currency, moment, by)
    )
    rows = [[r.name, r.revenue, r.labour, r.expenses, r.margin, r.margin_percent or ""] for r in result.rows]
    emit(
        fmt,
        f"Margins by {by}",
        [by, "revenue", "labour", "expenses", "margin", "margin_percent"],
        rows,
        _scope(result.scope),
    )


@report_app.command("budget-burn")
def budget_burn_report(
    as_of: AsOfOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table
) -> None:
    """Budget hours and money against approved hours, planned hours and cost to date."""
    from projections.work_reports import budget_burn as build

    result = _report(known_at, lambda keel, moment: build(keel.views, _day(as_of), keel.functional_currency, moment))
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
    emit(fmt, "Budget burn", header, rows, _scope(result.scope))


@report_app.command("utilisation")
def utilisation_report(
    start: FromOption,
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day worked.")],
    known_at: KnownAtOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Billable hours / capacity per person, planned against actual."""
    from projections.work_reports import utilisation as build

    result = _report(known_at, lambda keel, moment: build(keel.views, start.date(), end.date(), moment))
    rows = [
        [r.person, r.capacity_hours, r.billable_hours, r.total_hours, r.planned_hours, r.utilisation_percent or ""]
        for r in result.rows
    ]
    header = ["person", "capacity", "billable", "total", "planned", "utilisation_percent"]
    emit(fmt, "Utilisation", header, rows, _scope(result.scope))


@report_app.command("wip")
def wip_report(as_of: AsOfOption = None, known_at: KnownAtOption = None, fmt: FormatOption = Format.table) -> None:
    """Work in progress: approved billable time not yet invoiced."""
    from projections.work_reports import work_in_progress as build

    result = _report(known_at, lambda keel, moment: build(keel.views, _day(as_of), moment))
    rows = [[r.name, r.hours, r.value, r.currency] for r in result.rows]
    emit(fmt, "Work in progress", ["project", "hours", "value", "currency"], rows, _scope(result.scope))


@billing_app.command("run")
def billing_run(
    as_of: Annotated[datetime, typer.Option("--as-of", formats=["%Y-%m-%d"], help="Bill what is owed by this date.")],
) -> None:
    """Draft every invoice the active projects owe by a date (retainers, last month's time). Safe to rerun."""
    from commands.messages import RunBilling
    from ledger.events import Meta

    with keel_system() as keel:
        keel.engine.catch_up()
        with keel.views.read() as cur:
            cur.execute("SELECT id, name FROM work_projects WHERE status = 'active' ORDER BY name")
            projects = cur.fetchall()
        drafted = 0
        for project_id, name in projects:
            result = keel.app.handle(
                RunBilling(meta=Meta("keel-billing"), project_id=UUID(str(project_id)), as_of=as_of.date())
            )
            if result.position:
                drafted += 1
                out.print(f"{name}: invoices drafted (log position {result.position})")
        out.print(f"billing run as of {as_of.date()}: {len(projects)} active projects, {drafted} with new drafts")


@db_app.command("grant-app-role")
def grant_app_role_command(
    role: Annotated[str, typer.Option("--role", help="The login role the application will use.")] = "keel_app",
    password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True, help="Its password.")] = "",
) -> None:
    """As the owner (KEEL_DATABASE_URL), create the application's role: it may append to the log, never
    delete or truncate it. Then run Keel with that role in KEEL_DATABASE_URL."""
    from commands.store import grant_app_role

    settings = Settings()
    if not settings.database_url:
        raise fail("set KEEL_DATABASE_URL to the PostgreSQL database, as its owner")
    with keel_system():
        pass  # make sure the tables exist, created by the owner
    try:
        grant_app_role(settings.database_url, role, password)
    except Exception as exc:
        raise fail(str(exc).strip().splitlines()[0]) from None
    out.print(f"role {role} can now read and append the log; DELETE and TRUNCATE are denied, UPDATE refused")


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor",
            help="DIGEST@POSITION from `keel audit anchor`, or a file holding it: also fail if the log was"
            " truncated, rewritten or reordered since.",
        ),
    ] = None,
) -> None:
    """Recompute the hash chain over every stored event; name the first position that does not fit."""
    from commands.audit import BadAnchor, parse_anchor, verify, verify_against

    try:
        anchored = parse_anchor(anchor) if anchor is not None else None
    except BadAnchor as exc:
        raise fail(str(exc)) from None
    with keel_system() as keel:
        result = verify(keel.app) if anchored is None else verify_against(keel.app, anchored)
    if not result.ok:
        raise fail(f"{result.problem} (checked {result.checked} events)")
    against = f", anchored at {anchored.position}" if anchored else ""
    out.print(
        f"chain verified: {result.checked} events, head at position {result.head_position}, hash {result.head_hash}"
        + against
    )


@audit_app.command("anchor")
def audit_anchor(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write it to this file (keep it outside the database).")
    ] = None,
) -> None:
    """Print the verified head of the chain as DIGEST@POSITION, for an auditor to keep outside the database."""
    from commands.audit import BadAnchor, take_anchor

    with keel_system() as keel:
        try:
            anchor = str(take_anchor(keel.app))
        except BadAnchor as exc:
            raise fail(str(exc)) from None
    if output is not None:
        try:
            output.write_text(anchor + "\n", encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write the anchor to {output}: {exc.strerror or exc} (it was {anchor})") from None
    sys.stdout.write(anchor + "\n")


@audit_app.command("digest")
def audit_digest() -> None:
    """Print the verified chain head signed with KEEL_AUDIT_KEY (HMAC-SHA256), for an auditor to keep."""
    from commands.audit import signed_digest

    with keel_system() as keel:
        if not keel.settings.audit_key:
            raise fail("set KEEL_AUDIT_KEY to sign the digest")
        sys.stdout.write(signed_digest(keel.app, keel.settings.audit_key) + "\n")


def _cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="Who holds the key: the actor its events record.")],
    roles: Annotated[
        list[str], typer.Option("--role", help="auditor, analyst, sales, accountant or admin; repeat for several.")
    ],
) -> None:
    """Issue an API key. Prints the key alone on stdout, once: Keel keeps only its digest."""
    from commands import messages as m
    from commands.access import mint_key
    from ledger.events import Meta

    minted = mint_key()
    with keel_system() as keel:
        keel.app.handle(
            m.IssueApiKey(
                meta=Meta(_cli_actor()),
                key_id=minted.key_id,
                name=name,
                roles=tuple(roles),
                secret_sha256=minted.secret_sha256,
            )
        )
    err.print(f"key {minted.key_id} for {name} ({', '.join(sorted(set(roles)))}); store it now, it is not shown again")
    sys.stdout.write(minted.token + "\n")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The 12 hex digits after keel_.")],
    reason: Annotated[str, typer.Option("--reason", help="Why, for the audit trail.")] = "",
) -> None:
    """Revoke a key: it and every bearer token exchanged for it stop working at once."""
    from commands import messages as m
    from ledger.events import Meta

    with keel_system() as keel:
        keel.app.handle(m.RevokeApiKey(meta=Meta(_cli_actor()), key_id=key_id, reason=reason))
    out.print(f"key {key_id} revoked")


@keys_app.command("list")
def keys_list(fmt: FormatOption = Format.table) -> None:
    """Every key issued, with its roles and whether it is revoked (never a secret)."""
    from projections.access import list_keys

    rows: list[list[Any]] = []
    with keel_system() as keel:
        _catch_up(keel)
        cursor: str | None = None
        while True:
            page = list_keys(keel.views, None, cursor, 1000)
            rows += [
                [k.key_id, k.name, ",".join(k.roles), k.issued_by, k.issued_at, k.revoked_at or ""] for k in page.items
            ]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    emit(fmt, "API keys", ["key_id", "name", "roles", "issued_by", "issued_at", "revoked_at"], rows, {})


@export_app.command("ledger")
def export_ledger(known_at: KnownAtOption = None) -> None:
    """Write the general ledger as a ledger-cli / hledger journal to standard output."""
    from projections.export import journal_lines

    wanted = parse_known_at(known_at)
    with keel_system() as keel:
        _catch_up(keel)
        for line in journal_lines(keel.views, keel.functional_currency, known_moment(keel, wanted)):
            sys.stdout.write(line + "\n")


@projections_app.command("status")
def projections_status(fmt: FormatOption = Format.table) -> None:
    """Position and lag of every read model; exits 1 if any is stopped at an event it cannot fold."""
    with keel_system() as keel:
        statuses = keel.engine.status()
    rows = [
        [
            s.name,
            s.position,
            s.head,
            s.lag,
            f"{s.events_per_second:,.0f}" if s.events_per_second else "",
            s.updated_at.isoformat() if s.updated_at else "",
            "ok" if s.failure is None else f"stopped at {s.failure.position}",
        ]
        for s in statuses
    ]
    header = ["projection", "position", "head", "lag", "events_per_second", "updated_at", "health"]
    emit(fmt, "Projections", header, rows, {})
    failing = [s for s in statuses if s.failure is not None]
    for s in failing:
        assert s.failure is not None
        err.print(
            f"{s.name}: stopped at position {s.failure.position} ({s.failure.event}): {s.failure.error}",
            highlight=False,
            soft_wrap=True,
        )
    if failing:
        raise typer.Exit(1)


def _progress(started: float) -> Callable[[str, int], None]:
    done: dict[str, int] = {}

    def report(name: str, n: int) -> None:
        done[name] = done.get(name, 0) + n
        rate = done[name] / max(time.monotonic() - started, 1e-6)
        err.print(f"{name}: {done[name]} events ({rate:,.0f}/s)", end="\r", highlight=False)

    return report


@projections_app.command("run")
def projections_run(
    once: Annotated[bool, typer.Option("--once", help="Catch up, then exit instead of following.")] = False,
) -> None:
    """Run the projections as a worker: catch up, then follow the log (Ctrl-C stops)."""
    with keel_system() as keel:
        processed = keel.engine.catch_up(progress=_progress(time.monotonic()))
        err.print(f"\ncaught up: {processed} events processed", highlight=False)
        if once:
            return
        try:
            keel.engine.run_forever(keel.settings.poll_interval)
        except KeyboardInterrupt:
            err.print("stopped")


@projections_app.command("rebuild")
def projections_rebuild(
    name: Annotated[str, typer.Argument(help="The projection to rebuild.")],
    beside: Annotated[
        bool, typer.Option("--beside", help="Build a new generation beside the serving one (resumes if killed).")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Show what the new generation changes (implies --beside).")
    ] = False,
    switch: Annotated[
        bool, typer.Option("--switch", help="Then make it the serving one, atomically (implies --beside).")
    ] = False,
    abandon: Annotated[bool, typer.Option("--abandon", help="Drop an unfinished new generation.")] = False,
) -> None:
    """Rebuild a read model. Plain: drop it and fold the whole log again. With --beside, --diff or
    --switch: fold into new tables while the serving ones keep answering, compare, then switch."""
    from projections.shadow import ShadowRebuild

    blue_green = beside or diff or switch or abandon
    with keel_system(reset_changed=not blue_green) as keel:  # beside: an older version keeps serving
        if not blue_green:
            with _progress_bar(keel, name) as advance:
                processed = keel.engine.rebuild(name, progress=lambda _, n: advance(n))
            err.print(f"rebuilt {name}: {processed} events", highlight=False)
            return
        shadow = ShadowRebuild(keel.engine, name)
        if abandon:
            shadow.abandon()
            err.print(f"dropped the unfinished generation {shadow.generation} of {name}", highlight=False)
            return
        resumed = shadow.start()
        err.print(
            f"{'resuming' if resumed else 'building'} generation {shadow.generation} of {name}"
            f" (version {keel.engine.projections[name].schema_version}) beside the serving one",
            highlight=False,
        )
        with _progress_bar(keel, name, shadow.position()) as advance:
            shadow.catch_up(progress=lambda n, _: advance(n))
        if diff:
            _print_diff(shadow.diff())
        if switch:
            position = shadow.switch()
            err.print(f"switched: {name} now serves generation {shadow.generation}, at position {position}")


@contextmanager
def _progress_bar(keel: Keel, name: str, done: int = 0, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr: events folded, events per second, time left."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    class Rate(TextColumn):
        def __init__(self) -> None:
            super().__init__("")

        def render(self, task: Any) -> Any:
            from rich.text import Text

            elapsed = task.elapsed or 0
            rate = (task.completed - task.fields["first"]) / elapsed if elapsed > 0 else 0
            return Text(f"{rate:,.0f}/s")

    columns = (TextColumn(name), BarColumn(), MofNCompleteColumn(), Rate(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task(name, total=total or keel.app.head_position(), completed=done, first=done)
        yield lambda n: progress.advance(task, n)


def _print_diff(found: Any) -> None:
    table = Table(
        title=f"{found.projection}: serving v{found.serving_version} vs rebuilt v{found.rebuilt_version}",
        caption="identical" if found.same else "differences: rows only in one generation, money totals in minor units",
    )
    for column in ("table", "rows serving", "rows rebuilt", "only serving", "only rebuilt", "money totals changed"):
        table.add_column(column)
    for t in found.tables:
        changed = [
            f"{c}: {t.totals_serving.get(c, 0)} -> {v}"
            for c, v in t.totals_rebuilt.items()
            if t.totals_serving.get(c) != v
        ]
        table.add_row(
            t.table,
            str(t.rows_serving),
            str(t.rows_rebuilt),
            str(t.only_serving),
            str(t.only_rebuilt),
            "; ".join(changed),
        )
    out.print(table)
    for t in found.tables:
        for row in t.samples_serving:
            out.print(f"[red]- {t.table}[/red] {row}", highlight=False)
        for row in t.samples_rebuilt:
            out.print(f"[green]+ {t.table}[/green] {row}", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

"""``keel report …``: thin adapters over the query layer. Each command turns its options into
``Params`` and shows the answer; ``--format json`` prints the bytes ``GET /v1/reports/…`` sends."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from api.answers import answer, utc
from api.cli.base import catch_up, keel_system, knowledge, report_app
from api.cli.output import Format, err, show

if TYPE_CHECKING:
    from projections.queries import Params

AsOf = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], metavar="DATE", help="Business date (default: today)."),
]
# A snapshot for analysis (keel export, keel sql): no --as-of is every business date, not today.
SnapshotAsOf = Annotated[
    datetime | None,
    typer.Option(
        "--as-of", formats=["%Y-%m-%d"], metavar="DATE", help="Business date (default: every date, future ones too)."
    ),
]
KnownAt = Annotated[
    str | None,
    typer.Option(
        "--known-at",
        metavar="MOMENT|POSITION",
        help="What the books knew at this moment (ISO 8601, UTC without an offset) or log position (default: now).",
    ),
]
From = Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], metavar="DATE", help="First business date.")]
To = Annotated[
    datetime | None,
    typer.Option("--to", formats=["%Y-%m-%d"], metavar="DATE", help="Last business date (default: today)."),
]
Fmt = Annotated[Format, typer.Option("--format", "-f", help="table, or the JSON or CSV document HTTP answers.")]
Limit = Annotated[
    int | None, typer.Option("--limit", min=0, max=1000, metavar="N", help="Items per page (default 100).")
]
Cursor = Annotated[
    str | None, typer.Option("--cursor", metavar="CURSOR", help="The next page, as the previous one's footer gives it.")
]
Period = Annotated[str | None, typer.Option("--by", metavar="week|month", help="Period length.")]
ScenarioOption = Annotated[
    str | None,
    typer.Option("--scenario", metavar="NAME", help="Answer from this what-if scenario (`keel scenarios`)."),
]


def report(name: str, params: Params, known_at: str | None, fmt: Format, scenario: str | None = None) -> None:
    """Open the store, bring the read models up to the log, answer and show one report (from a
    scenario's branch with ``scenario``)."""
    if scenario is not None:
        params = replace(params, filters=(*params.filters, ("scenario", scenario)))
    with keel_system(reading=scenario is None) as keel:
        catch_up(keel)
        found = answer(keel, name, params, knowledge(keel, known_at))
        empty = keel.app.head_position() == 0
    show(found, fmt)
    if empty:
        where = keel.settings.describe_store()
        err.print(f"The store {where} is empty: `keel demo` loads a demo quarter (or enter data: `keel --help`).")


def dates(as_of: datetime | None = None, start: datetime | None = None, end: datetime | None = None) -> Params:
    from projections.queries import Params

    return Params(
        as_of=as_of.date() if as_of else None,
        start=start.date() if start else None,
        end=end.date() if end else None,
    )


@report_app.command("trial-balance")
def trial_balance(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    fmt: Fmt = Format.table,
    functional: Annotated[
        bool, typer.Option("--functional", help="Value every line in the functional currency.")
    ] = False,
) -> None:
    """Trial balance per account and currency (or valued in the functional currency)."""
    from projections.queries import Params

    params = dates(as_of)
    if functional:
        params = Params(as_of=params.as_of, filters=(("valuation", "functional"),))
    report("trial-balance", params, known_at, fmt)


@report_app.command("receivables")
def receivables(as_of: AsOf = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """Open receivables and unapplied credit per customer."""
    report("receivables", dates(as_of), known_at, fmt)


@report_app.command("profit-and-loss")
def profit_and_loss(
    start: From,
    end: To = None,
    known_at: KnownAt = None,
    by: Annotated[str | None, typer.Option("--by", metavar="cost_center|month", help="Break down by.")] = None,
    scenario: ScenarioOption = None,
    fmt: Fmt = Format.table,
) -> None:
    """Income and expenses of a period, in the functional currency."""
    from projections.queries import Params

    p = dates(start=start, end=end)
    report("profit-and-loss", Params(start=p.start, end=p.end, by=by), known_at, fmt, scenario)


@report_app.command("balance-sheet")
def balance_sheet(as_of: AsOf = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """Assets, liabilities and equity (with the result not yet closed), in the functional currency."""
    report("balance-sheet", dates(as_of), known_at, fmt)


@report_app.command("ageing")
def ageing(
    kind: Annotated[str, typer.Argument(metavar="receivables|payables", help="Which open items.")],
    as_of: AsOf = None,
    known_at: KnownAt = None,
    limit: Limit = None,
    cursor: Cursor = None,
    fmt: Fmt = Format.table,
) -> None:
    """Open items by days overdue, a page at a time; the total (of every item) equals the balance
    sheet's figure."""
    from projections.queries import Params

    params = Params(as_of=dates(as_of).as_of, filters=(("kind", kind),), limit=limit, cursor=cursor)
    report("ageing", params, known_at, fmt)


@report_app.command("ledger")
def account_ledger(
    account: Annotated[str, typer.Argument(metavar="ACCOUNT", help="Account code, e.g. 1100")],
    start: From,
    end: To = None,
    known_at: KnownAt = None,
    fmt: Fmt = Format.table,
) -> None:
    """General-ledger detail of one account with running balance."""
    from projections.queries import Params

    p = dates(start=start, end=end)
    report("ledger", Params(start=p.start, end=p.end, filters=(("account", account),)), known_at, fmt)


@report_app.command("tax-summary")
def tax_summary(start: From, end: To = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """Output and input tax per tax code for a period."""
    report("tax-summary", dates(start=start, end=end), known_at, fmt)


@report_app.command("restatement")
def restatement(
    end: Annotated[
        datetime | None,
        typer.Option("--to", "--end", formats=["%Y-%m-%d"], metavar="DATE", help="The closed period's last day."),
    ] = None,
    known_at: KnownAt = None,
    fmt: Fmt = Format.table,
) -> None:
    """A closed period as known at its close against as known now: what changed, and which late
    events (recorded after the close) explain it."""
    report("restatement", dates(end=end), known_at, fmt)


@report_app.command("cash-flow")
def cash_flow(
    start: From, end: To = None, by: Period = None, known_at: KnownAt = None, fmt: Fmt = Format.table
) -> None:
    """Money in and out of the bank per week or month (default), with opening and closing balances."""
    from projections.queries import Params

    p = dates(start=start, end=end)
    report("cash-flow", Params(start=p.start, end=p.end, by=by), known_at, fmt)


@report_app.command("cash-forecast")
def cash_forecast(
    end: Annotated[
        datetime, typer.Option("--to", formats=["%Y-%m-%d"], metavar="DATE", help="Forecast up to this day.")
    ],
    as_of: AsOf = None,
    by: Period = None,
    known_at: KnownAt = None,
    limit: Limit = None,
    cursor: Cursor = None,
    scenario: ScenarioOption = None,
    compare: Annotated[
        str | None,
        typer.Option("--compare", metavar="base|NAME", help="With --scenario: beside the books (base) or a scenario."),
    ] = None,
    fmt: Fmt = Format.table,
) -> None:
    """Expected cash per week (default) or month: open receivables (shifted by each customer's
    payment delay), payables, claims, committed labour, retainers, the weighted pipeline and planned
    costs (`keel costs`); with --scenario, a what-if's (`keel scenarios`)."""
    from projections.queries import Params

    p = dates(as_of, end=end)
    params = Params(as_of=p.as_of, end=p.end, by=by, limit=limit, cursor=cursor)
    if compare is None:
        report("cash-forecast", params, known_at, fmt, scenario)
        return
    if scenario is None or known_at is not None:
        raise typer.BadParameter(
            "--compare needs --scenario (and answers as known at its base)", param_hint="--compare"
        )
    from api.cli.compare import show_compared

    show_compared(replace(params, filters=(("scenario", scenario),)), compare, fmt)


@report_app.command("forecast-vs-actual")
def forecast_vs_actual(
    as_of: Annotated[
        datetime, typer.Option("--as-of", formats=["%Y-%m-%d"], metavar="DATE", help="The forecast's date.")
    ],
    end: To = None,
    by: Period = None,
    made: Annotated[
        str | None,
        typer.Option(
            "--forecast-known-at", metavar="MOMENT", help="When the forecast was made (default: end of --as-of)."
        ),
    ] = None,
    known_at: KnownAt = None,
    fmt: Fmt = Format.table,
) -> None:
    """What the cash forecast said at the end of --as-of against what went through the bank since,
    as known at --known-at."""
    from projections.queries import Params

    p = dates(as_of, end=end)
    filters = (("forecast_known_at", _moment(made)),) if made else ()
    report("forecast-vs-actual", Params(as_of=p.as_of, end=p.end, by=by, filters=filters), known_at, fmt)


def _moment(text: str) -> str:
    try:
        return utc(datetime.fromisoformat(text)).isoformat()
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 moment: {text!r}", param_hint="--forecast-known-at") from None


@report_app.command("pipeline")
def pipeline(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    by: Annotated[str, typer.Option("--by", metavar="stage|owner", help="Group open deals by.")] = "stage",
    scenario: ScenarioOption = None,
    fmt: Fmt = Format.table,
) -> None:
    """Open deals by stage or owner: count, value, probability-weighted value."""
    from projections.queries import Params

    report("pipeline", Params(as_of=dates(as_of).as_of, by=by), known_at, fmt, scenario)


@report_app.command("conversion")
def conversion(as_of: AsOf = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """Stage-to-stage funnel and lead source to won."""
    report("conversion", dates(as_of), known_at, fmt)


@report_app.command("win-rate")
def win_rate(start: From, end: To = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """Deals won and lost in a period, the win rate and the average sales cycle."""
    report("win-rate", dates(start=start, end=end), known_at, fmt)


@report_app.command("follow-ups")
def follow_ups(as_of: AsOf = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """Open follow-ups per owner: overdue, due that day, due within seven days."""
    report("follow-ups", dates(as_of), known_at, fmt)


@report_app.command("customer-360")
def customer_360(
    customer: Annotated[str, typer.Argument(metavar="CUSTOMER", help="The customer's name (or part of it) or id.")],
    as_of: AsOf = None,
    known_at: KnownAt = None,
    fmt: Fmt = Format.table,
) -> None:
    """One customer across CRM and finance: deals, timeline, invoices, payments, balance."""
    from api.cli.entry_base import find_customer
    from projections.queries import Params

    with keel_system(reading=True) as keel:
        catch_up(keel)
        found_id = find_customer(keel, customer, "CUSTOMER").id
    report("customer-360", Params(as_of=dates(as_of).as_of, filters=(("customer", found_id),)), known_at, fmt)


@report_app.command("margins")
def margins(
    start: From,
    end: To = None,
    known_at: KnownAt = None,
    by: Annotated[
        str, typer.Option("--by", metavar="project|customer|cost_center|month", help="Group by.")
    ] = "project",
    scenario: ScenarioOption = None,
    fmt: Fmt = Format.table,
) -> None:
    """Revenue, labour, expenses, gross margin and margin % from the ledger's project dimension."""
    from projections.queries import Params

    p = dates(start=start, end=end)
    report("margins", Params(start=p.start, end=p.end, by=by), known_at, fmt, scenario)


@report_app.command("budget-burn")
def budget_burn(as_of: AsOf = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """Budget hours and money against approved hours, planned hours and cost to date."""
    report("budget-burn", dates(as_of), known_at, fmt)


@report_app.command("utilisation")
def utilisation(
    start: From,
    end: To = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    scenario: ScenarioOption = None,
    fmt: Fmt = Format.table,
) -> None:
    """Billable hours / capacity per person, planned against actual (time approved by --as-of)."""
    report("utilisation", dates(as_of, start, end), known_at, fmt, scenario)


@report_app.command("work-in-progress")
@report_app.command("wip", hidden=True)
def work_in_progress(as_of: AsOf = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """Work in progress: approved billable time not yet invoiced."""
    report("work-in-progress", dates(as_of), known_at, fmt)

"""``keel recurring add|list|show|change|pause|resume|end``: recurring invoices from the command line.

Each command builds the body its HTTP route takes (``api.schemas.recurring``), so the CLI accepts
exactly what the API accepts: a refused value is one line naming the option (exit 1), nothing
written. ``list`` is the query HTTP answers (``--format json`` prints the same bytes); ``show``
prints the JSON ``GET /v1/recurring-invoices/{id}`` sends.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from api.cli.base import app, catch_up, cli_actor, keel_system
from api.cli.entry_base import Found, _like, _rows, body_of, find_customer, pick, said, short
from api.cli.entry_sales import OnOption, _line
from api.cli.lists import Customer
from api.cli.output import Format
from api.cli.reports import AsOf, Cursor, Fmt, KnownAt, Limit, dates, report

if TYPE_CHECKING:
    from api.system import Keel

recurring_app = typer.Typer(
    help="Recurring invoices (subscriptions): billed once per period by the worker.", no_args_is_help=True
)
app.add_typer(recurring_app, name="recurring")

Lines = Annotated[
    list[str],
    typer.Option("--line", help="Description:quantity:unit_price[:tax_rate], e.g. 'Hosting:1:310.00:24'; repeat."),
]
Which = Annotated[str, typer.Argument(help="The recurring invoice's name (or part of it) or id.")]
Day = Annotated[str, typer.Option("--from", help="YYYY-MM-DD")]
LINE_OPTIONS = {"lines": "--line", "customer_id": "--customer", "effective_from": "--from", "day": "--from"}


def _find(keel: Keel, text: str) -> Found:
    part, prefix = _like(text)
    rows = _rows(
        keel,
        "SELECT DISTINCT id, name FROM recurring_states WHERE LOWER(name) LIKE %s OR id LIKE %s ORDER BY name, id",
        (part, prefix),
    )
    found = [Found(str(i), f"{name} ({short(i)})", (name,)) for i, name in rows]
    return pick("RECURRING", "recurring invoice", text, found, "`keel recurring list` shows them")


@recurring_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="What it is, e.g. 'Hosting and maintenance'.")],
    customer: Annotated[str, typer.Option("--customer", help="The customer's name (or part of it).")],
    lines: Lines,
    start: Annotated[str, typer.Option("--start", help="The first day served, YYYY-MM-DD.")],
    frequency: Annotated[str, typer.Option("--frequency", metavar="monthly|quarterly|yearly")] = "monthly",
    anchor: Annotated[
        str | None,
        typer.Option("--anchor", help="The first full period's first day (a partial one before it is prorated)."),
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="The last day served.")] = None,
    tax_percent: Annotated[str | None, typer.Option("--tax-percent", help="Tax rate of lines that give none.")] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="ISO 4217 (default: the customer's).")] = None,
    issue: Annotated[bool, typer.Option("--issue", help="Issue each period's invoice (default: a draft).")] = False,
    on: OnOption = None,
) -> None:
    """Set up a recurring invoice: the worker invoices each period once it has begun."""
    from api.schemas import recurring as rs
    from ledger.events import Meta

    with keel_system() as keel:
        catch_up(keel)
        found = find_customer(keel, customer)
        body = body_of(
            rs.RecurringInvoiceBody,
            {**LINE_OPTIONS, "name": "NAME", "start": "--start", "anchor": "--anchor", "end": "--end"},
            customer_id=found.id,
            name=name,
            lines=[_line(text, n) for n, text in enumerate(lines, 1)],
            frequency=frequency,
            start=start,
            anchor=anchor,
            end=end,
            tax_percent=tax_percent,
            currency=currency.upper() if currency else None,
            auto_issue=issue,
            on=on,
        )
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
    said(f"recurring invoice {body.name} ({short(result.id)}) for {found.keys[0]}: {frequency} from {start}"
         f" (log position {result.position})")  # fmt: skip


@recurring_app.command("list")
def list_(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    customer: Customer = None,
    status: Annotated[str | None, typer.Option("--status", metavar="active|paused|ended")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
    fmt: Fmt = Format.table,
) -> None:
    """Recurring invoices as they stood on --as-of as known at --known-at, by name."""
    from projections.queries import Params, named

    customer_id = None
    if customer:
        with keel_system(reading=True) as keel:
            catch_up(keel)
            customer_id = find_customer(keel, customer).id
    params = Params(
        as_of=dates(as_of).as_of, filters=named(customer=customer_id, status=status), limit=limit, cursor=cursor
    )
    report("recurring-invoices", params, known_at, fmt)


@recurring_app.command("show")
def show(which: Which) -> None:
    """A recurring invoice as it stands now, as JSON (what GET /v1/recurring-invoices/{id} sends)."""
    from api.schemas import recurring as rs
    from projections.automation.recurring import get_recurring

    with keel_system(reading=True) as keel:
        catch_up(keel)
        view = get_recurring(keel.views, _find(keel, which).id)
    assert view is not None
    sys.stdout.write(rs.RecurringInvoice.model_validate(view, from_attributes=True).model_dump_json() + "\n")


@recurring_app.command("change")
def change(
    which: Which,
    effective_from: Day,
    lines: Lines,
    tax_percent: Annotated[str | None, typer.Option("--tax-percent")] = None,
    on: OnOption = None,
) -> None:
    """New lines (a new price) for the periods that begin on or after --from."""
    from api.schemas import recurring as rs
    from ledger.events import Meta

    body = body_of(
        rs.RecurringLinesBody,
        LINE_OPTIONS,
        effective_from=effective_from,
        lines=[_line(text, n) for n, text in enumerate(lines, 1)],
        tax_percent=tax_percent,
        on=on,
    )
    with keel_system() as keel:
        catch_up(keel)
        found = _find(keel, which)
        result = keel.app.handle(body.to_command(Meta(cli_actor()), UUID(found.id)))
    said(f"recurring invoice {found.keys[0]}: new lines from {body.effective_from} (log position {result.position})")


def _state(which: str, day: str, on: str | None, action: str) -> None:
    from api.schemas import recurring as rs
    from commands import messages as m
    from ledger.events import Meta

    body = body_of(rs.RecurringStateBody, LINE_OPTIONS, day=day, on=on)
    with keel_system() as keel:
        catch_up(keel)
        found = _find(keel, which)
        ident, meta = UUID(found.id), Meta(cli_actor())
        command: m.Command = {
            "paused": m.PauseRecurringInvoice(meta=meta, on=body.on, recurring_id=ident, paused_from=body.day),
            "resumed": m.ResumeRecurringInvoice(meta=meta, on=body.on, recurring_id=ident, resumed_from=body.day),
            "ended": m.EndRecurringInvoice(meta=meta, on=body.on, recurring_id=ident, end=body.day),
        }[action]
        result = keel.app.handle(command)
    said(f"recurring invoice {found.keys[0]}: {action} from {body.day} (log position {result.position})")


@recurring_app.command("pause")
def pause(which: Which, day: Day, on: OnOption = None) -> None:
    """No period that begins from --from on is invoiced, until resumed."""
    _state(which, day, on, "paused")


@recurring_app.command("resume")
def resume(which: Which, day: Day, on: OnOption = None) -> None:
    """Periods that begin from --from on are invoiced again."""
    _state(which, day, on, "resumed")


@recurring_app.command("end")
def end(
    which: Which,
    day: Annotated[str, typer.Option("--last-day", help="The last day served, YYYY-MM-DD.")],
    on: OnOption = None,
) -> None:
    """No period that begins after the last day served is invoiced; the one it falls in is prorated."""
    _state(which, day, on, "ended")

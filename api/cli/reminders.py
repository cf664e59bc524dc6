"""``keel dunning levels set|list``, ``keel customers dunning``, ``keel reminders address|approval-days``
and ``keel report reminders`` (ADR 0043).

Each command builds the request body its HTTP route takes, so the CLI accepts exactly what the API
accepts; a refused value is one line naming the option (exit 1) and nothing is written.
``keel report reminders --format json`` prints the bytes ``GET /v1/reports/reminders`` sends.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any
from uuid import UUID

import typer

from api.cli.base import app, catch_up, cli_actor, customers_app, emit, keel_system, report_app
from api.cli.entry_base import body_of, find_customer, refuse, said
from api.cli.output import Format
from api.cli.reports import AsOf, Cursor, Fmt, KnownAt, Limit, dates, report

dunning_app = typer.Typer(help="Dunning: the levels of payment reminders.", no_args_is_help=True)
app.add_typer(dunning_app, name="dunning")
levels_app = typer.Typer(help="The dunning levels: set them, list them.", no_args_is_help=True)
dunning_app.add_typer(levels_app, name="levels")
reminders_app = typer.Typer(help="Staff reminders: where they go, when approvers are reminded.", no_args_is_help=True)
app.add_typer(reminders_app, name="reminders")

On = Annotated[str | None, typer.Option("--on", help="Business date, YYYY-MM-DD (default: today).")]
LEVEL_HELP = (
    'NUMBER:NAME:DAYS:TEMPLATE[:FEE], e.g. "2:Second notice:14:second:15.00" (templates: friendly, second, final)'
)


def _level(spec: str, n: int) -> dict[str, Any]:
    parts = spec.split(":")
    if len(parts) not in (4, 5):
        raise refuse(f"--level {n}", f"expected {LEVEL_HELP}, got {spec[:60]!r}")
    number, name, days, template, *fee = parts
    return {
        "number": number,
        "name": name,
        "days_after_due": days,
        "template": template,
        "fee": fee[0] if fee else None,
    }


@levels_app.command("set")
def levels_set(
    level: Annotated[list[str], typer.Option("--level", help=LEVEL_HELP)],
    minimum_open: Annotated[
        str | None, typer.Option("--minimum-open", help="No reminder while less is open (left out: as set before).")
    ] = None,
    grace_days: Annotated[
        int | None, typer.Option("--grace-days", help="No reminder this many days after a payment (as set before).")
    ] = None,
    on: On = None,
) -> None:
    """Set the dunning levels (all of them) and the grace for partial payments, as PUT /v1/dunning/levels."""
    from api.schemas.reminders import DunningLevelsBody
    from ledger.events import Meta

    levels = [_level(spec, n) for n, spec in enumerate(level, start=1)]
    options = {"": "--level", "levels": "--level", "minimum_open": "--minimum-open", "grace_days": "--grace-days"}
    body = body_of(DunningLevelsBody, options, levels=levels, minimum_open=minimum_open, grace_days=grace_days, on=on)
    with keel_system() as keel:
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
    said(f"{len(levels)} dunning level{'s' * (len(levels) != 1)} recorded (log position {result.position})")


@levels_app.command("list")
def levels_list(fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table) -> None:
    """The dunning levels in force, the grace and how many customers are left out (GET /v1/dunning/levels)."""
    from projections.reminders.reminders import dunning_policy

    with keel_system(reading=True) as keel:
        catch_up(keel)
        policy = dunning_policy(keel.views)
    rows = [
        [x.number, x.name, x.days_after_due, x.template, f"{x.fee} {x.fee_currency}" if x.fee else ""]
        for x in policy.levels
    ]
    meta = {
        "minimum_open": str(policy.minimum_open),
        "grace_days": policy.grace_days,
        "opted_out": len(policy.opted_out),
    }
    emit(fmt, "Dunning levels", ["number", "name", "days after due", "template", "fee"], rows, meta)


@customers_app.command("dunning")
def customer_dunning(
    customer: Annotated[str, typer.Argument(help="The customer's name (or part of it).")],
    reminded: Annotated[
        bool | None, typer.Option("--resume/--stop", help="Remind this customer of overdue invoices again, or stop.")
    ] = None,
    on: On = None,
) -> None:
    """Stop dunning a customer (--stop) or resume it (--resume), from --on or today, as PUT
    /v1/customers/{id}/dunning (``--on`` is a date here as everywhere else)."""
    from api.schemas.reminders import CustomerDunningBody
    from ledger.events import Meta

    if reminded is None:
        raise refuse("--stop/--resume", "say which: --stop (no more reminders) or --resume")
    body = body_of(CustomerDunningBody, {"on": "--on"}, reminded=reminded, on=on)
    with keel_system() as keel:
        catch_up(keel)
        found = find_customer(keel, customer, "CUSTOMER")
        result = keel.app.handle(body.to_command(Meta(cli_actor()), UUID(found.id)))
    state = "reminded of overdue invoices" if reminded else "not reminded (opted out)"
    recorded = f"log position {result.position}" if result.position else "so already: nothing recorded"
    said(f"{found.label} is {state} ({recorded})")


@reminders_app.command("address")
def staff_address(
    person: Annotated[str, typer.Argument(help="As named as an owner or approver, e.g. maria.")],
    email: Annotated[str, typer.Argument(help='Where their reminders go ("" stops them).')],
    on: On = None,
) -> None:
    """Where a follow-up owner's or an approver's reminders go."""
    from api.schemas.reminders import StaffAddressBody
    from ledger.events import Meta

    if not person.strip() or len(person) > 200:
        raise refuse("PERSON", "a name of 1 to 200 characters")
    body = body_of(StaffAddressBody, {"email": "EMAIL"}, email=email, on=on)
    with keel_system() as keel:
        result = keel.app.handle(body.to_command(Meta(cli_actor()), person))
    said(f"reminders for {person.strip()} go to {body.email or 'nobody'} (log position {result.position})")


@reminders_app.command("approval-days")
def approval_days(
    days: Annotated[int, typer.Argument(help="Remind an approver of a claim waiting this many days.")],
    on: On = None,
) -> None:
    """After how many days waiting an expense claim's approver is reminded."""
    from api.schemas.reminders import ApprovalWaitBody
    from ledger.events import Meta

    body = body_of(ApprovalWaitBody, {"days": "DAYS"}, days=days, on=on)
    with keel_system() as keel:
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
    said(f"approvers are reminded after {days} days (log position {result.position})")


@report_app.command("reminders")
def reminders_report(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    kind: Annotated[str | None, typer.Option("--kind", help="dunning, follow-up or approval.")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
    fmt: Fmt = Format.table,
) -> None:
    """Who was reminded of what: reminders dated on or before --as-of as known at --known-at."""
    from projections.queries import named

    params = replace(dates(as_of), filters=named(kind=kind), limit=limit, cursor=cursor)
    report("reminders", params, known_at, fmt)

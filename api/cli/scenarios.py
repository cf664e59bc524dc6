"""``keel scenarios new|add|list|show|rebase|drop``: what-if scenarios from the command line (ADR 0066).

``add`` builds the body ``POST /v1/scenarios/{name}/assumptions`` takes (one assumption a call),
so the CLI accepts what the API accepts: a refused value, or an assumption the books would refuse
(winning a deal already lost), is one line naming it (exit 1), nothing saved. ``list``, ``show``
and ``--format json`` print the bytes HTTP sends. Reports take ``--scenario NAME``, and ``keel
report cash-forecast --scenario NAME --compare base`` sets it beside the books.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.base import app, catch_up, cli_actor, keel_system
from api.cli.entry_base import as_options, body_of, find_customer, find_deal, find_invoice, find_project, refuse, said
from api.cli.output import Format, out
from api.cli.planned_costs import find_planned_cost
from api.cli.reports import Fmt

if TYPE_CHECKING:
    from api.scenarios import Changed

scenarios_app = typer.Typer(
    help="What-if scenarios: assumptions layered on the books, never in them.", no_args_is_help=True
)
app.add_typer(scenarios_app, name="scenarios")

Name = Annotated[str, typer.Argument(help="The scenario's name: lowercase letters, digits, dashes.")]
Day = Annotated[str | None, typer.Option(metavar="DATE", show_default=False)]
OPTIONS = {
    "name": "--hire/--recurring-cost",
    "monthly_cost": "--monthly-cost",
    "monthly_fee": "--monthly-fee",
    "from": "--from",
    "until": "--until",
    "days": "--days",
    "on": "--on",
    "to": "--to",
    "kind": "the kind",
}


@scenarios_app.command("new")
def new(
    name: Name,
    on: Annotated[
        str | None,
        typer.Option("--on", help="The business date its assumptions are taken as decided on (default: today)."),
    ] = None,
) -> None:
    """A scenario with no assumptions yet, its branch built on the head of the log (its base)."""
    from api.scenarios import scenarios
    from api.schemas.scenarios import NewScenarioBody

    body = body_of(NewScenarioBody, {"name": "NAME", "on": "--on"}, name=name, on=on)
    with keel_system() as keel:
        catch_up(keel)
        changed = scenarios(keel).create(body.name, body.on, cli_actor())
    said(f"scenario {body.name} made on log position {changed.scenario.base_position}")


@scenarios_app.command("add")
def add(
    name: Name,
    hire: Annotated[str | None, typer.Option("--hire", metavar="ROLE", help="A new person's role.")] = None,
    recurring_cost: Annotated[
        str | None, typer.Option("--recurring-cost", metavar="NAME", help="A new monthly cost (rent, a tool).")
    ] = None,
    payment_delay: Annotated[
        str | None, typer.Option("--payment-delay", metavar="CUSTOMER", help="A customer paying later (or earlier).")
    ] = None,
    lose_deal: Annotated[str | None, typer.Option("--lose-deal", metavar="DEAL", help="A deal lost.")] = None,
    win_deal: Annotated[
        str | None, typer.Option("--win-deal", metavar="DEAL", help="A deal won, closing --on.")
    ] = None,
    slip_deal: Annotated[str | None, typer.Option("--slip-deal", metavar="DEAL", help="A deal closing --to.")] = None,
    write_off: Annotated[
        str | None, typer.Option("--write-off", metavar="INVOICE", help="An issued invoice never paid (its number).")
    ] = None,
    leaver: Annotated[
        str | None, typer.Option("--leaver", metavar="COST", help="A planned cost (payroll) ending --until.")
    ] = None,
    retainer_price: Annotated[
        str | None,
        typer.Option("--retainer-price", metavar="PROJECT", help="A retainer at --monthly-fee from a month (--from)."),
    ] = None,
    monthly_cost: Annotated[str | None, typer.Option("--monthly-cost", "--monthly", metavar="AMOUNT")] = None,
    monthly_fee: Annotated[
        str | None, typer.Option("--monthly-fee", metavar="AMOUNT", help="--retainer-price: the new fee.")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", metavar="DATE", help="The first month's day.")] = None,
    until: Annotated[str | None, typer.Option("--until", metavar="DATE", help="The last day paid.")] = None,
    days: Annotated[
        str | None, typer.Option("--days", metavar="N", help="After the due dates (negative: before).")
    ] = None,
    on: Annotated[str | None, typer.Option("--on", metavar="DATE", help="--win-deal: the day it closes.")] = None,
    to: Annotated[str | None, typer.Option("--to", metavar="DATE", help="--slip-deal: its new expected close.")] = None,
) -> None:
    """Add one assumption; the books must accept it as the command it stands for would be."""
    from api.scenarios import scenarios
    from api.schemas.scenarios import AssumptionIn

    kinds = {
        "hire": hire,
        "recurring_cost": recurring_cost,
        "payment_delay": payment_delay,
        "lose_deal": lose_deal,
        "win_deal": win_deal,
        "slip_deal": slip_deal,
        "write_off": write_off,
        "leaver": leaver,
        "retainer_price": retainer_price,
    }
    given = [k for k, v in kinds.items() if v is not None]
    if len(given) != 1:
        raise refuse(
            "the assumption",
            "give one of --hire, --recurring-cost, --payment-delay, --lose-deal, --win-deal, --slip-deal,"
            " --write-off, --leaver, --retainer-price",
        )
    kind = given[0]
    subject = kinds[kind] or ""
    with keel_system() as keel:
        catch_up(keel)
        fields: dict[str, Any] = {"kind": kind, "monthly_cost": monthly_cost, "monthly_fee": monthly_fee}
        fields |= {"from": start, "until": until}
        fields |= {"days": _whole(days), "on": on, "to": to}
        if kind in ("hire", "recurring_cost"):
            fields["name"] = subject
        elif kind == "payment_delay":
            fields["customer_id"] = find_customer(keel, subject, "--payment-delay").id
        elif kind == "write_off":
            fields["invoice_id"] = find_invoice(keel, subject, "--write-off").id
        elif kind == "leaver":
            fields["planned_cost_id"] = find_planned_cost(keel, subject, "--leaver").id
        elif kind == "retainer_price":
            fields["project_id"] = find_project(keel, subject, "--retainer-price").id
        else:
            fields["deal_id"] = find_deal(keel, subject, f"--{kind.replace('_', '-')}").id
        body = body_of(AssumptionIn, OPTIONS, **fields)
        assumption = as_options(OPTIONS, body.to_assumption)
        changed = scenarios(keel).add(name, [assumption])
    added = changed.scenario.assumptions[-1]
    said(f"scenario {name}: {added.describe()} ({_built(changed)})")


@scenarios_app.command("list")
def list_scenarios(fmt: Fmt = Format.table) -> None:
    """Every scenario: its base, how far the log has moved on, how many assumptions."""
    from api.scenario_answers import list_document
    from api.scenarios import scenarios

    with keel_system(reading=True) as keel:
        if fmt is Format.json:
            _print(list_document(keel))
            return
        found, head = scenarios(keel).all(), keel.app.head_position()
    if not found:
        said("no scenarios yet: `keel scenarios new NAME` makes one")
    for s in found:
        behind = head - s.base_position
        out.print(
            f"{s.name}  decided on {s.decided_on}, base {s.base_position}"
            f"{f' ({behind} events behind the head)' if behind else ''}, {len(s.assumptions)} assumption(s)",
            highlight=False,
        )


@scenarios_app.command("show")
def show(name: Name, fmt: Fmt = Format.table) -> None:
    """The scenario's assumptions in order, and its base."""
    from api.answers import json_bytes
    from api.scenario_answers import scenario_document
    from api.scenarios import scenarios

    with keel_system(reading=True) as keel:
        s = scenarios(keel).get(name)
        if fmt is Format.json:
            _print(json_bytes(scenario_document(keel, s)))
            return
        head = keel.app.head_position()
    out.print(
        f"{s.name}: decided on {s.decided_on}; base log position {s.base_position} (head {head})", highlight=False
    )
    for n, a in enumerate(s.assumptions, 1):
        out.print(f"  {n}. {a.describe()}", highlight=False)


@scenarios_app.command("rebase")
def rebase(name: Name) -> None:
    """Build it again on the head; assumptions that became real or that the books now contradict
    are taken out and listed."""
    from api.scenarios import scenarios

    with keel_system() as keel:
        catch_up(keel)
        changed = scenarios(keel).rebase(name)
    said(f"scenario {name} rebased ({_built(changed)})")
    for d in changed.dropped:
        out.print(f"  dropped {d.number}. {d.assumption.describe()}: {d.why} ({d.detail})", highlight=False)


@scenarios_app.command("drop")
def drop(name: Name) -> None:
    """The scenario and its branch, gone (nothing of it was ever in the books)."""
    from api.scenarios import scenarios

    with keel_system() as keel:
        scenarios(keel).drop(name)
    said(f"scenario {name} dropped")


def _whole(days: str | None) -> int | None:
    if days is None:
        return None
    try:
        return int(days.strip())
    except ValueError:
        raise refuse("--days", f"a whole number of days, got {days!r}") from None


def _built(changed: Changed) -> str:
    return f"base log position {changed.scenario.base_position}, {changed.built.events} hypothetical events"


def _print(body: bytes) -> None:
    sys.stdout.buffer.write(body + b"\n")
    sys.stdout.flush()

"""``keel costs plan|revise|end|cancel|list``: planned costs (payroll, rent) from the command line.

Each command builds the body its HTTP route takes (``api.schemas.planned_costs``), so the CLI
accepts exactly what the API accepts: a refused value is one line naming the option (exit 1),
nothing written. ``list`` is the query HTTP answers (``--format json`` prints the same bytes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Protocol
from uuid import UUID

import typer

from api.cli.base import app, catch_up, cli_actor, keel_system
from api.cli.entry_base import Found, _like, _rows, body_of, pick, said, short
from api.cli.entry_sales import OnOption
from api.cli.output import Format
from api.cli.reports import AsOf, Fmt, KnownAt, dates, report

if TYPE_CHECKING:
    from api.system import Keel
    from commands.unit_of_work import Command
    from ledger.events import Meta

costs_app = typer.Typer(
    help="Planned costs (payroll, rent): what the cash forecast pays out monthly.", no_args_is_help=True
)
app.add_typer(costs_app, name="costs")

Which = Annotated[str, typer.Argument(help="The planned cost's name (or part of it) or id.")]
Amount = Annotated[str, typer.Option("--amount", help="Each payment, e.g. 5000.00 (the functional currency).")]
Until = Annotated[str, typer.Option("--until", help="The last day a payment may fall on, YYYY-MM-DD.")]
OPTIONS = {
    "name": "NAME",
    "amount": "--amount",
    "start": "--from",
    "end": "--until",
    "pay_day": "--pay-day",
    "frequency": "--every",
    "cost_center": "--cost-center",
}


def find_planned_cost(keel: Keel, text: str, option: str = "COST") -> Found:
    part, prefix = _like(text)
    rows = _rows(
        keel,
        "SELECT DISTINCT cost_id, name FROM planned_costs WHERE LOWER(name) LIKE %s OR cost_id LIKE %s"
        " ORDER BY name, cost_id",
        (part, prefix),
    )
    found = [Found(str(i), f"{name} ({short(i)})", (name,)) for i, name in rows]
    return pick(option, "planned cost", text, found, "`keel costs list` shows them")


class _Change(Protocol):
    """A body that changes one planned cost (a revision, an end, a cancellation)."""

    def to_command(self, meta: Meta, cost_id: UUID, expected_version: int | None) -> Command: ...


def _change(which: str, body: _Change) -> tuple[str, int]:
    """Apply ``body`` to the planned cost ``which`` names: its name and the log position."""
    from ledger.events import Meta

    with keel_system() as keel:
        catch_up(keel)
        found = find_planned_cost(keel, which)
        result = keel.app.handle(body.to_command(Meta(cli_actor()), UUID(found.id), None))
    return found.keys[0], result.position


@costs_app.command("plan")
def plan(
    name: Annotated[str, typer.Argument(help="What it is, e.g. 'Designer payroll'.")],
    amount: Amount,
    start: Annotated[str, typer.Option("--from", help="The first day a payment may fall on, YYYY-MM-DD.")],
    every: Annotated[str, typer.Option("--every", metavar="monthly|quarterly|yearly")] = "monthly",
    pay_day: Annotated[int, typer.Option("--pay-day", help="The day of the month it is paid (31: its last).")] = 31,
    until: Annotated[str | None, typer.Option("--until", help="The last day a payment may fall on.")] = None,
    cost_center: Annotated[str | None, typer.Option("--cost-center", help="A defined cost center's code.")] = None,
    on: OnOption = None,
) -> None:
    """Plan a cost paid regularly: the cash forecast pays it out; nothing is posted to the books."""
    from api.schemas import planned_costs as pcs
    from ledger.events import Meta

    body = body_of(
        pcs.PlanCostBody,
        OPTIONS,
        name=name,
        amount=amount,
        start=start,
        frequency=every,
        pay_day=pay_day,
        end=until,
        cost_center=cost_center,
        on=on,
    )
    with keel_system() as keel:
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
    ends = f" until {body.end}" if body.end else ""
    said(f"planned cost {body.name} ({short(result.id)}): {body.amount} {body.frequency} on day {body.pay_day}"
         f" from {body.start}{ends} (log position {result.position})")  # fmt: skip


@costs_app.command("revise")
def revise(
    which: Which,
    amount: Amount,
    effective_from: Annotated[str, typer.Option("--from", help="The first payment day it applies to, YYYY-MM-DD.")],
    on: OnOption = None,
) -> None:
    """A new amount for the payments on or after --from (a later revision is replaced)."""
    from api.schemas import planned_costs as pcs

    body = body_of(
        pcs.RevisePlannedCostBody, {"amount": "--amount", "effective_from": "--from"},
        amount=amount, effective_from=effective_from, on=on,
    )  # fmt: skip
    name, position = _change(which, body)
    said(f"planned cost {name}: {body.amount} from {body.effective_from} (log position {position})")


@costs_app.command("end")
def end(which: Which, until: Until, on: OnOption = None) -> None:
    """No payment after --until (earlier or later than planned)."""
    from api.schemas import planned_costs as pcs

    body = body_of(pcs.EndPlannedCostBody, {"end": "--until"}, end=until, on=on)
    name, position = _change(which, body)
    said(f"planned cost {name}: no payment after {body.end} (log position {position})")


@costs_app.command("cancel")
def cancel(
    which: Which,
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn, e.g. 'planned twice'.")],
    on: OnOption = None,
) -> None:
    """Withdraw a cost planned by mistake: it pays nothing, and leaves the list."""
    from api.schemas import planned_costs as pcs

    body = body_of(pcs.CancelPlannedCostBody, {"reason": "--reason"}, reason=reason, on=on)
    name, position = _change(which, body)
    said(f"planned cost {name} cancelled (log position {position})")


@costs_app.command("list")
def list_(as_of: AsOf = None, known_at: KnownAt = None, fmt: Fmt = Format.table) -> None:
    """Planned costs decided by --as-of as known at --known-at, by name, with the amount in force on --as-of."""
    from projections.queries import Params

    report("planned-costs", Params(as_of=dates(as_of).as_of), known_at, fmt)

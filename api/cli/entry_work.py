"""Entering work from the command line: expense claims, time, and a retainer's fee.

As for sales: the HTTP route's request body, its ``to_command``, one line naming a refused option
(exit 1, nothing written), and the actor ``cli:<user>`` (an approval is made as ``--as``).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from api import schemas
from api.cli.base import catch_up, cli_actor, expenses_app, keel_system, projects_app, time_app
from api.cli.entry_base import as_options, body_of, find_claim, find_person, find_project, money, said, short

OnOption = Annotated[
    str | None,
    typer.Option("--on", metavar="DATE", help="Business date, YYYY-MM-DD (default: today).", show_default=False),
]


@expenses_app.command("submit")
def submit_claim(
    paid: Annotated[str, typer.Option("--amount", help="Gross, as on the receipt, in the functional currency.")],
    category: Annotated[str, typer.Option("--category", help="travel, meals, software, … (the policy's categories).")],
    description: Annotated[str, typer.Option("--description", help="What it was for.")],
    receipt_reference: Annotated[str, typer.Option("--receipt-reference", help="The receipt's number or file.")],
    cost_center: Annotated[str, typer.Option("--cost-center", help="The cost center's code, e.g. DESIGN.")],
    tax_rate: Annotated[str | None, typer.Option("--tax-rate", help="Tax in the amount, percent (default 0).")] = None,
    project: Annotated[str | None, typer.Option("--project", help="A project to charge it to (its name).")] = None,
    employee: Annotated[
        str | None, typer.Option("--employee", help="Who claims (default: the actor, cli:<user>).")
    ] = None,
    on: OnOption = None,
) -> None:
    """Submit an expense claim; its approval route is decided now from the policy and the cost center."""
    from ledger.events import Meta
    from ledger.expenses import ExpenseClaim
    from ledger.projects import Project

    fields = {
        "amount": paid,
        "category": category,
        "description": description,
        "receipt_reference": receipt_reference,
        "cost_center": cost_center,
        "tax_rate": tax_rate,
        "employee": employee,
        "on": on,
    }
    body_of(schemas.SubmitClaimBody, {}, **fields)  # every option checked before a name is looked up
    with keel_system() as keel:
        catch_up(keel)
        project_id = find_project(keel, project).id if project else None
        body = body_of(schemas.SubmitClaimBody, {"project_id": "--project"}, project_id=project_id, **fields)
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
        claim = keel.app.get(ExpenseClaim, result.id)
        charged = f", charged to {keel.app.get(Project, UUID(project_id)).name}" if project_id else ""
    waiting = f"waiting for {claim.next_approver}" if claim.next_approver else claim.status
    said(
        f"expense claim {short(result.id)} by {claim.employee} submitted: {money(claim.gross)}"
        f" {claim.details.category} (receipt {claim.details.receipt_reference}){charged}, {waiting}"
        f" (log position {result.position})"
    )


@expenses_app.command("approve")
def approve_claim(
    claim: Annotated[
        str, typer.Argument(help="The claim: its receipt reference, description, or the id the submit printed.")
    ],
    approver: Annotated[
        str | None,
        typer.Option("--as", help="Approve as this person, the next on the claim's route (default: cli:<user>)."),
    ] = None,
    on: OnOption = None,
) -> None:
    """Approve a claim as its next approver (never one's own). The final approval posts the expense."""
    from commands.messages import ApproveExpenseClaim
    from ledger.events import Meta
    from ledger.expenses import ExpenseClaim

    body = body_of(schemas.DateBody, {}, on=on)
    actor = body_of(schemas.OwnerBody, {"owner": "--as"}, owner=approver).owner if approver else cli_actor()
    with keel_system() as keel:
        catch_up(keel)
        found = find_claim(keel, claim)
        result = keel.app.handle(body.to_command(Meta(actor), ApproveExpenseClaim, claim_id=UUID(found.id)))
        approved = keel.app.get(ExpenseClaim, result.id)
    gross = money(approved.gross)
    after = f"waiting for {approved.next_approver}" if approved.next_approver else "approved and posted"
    said(
        f"expense claim {approved.details.receipt_reference} ({approved.employee}, {gross}) approved by {actor}:"
        f" {after} (log position {result.position})"
    )


@time_app.command("log")
def log_time(
    person: Annotated[str, typer.Option("--person", help="Who worked: a handle or name.")],
    project: Annotated[str, typer.Option("--project", help="The project's name (or part of it).")],
    day: Annotated[str, typer.Option("--on", help="The day worked, YYYY-MM-DD.")],
    hours: Annotated[str, typer.Option("--hours", help="Hours, e.g. 7.5.")],
    note: Annotated[str | None, typer.Option("--note", help="What was done.")] = None,
    billable: Annotated[bool, typer.Option("--billable/--non-billable", help="Billable to the customer.")] = True,
) -> None:
    """Log hours on a project on a day into the person's timesheet of that week."""
    from ledger.events import Meta
    from ledger.projects import Project

    options = {"day": "--on", "project_id": "--project"}
    body_of(schemas.TimeBody, options, day=day, hours=hours, note=note, project_id=str(UUID(int=0)))
    with keel_system() as keel:
        catch_up(keel)
        handle = find_person(keel, person).id
        project_id = find_project(keel, project).id
        body = body_of(
            schemas.TimeBody,
            options,
            person=handle,
            day=day,
            project_id=project_id,
            hours=hours,
            note=note,
            billable=billable,
        )
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
        name = keel.app.get(Project, UUID(project_id)).name
    kind = "billable" if body.billable else "not billable"
    said(
        f"{body.hours} hours logged for {handle} on {name} on {body.day.isoformat()}, {kind}"
        f" (log position {result.position})"
    )


@projects_app.command("reprice")
def reprice(
    project: Annotated[str, typer.Argument(help="The retainer project's name (or part of it) or id.")],
    monthly_fee: Annotated[str, typer.Option("--monthly-fee", metavar="AMOUNT", help="The new fee, before tax.")],
    start: Annotated[str, typer.Option("--from", metavar="DATE", help="The first day of the first month at it.")],
    on: OnOption = None,
) -> None:
    """A retainer's new monthly fee from a month on; the months invoiced already keep theirs."""
    from ledger.events import Meta
    from ledger.money import Money
    from ledger.project_terms import month_of
    from ledger.projects import Project

    options = {"monthly_fee": "--monthly-fee", "from_": "--from", "from": "--from", "on": "--on"}
    body_of(schemas.RetainerFeeBody, options, monthly_fee=monthly_fee, **{"from": start}, on=on)
    with keel_system() as keel:
        catch_up(keel)
        found = find_project(keel, project, "PROJECT")
        body = body_of(schemas.RetainerFeeBody, options, monthly_fee=monthly_fee, **{"from": start}, on=on)
        result = as_options(options, keel.app.handle, body.to_command(Meta(cli_actor()), UUID(found.id)))
        retainer = keel.app.get(Project, UUID(found.id))
        assert retainer.billing is not None
        fee = money(Money(retainer.fee_for(month_of(body.from_)), retainer.billing.currency).rounded())
    said(f"{retainer.name}: {fee} a month from {body.from_.isoformat()} (log position {result.position})")

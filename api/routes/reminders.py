"""Dunning levels, customers' opt-outs, staff reminder addresses and the reminders report (ADR 0043):
translate, call, translate back."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.deps import AS_CSV, AsOf, Cursor, KeelDep, KnownAt, Limit, MetaDep, reads
from api.schemas import reminders as rs
from commands.messages import CommandResult
from projections.queries import Params, named
from projections.reminders.reminders import dunning_policy

router = APIRouter(prefix="/v1", tags=["reminders"])
Accepted = schemas.CommandAccepted


@router.get("/dunning/levels", response_model=rs.DunningPolicyOut, dependencies=[reads("reminders")])
def get_levels(keel: KeelDep) -> rs.DunningPolicyOut:
    """The dunning levels in force, the grace for partial payments and the customers left out."""
    return rs.DunningPolicyOut.model_validate(dunning_policy(keel.views))


@router.put("/dunning/levels", response_model=Accepted)
def set_levels(body: rs.DunningLevelsBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Set the whole set of levels (numbered 1, 2, … each later than the one before) and the grace.
    A bad level is a 422 naming it (``levels[1].days_after_due``); nothing is written."""
    return keel.app.handle(body.to_command(meta))


@router.put("/customers/{customer_id}/dunning", response_model=Accepted)
def set_customer_dunning(
    customer_id: UUID, body: rs.CustomerDunningBody, keel: KeelDep, meta: MetaDep
) -> CommandResult:
    """Whether a customer is reminded of overdue invoices (``reminded: false`` opts them out)."""
    return keel.app.handle(body.to_command(meta, customer_id))


@router.put("/reminders/addresses/{person}", response_model=Accepted)
def set_staff_address(
    person: Annotated[str, Path(min_length=1, max_length=200)],
    body: rs.StaffAddressBody,
    keel: KeelDep,
    meta: MetaDep,
) -> CommandResult:
    """Where a follow-up owner's or an approver's reminders go."""
    return keel.app.handle(body.to_command(meta, person))


@router.put("/reminders/approval-wait", response_model=Accepted)
def set_approval_wait(body: rs.ApprovalWaitBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """After how many days waiting an expense claim's approver is reminded."""
    return keel.app.handle(body.to_command(meta))


@router.get(
    "/reports/reminders",
    response_model=schemas.Page[rs.ReminderOut],
    responses=JSON_OR_CSV,
    dependencies=[reads("reminders", "customers"), AS_CSV],
)
async def list_reminders(
    request: Request,
    keel: KeelDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    kind: Annotated[Literal["dunning", "follow-up", "approval"] | None, Query(description="Only these")] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    """Who was reminded of what: reminders dated on or before ``as_of`` as known at ``known_at``."""
    params = Params(as_of=as_of, filters=named(kind=kind), cursor=cursor, limit=limit)
    return await respond(request, keel, "reminders", params)

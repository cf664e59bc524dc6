"""Recurring invoices (subscriptions): set up, change lines from a date, pause, resume, end; listed
and read from the ``recurring`` read model (the list is the query HTTP and CLI share)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.deps import AS_CSV, AsOf, Cursor, KeelDep, KnownAt, Limit, MetaDep, reads
from api.schemas import recurring as rs
from api.schemas.derive import page_of
from commands import messages as m
from ledger.errors import NotFound
from projections.automation import recurring as views
from projections.queries import Params, named

router = APIRouter(prefix="/v1", tags=["recurring invoices"])
PATH = "/recurring-invoices"


@router.post(PATH, status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def set_up(body: rs.RecurringInvoiceBody, keel: KeelDep, meta: MetaDep, response: Response) -> m.CommandResult:
    """Lines billed once per period (monthly, quarterly, yearly) from ``start``, in advance; a start
    before ``anchor`` is a first partial period, prorated by days."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1{PATH}/{result.id}"
    return result


@router.put(PATH + "/{recurring_id}/lines", response_model=schemas.CommandAccepted)
def change_lines(recurring_id: UUID, body: rs.RecurringLinesBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """New lines (a new price) for the periods beginning on or after ``effective_from``."""
    return keel.app.handle(body.to_command(meta, recurring_id))


@router.post(PATH + "/{recurring_id}/{action}", response_model=schemas.CommandAccepted)
def change_state(
    recurring_id: UUID,
    action: Literal["pause", "resume", "end"],
    body: rs.RecurringStateBody,
    keel: KeelDep,
    meta: MetaDep,
) -> m.CommandResult:
    """Pause from ``day`` (periods beginning while paused are not billed), resume from ``day``, or end
    on ``day`` (no period beginning after it is billed)."""
    command: m.Command
    if action == "pause":
        command = m.PauseRecurringInvoice(meta=meta, on=body.on, recurring_id=recurring_id, paused_from=body.day)
    elif action == "resume":
        command = m.ResumeRecurringInvoice(meta=meta, on=body.on, recurring_id=recurring_id, resumed_from=body.day)
    else:
        command = m.EndRecurringInvoice(meta=meta, on=body.on, recurring_id=recurring_id, end=body.day)
    return keel.app.handle(command)


@router.get(
    PATH,
    response_model=page_of(rs.RecurringInvoice),
    responses=JSON_OR_CSV,
    dependencies=[reads("recurring", "customers"), AS_CSV],
)
async def list_recurring(
    request: Request,
    keel: KeelDep,
    customer_id: UUID | None = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    state: Annotated[Literal["active", "paused", "ended"] | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    """Recurring invoices set up by ``as_of`` as they stood then, as known at ``known_at``, by name."""
    filters = named(customer=str(customer_id) if customer_id else None, status=state)
    return await respond(
        request, keel, "recurring-invoices", Params(as_of=as_of, filters=filters, cursor=cursor, limit=limit)
    )


@router.get(PATH + "/{recurring_id}", response_model=rs.RecurringInvoice, dependencies=[reads("recurring")])
def get_recurring(recurring_id: UUID, keel: KeelDep) -> views.RecurringView:
    found = views.get_recurring(keel.views, str(recurring_id))
    if found is None:
        raise NotFound(f"recurring invoice {recurring_id} not found")
    return found

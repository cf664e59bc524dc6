"""Planned costs (payroll, rent): what the cash forecast pays out every month (ADR 0065). The list
is the query HTTP, the CLI and the web share."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.deps import AS_CSV, AsOf, ExpectedVersion, KeelDep, KnownAt, MetaDep, as_of_or_today, reads
from api.schemas import planned_costs as pcs
from api.schemas.derive import page_of
from commands import messages as m
from ledger.errors import NotFound
from projections.cash import planned_costs as views
from projections.queries import Params

router = APIRouter(prefix="/v1", tags=["planned costs"])
PATH = "/planned-costs"


@router.post(PATH, status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def plan(body: pcs.PlanCostBody, keel: KeelDep, meta: MetaDep, response: Response) -> m.CommandResult:
    """A cost paid every month, quarter or year from ``start`` (on ``pay_day``), in the functional
    currency: the cash forecast pays it out; nothing is posted to the books."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1{PATH}/{result.id}"
    return result


@router.post(PATH + "/{cost_id}/revisions", response_model=schemas.CommandAccepted)
def revise(
    cost_id: UUID, body: pcs.RevisePlannedCostBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> m.CommandResult:
    """A new amount for the payments on or after ``effective_from`` (a raise, a new lease); a later
    revision is replaced."""
    return keel.app.handle(body.to_command(meta, cost_id, expected))


@router.post(PATH + "/{cost_id}/end", response_model=schemas.CommandAccepted)
def end(
    cost_id: UUID, body: pcs.EndPlannedCostBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> m.CommandResult:
    """No payment after ``end`` (earlier or later than planned; the revisions after it are dropped)."""
    return keel.app.handle(body.to_command(meta, cost_id, expected))


@router.post(PATH + "/{cost_id}/cancel", response_model=schemas.CommandAccepted)
def cancel(
    cost_id: UUID, body: pcs.CancelPlannedCostBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> m.CommandResult:
    """Withdraw a cost planned by mistake: it pays nothing, and leaves the list."""
    return keel.app.handle(body.to_command(meta, cost_id, expected))


@router.get(
    PATH,
    response_model=page_of(pcs.PlannedCost),
    responses=JSON_OR_CSV,
    dependencies=[reads("planned_costs"), AS_CSV],
)
async def list_planned(request: Request, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Every planned cost decided by ``as_of`` (today) as known at ``known_at``, by name, each with its
    amounts from each day on (the CSV and the CLI's table show the amount in force on ``as_of``);
    cancelled ones are left out."""
    return await respond(request, keel, "planned-costs", Params(as_of=as_of))


@router.get(PATH + "/{cost_id}", response_model=pcs.PlannedCost, dependencies=[reads("planned_costs")])
def get_planned(cost_id: UUID, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> views.PlannedCostView:
    """One planned cost as decided by ``as_of`` (today) and known at ``known_at``, with its amounts
    from each day on."""
    found = [c for c in views.planned_costs(keel.reads, as_of_or_today(keel, as_of), known_at) if c.id == str(cost_id)]
    if not found:
        raise NotFound(f"planned cost {cost_id} not found")
    return found[0]

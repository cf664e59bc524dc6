"""The sales reports over HTTP: thin adapters over the query layer (see ``api.routes.reports``)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.deps import AS_CSV, AsOf, KeelDep, KnownAt, RequiredWindow, Scenario, reads
from projections.queries import Params
from projections.queries.core import named
from projections.queries.crm import CRM

router = APIRouter(prefix="/v1", tags=["reports"])


@router.get(
    "/reports/pipeline",
    response_model=schemas.PipelineReport,
    responses=JSON_OR_CSV,
    dependencies=[reads(*CRM), AS_CSV],
)
async def pipeline(
    request: Request,
    keel: KeelDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    by: Annotated[Literal["stage", "owner"], Query(description="Group open deals by")] = "stage",
    scenario: Scenario = None,
) -> Response:
    """Open deals by stage or owner: count, value, probability-weighted value; won and lost counts."""
    return await respond(request, keel, "pipeline", Params(as_of=as_of, by=by, filters=named(scenario=scenario)))


@router.get(
    "/reports/conversion",
    response_model=schemas.ConversionReport,
    responses=JSON_OR_CSV,
    dependencies=[reads(*CRM), AS_CSV],
)
async def conversion(request: Request, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Stage-to-stage funnel and lead source to won."""
    return await respond(request, keel, "conversion", Params(as_of=as_of))


@router.get(
    "/reports/win-rate", response_model=schemas.WinRateReport, responses=JSON_OR_CSV, dependencies=[reads(*CRM), AS_CSV]
)
async def win_rate(request: Request, keel: KeelDep, window: RequiredWindow, known_at: KnownAt = None) -> Response:
    """Deals won and lost in a period, win rate, and the average sales cycle (days from open to won)."""
    return await respond(request, keel, "win-rate", Params(start=window.start, end=window.end))


@router.get(
    "/reports/follow-ups",
    response_model=schemas.FollowUpsReport,
    responses=JSON_OR_CSV,
    dependencies=[reads(*CRM), AS_CSV],
)
async def follow_ups(request: Request, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Open follow-ups per owner: overdue, due that day, due in the next seven days."""
    return await respond(request, keel, "follow-ups", Params(as_of=as_of))


@router.get(
    "/customers/{customer_id}/360",
    response_model=schemas.Customer360,
    responses=JSON_OR_CSV,
    dependencies=[reads(*CRM, "general_ledger", "invoices", "work"), AS_CSV],  # work: its projects
)
async def customer_360(
    request: Request, customer_id: UUID, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None
) -> Response:
    """Contacts, deals, one communication timeline, invoices, payments and open balance."""
    return await respond(request, keel, "customer-360", Params(as_of=as_of, filters=(("customer", str(customer_id)),)))

"""The delivery reports over HTTP: thin adapters over the query layer (see ``api.routes.reports``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.deps import AS_CSV, AsOf, KeelDep, KnownAt, RequiredWindow, Scenario, reads
from projections.queries import Params
from projections.queries.core import named
from projections.queries.delivery import WORK

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get("/margins", response_model=schemas.Margins, responses=JSON_OR_CSV, dependencies=[reads(*WORK), AS_CSV])
async def margins(
    request: Request,
    keel: KeelDep,
    window: RequiredWindow,
    known_at: KnownAt = None,
    by: Annotated[Literal["project", "customer", "cost_center", "month"], Query(description="Group by")] = "project",
    scenario: Scenario = None,
) -> Response:
    """Revenue, labour, expenses charged, gross margin and margin % from the ledger's project dimension."""
    params = Params(start=window.start, end=window.end, by=by, filters=named(scenario=scenario))
    return await respond(request, keel, "margins", params)


@router.get(
    "/budget-burn", response_model=schemas.BudgetBurn, responses=JSON_OR_CSV, dependencies=[reads(*WORK), AS_CSV]
)
async def budget_burn(request: Request, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Per project: budget hours and money against approved hours, planned hours and cost to date."""
    return await respond(request, keel, "budget-burn", Params(as_of=as_of))


@router.get(
    "/utilisation", response_model=schemas.Utilisation, responses=JSON_OR_CSV, dependencies=[reads(*WORK), AS_CSV]
)
async def utilisation(
    request: Request,
    keel: KeelDep,
    window: RequiredWindow,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    scenario: Scenario = None,
) -> Response:
    """Billable hours / capacity per person, and planned against actual, for days worked from ``from``
    to ``to`` (time approved by ``as_of``, any time when omitted)."""
    params = Params(as_of=as_of, start=window.start, end=window.end, filters=named(scenario=scenario))
    return await respond(request, keel, "utilisation", params)


@router.get(
    "/work-in-progress",
    response_model=schemas.WorkInProgress,
    responses=JSON_OR_CSV,
    dependencies=[reads(*WORK), AS_CSV],
)
async def work_in_progress(request: Request, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Approved billable time not invoiced yet, at its bill rates."""
    return await respond(request, keel, "work-in-progress", Params(as_of=as_of))

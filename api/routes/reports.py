"""The accountant's reports and cash, as thin adapters over the query layer (``projections.queries``):
each route turns its parameters into ``Params``; ``api.answers.respond`` answers in JSON or CSV."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api import schemas
from api.answers import JSON_OR_CSV, json_bytes, respond, utc
from api.deps import (
    AS_CSV,
    FIRST_DAY,
    LAST_DAY,
    AsOf,
    Cursor,
    KeelDep,
    KnownAt,
    Limit,
    OptionalWindow,
    RequiredWindow,
    Scenario,
    reads,
)
from api.scenario_answers import compared
from api.schemas.scenarios import CashForecastComparison
from projections.queries import Params
from projections.queries.cash import FORECAST
from projections.queries.core import named
from projections.queries.finance import GL, OPEN

# for reports that answer everything unless asked for a page
OptionalLimit = Annotated[int | None, Query(ge=1, le=1000, description="Items per page; all of them when omitted")]
router = APIRouter(prefix="/v1/reports", tags=["reports"])

By = Annotated[Literal["week", "month"] | None, Query(description="Period length")]
ForecastLimit = Annotated[int, Query(ge=0, le=1000, description="Items per page (0: the periods alone)")]


@router.get(
    "/trial-balance", response_model=schemas.TrialBalance, responses=JSON_OR_CSV, dependencies=[reads(*GL), AS_CSV]
)
async def trial_balance(
    request: Request,
    keel: KeelDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    valuation: Annotated[
        Literal["transaction", "functional"], Query(description="Per transaction currency, or valued in the functional")
    ] = "transaction",
) -> Response:
    """Balance of every account as of a business date, as the books knew it at ``known_at``."""
    filters = (("valuation", valuation),) if valuation != "transaction" else ()
    return await respond(request, keel, "trial-balance", Params(as_of=as_of, filters=filters))


@router.get(
    "/receivables", response_model=schemas.Receivables, responses=JSON_OR_CSV, dependencies=[reads(*OPEN), AS_CSV]
)
async def receivables(
    request: Request,
    keel: KeelDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    cursor: Cursor = None,
    limit: OptionalLimit = None,
) -> Response:
    """Open receivables and unapplied credit per customer, as of a business date and as known at a
    moment: every customer's, or a page of ``limit`` by name; the totals count every customer."""
    return await respond(request, keel, "receivables", Params(as_of=as_of, cursor=cursor, limit=limit))


@router.get(
    "/profit-and-loss", response_model=schemas.ProfitAndLoss, responses=JSON_OR_CSV, dependencies=[reads(*GL), AS_CSV]
)
async def profit_and_loss(
    request: Request,
    keel: KeelDep,
    window: RequiredWindow,
    known_at: KnownAt = None,
    by: Annotated[Literal["cost_center", "month"] | None, Query(description="Break down by")] = None,
    scenario: Scenario = None,
) -> Response:
    """Income and expenses of a period in the functional currency (year-end closing entries left out)."""
    params = Params(start=window.start, end=window.end, by=by, filters=named(scenario=scenario))
    return await respond(request, keel, "profit-and-loss", params)


@router.get(
    "/balance-sheet", response_model=schemas.BalanceSheet, responses=JSON_OR_CSV, dependencies=[reads(*GL), AS_CSV]
)
async def balance_sheet(request: Request, keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Assets = liabilities + equity (with the result not yet closed), in the functional currency."""
    return await respond(request, keel, "balance-sheet", Params(as_of=as_of))


@router.get("/ageing/{kind}", response_model=schemas.Ageing, responses=JSON_OR_CSV, dependencies=[reads(*OPEN), AS_CSV])
async def ageing(
    request: Request,
    keel: KeelDep,
    kind: Annotated[Literal["receivables", "payables"], Path()],
    as_of: AsOf = None,
    known_at: KnownAt = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    """Open items by days overdue as of a date, a page at a time; the total (of every item)
    equals the balance-sheet figure."""
    params = Params(as_of=as_of, filters=(("kind", kind),), cursor=cursor, limit=limit)
    return await respond(request, keel, "ageing", params)


@router.get(
    "/ledger/{account}", response_model=schemas.AccountLedger, responses=JSON_OR_CSV, dependencies=[reads(*GL), AS_CSV]
)
async def account_ledger(
    request: Request,
    keel: KeelDep,
    account: Annotated[str, Path(pattern=r"^[0-9A-Za-z]{1,10}$")],
    window: RequiredWindow,
    known_at: KnownAt = None,
    cursor: Cursor = None,
    limit: OptionalLimit = None,
) -> Response:
    """General-ledger detail of one account with opening, running and closing balances: every entry
    of the window, or a page of ``limit`` entries opening at the balance before its first one."""
    params = Params(start=window.start, end=window.end, filters=(("account", account),), cursor=cursor, limit=limit)
    return await respond(request, keel, "ledger", params)


@router.get("/tax-summary", response_model=schemas.TaxSummary, responses=JSON_OR_CSV, dependencies=[reads(*GL), AS_CSV])
async def tax_summary(request: Request, keel: KeelDep, window: RequiredWindow, known_at: KnownAt = None) -> Response:
    """Output and input tax per tax code for a period, with their bases."""
    return await respond(request, keel, "tax-summary", Params(start=window.start, end=window.end))


@router.get(
    "/restatement", response_model=schemas.Restatement, responses=JSON_OR_CSV, dependencies=[reads(*GL), AS_CSV]
)
async def restatement(request: Request, keel: KeelDep, window: OptionalWindow, known_at: KnownAt = None) -> Response:
    """The books as of a closed period's last day (``to``) as known at its close, against as known
    now (or at ``known_at``), account by account, with the late events that explain each difference."""
    return await respond(request, keel, "restatement", Params(end=window.end))


@router.get(
    "/cash-flow", response_model=schemas.CashFlowReport, responses=JSON_OR_CSV, dependencies=[reads(*GL), AS_CSV]
)
async def cash_flow_report(
    request: Request, keel: KeelDep, window: RequiredWindow, by: By = None, known_at: KnownAt = None
) -> Response:
    """Money in and out of the bank per week or month, by source, with opening and closing balances."""
    return await respond(request, keel, "cash-flow", Params(start=window.start, end=window.end, by=by))


@router.get(
    "/cash-forecast",
    response_model=schemas.CashForecast,
    responses=JSON_OR_CSV,
    dependencies=[reads(*FORECAST), AS_CSV],
)
async def cash_forecast_report(
    request: Request,
    keel: KeelDep,
    window: OptionalWindow,
    as_of: AsOf = None,
    by: By = None,
    known_at: KnownAt = None,
    cursor: Cursor = None,
    limit: ForecastLimit = 100,
    scenario: Scenario = None,
) -> Response:
    """Expected cash from the day after ``as_of`` up to ``to``: open receivables at their due dates
    shifted by each customer's payment delay (finance's expected one where set, else the observed
    one), open payables, approved expense claims not
    yet reimbursed, committed labour, retainers, the weighted pipeline and planned costs (payroll,
    rent: ``/v1/planned-costs``). The periods sum every item; the items behind them come a page at
    a time."""
    params = Params(as_of=as_of, end=window.end, by=by, cursor=cursor, limit=limit, filters=named(scenario=scenario))
    return await respond(request, keel, "cash-forecast", params)


@router.get("/cash-forecast/compare", response_model=CashForecastComparison, dependencies=[reads(*FORECAST)])
async def cash_forecast_compared(
    keel: KeelDep,
    scenario: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="The what-if scenario")],
    window: OptionalWindow,
    compare: Annotated[
        str, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description='"base" (the books) or another scenario')
    ] = "base",
    as_of: AsOf = None,
    by: By = None,
    cursor: Cursor = None,
    limit: ForecastLimit = 100,
) -> Response:
    """The cash forecast with a scenario beside the same forecast of the books as known at the
    scenario's base (or with another scenario), and their difference per period: what the
    scenario's assumptions change, exactly."""
    params = Params(as_of=as_of, end=window.end, by=by, cursor=cursor, limit=limit, filters=named(scenario=scenario))
    found = await run_in_threadpool(compared, keel, "cash-forecast", params, compare)
    return Response(json_bytes(found), media_type="application/json")


@router.get(
    "/forecast-vs-actual",
    response_model=schemas.ForecastVsActual,
    responses=JSON_OR_CSV,
    dependencies=[reads(*FORECAST), AS_CSV],
)
async def forecast_vs_actual_report(
    request: Request,
    keel: KeelDep,
    as_of: Annotated[date, Query(ge=FIRST_DAY, le=LAST_DAY, description="The forecast's date")],
    window: OptionalWindow,
    by: By = None,
    forecast_known_at: Annotated[
        datetime | None, Query(description="When the forecast was made (default: the end of as_of, UTC)")
    ] = None,
    known_at: KnownAt = None,
) -> Response:
    """What the cash forecast said at a past moment against what went through the bank since, as
    known at ``known_at`` (a forecast made after it: the forecast as known then)."""
    made = (("forecast_known_at", utc(forecast_known_at).isoformat()),) if forecast_known_at else ()
    params = Params(as_of=as_of, end=window.end, by=by, filters=made)
    return await respond(request, keel, "forecast-vs-actual", params)

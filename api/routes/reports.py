from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api import schemas
from api.deps import AsOf, Cursor, KeelDep, KnownAt, Limit, as_of_or_today, reads, utc
from api.system import Keel
from ledger.errors import InvalidTransition, InvalidValue
from projections import cash_flow, reports
from projections.restatement import restatement as restated

router = APIRouter(prefix="/v1/reports", tags=["reports"])

Start = Annotated[
    date, Query(ge=date(1900, 1, 1), le=date(2999, 12, 31), description="First business date of the period")
]
End = Annotated[
    date | None, Query(ge=date(1900, 1, 1), le=date(2999, 12, 31), description="Last business date; today when omitted")
]
GL = ["general_ledger"]
OPEN = ["open_items", "documents"]  # open items, with their documents and parties
# what the forecast reads besides: delays, customers' terms, deals, people and projects
FORECAST = [*GL, *OPEN, "payment_delays", "customers", "crm", "work"]


@router.get("/trial-balance", response_model=schemas.TrialBalance, dependencies=[reads(*GL)])
def trial_balance(
    keel: KeelDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    valuation: Annotated[
        Literal["transaction", "functional"], Query(description="Per transaction currency, or valued in the functional")
    ] = "transaction",
) -> schemas.TrialBalance:
    """Balance of every account as of a business date, as the books knew it at ``known_at``."""
    functional = keel.functional_currency if valuation == "functional" else None
    tb = reports.trial_balance(keel.views, as_of_or_today(as_of), utc(known_at), functional)
    return schemas.TrialBalance.model_validate(tb, from_attributes=True)


@router.get("/receivables", response_model=schemas.Receivables, dependencies=[reads(*OPEN)])
def receivables(keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> schemas.Receivables:
    """Open receivables and unapplied credit per customer, as of a business date and as known at a moment."""
    rec = reports.receivables(keel.views, as_of_or_today(as_of), utc(known_at))
    return schemas.Receivables.model_validate(rec, from_attributes=True)


@router.get("/profit-and-loss", response_model=schemas.ProfitAndLoss, dependencies=[reads(*GL)])
def profit_and_loss(
    keel: KeelDep,
    start: Start,
    end: End = None,
    known_at: KnownAt = None,
    by: Annotated[Literal["cost_center", "month"] | None, Query(description="Break down by")] = None,
) -> schemas.ProfitAndLoss:
    """Income and expenses of a period in the functional currency (year-end closing entries left out)."""
    pnl = reports.profit_and_loss(keel.views, start, as_of_or_today(end), keel.functional_currency, utc(known_at), by)
    return schemas.ProfitAndLoss.model_validate(pnl, from_attributes=True)


@router.get("/balance-sheet", response_model=schemas.BalanceSheet, dependencies=[reads(*GL)])
def balance_sheet(keel: KeelDep, as_of: AsOf = None, known_at: KnownAt = None) -> schemas.BalanceSheet:
    """Assets = liabilities + equity (with the result not yet closed), in the functional currency."""
    bs = reports.balance_sheet(keel.views, as_of_or_today(as_of), keel.functional_currency, utc(known_at))
    return schemas.BalanceSheet.model_validate(bs, from_attributes=True)


@router.get("/ageing/{kind}", response_model=schemas.Ageing, dependencies=[reads(*OPEN)])
def ageing(
    keel: KeelDep,
    kind: Annotated[Literal["receivables", "payables"], Path()],
    as_of: AsOf = None,
    known_at: KnownAt = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> schemas.Ageing:
    """Open items by days overdue as of a date, a page at a time; the total (of every item)
    equals the balance-sheet figure."""
    day, moment = as_of_or_today(as_of), utc(known_at)
    result = reports.ageing(keel.views, kind, day, keel.functional_currency, moment, limit, cursor)
    return schemas.Ageing.model_validate(result, from_attributes=True)


@router.get("/ledger/{account}", response_model=schemas.AccountLedger, dependencies=[reads(*GL)])
def account_ledger(
    keel: KeelDep,
    account: Annotated[str, Path(pattern=r"^[0-9]{4}$")],
    start: Start,
    end: End = None,
    known_at: KnownAt = None,
) -> schemas.AccountLedger:
    """General-ledger detail of one account with opening, running and closing balances."""
    result = reports.account_ledger(
        keel.views, account, start, as_of_or_today(end), keel.functional_currency, utc(known_at)
    )
    return schemas.AccountLedger.model_validate(result, from_attributes=True)


@router.get("/tax-summary", response_model=schemas.TaxSummary, dependencies=[reads(*GL)])
def tax_summary(keel: KeelDep, start: Start, end: End = None, known_at: KnownAt = None) -> schemas.TaxSummary:
    """Output and input tax per tax code for a period, with their bases."""
    result = reports.tax_summary(keel.views, start, as_of_or_today(end), keel.functional_currency, utc(known_at))
    return schemas.TaxSummary.model_validate(result, from_attributes=True)


@router.get("/restatement", response_model=schemas.Restatement, dependencies=[reads(*GL)])
def restatement(
    keel: KeelDep,
    end: Annotated[date, Query(ge=date(1900, 1, 1), le=date(2999, 12, 31), description="The closed period's last day")],
    known_at: KnownAt = None,
) -> schemas.Restatement:
    """The books as of a closed period's end as known at its close, against as known now (or at
    ``known_at``), account by account, with the late events that explain each difference."""
    close = next(((d, p, t) for d, p, t in keel.app.closes() if d >= end), None)
    if close is None:
        raise InvalidTransition(f"no period ending on or after {end.isoformat()} was ever closed")
    _, position, closed_at = close
    moment = utc(known_at)
    found = restated(keel.views, end, closed_at, position, keel.functional_currency, moment)
    return schemas.Restatement(
        scope=schemas.Scope(as_of=end, known_at=moment, position=_read_position(keel), currency=found.currency),
        closed_at=found.closed_at,
        close_position=found.close_position,
        restated=found.restated,
        accounts=[schemas.RestatedAccount.model_validate(a, from_attributes=True) for a in found.accounts],
        late_events=[schemas.LateEvent.model_validate(e, from_attributes=True) for e in found.late_events],
    )


def _read_position(keel: Keel) -> int:
    return next((s.position for s in keel.engine.status() if s.name == "general_ledger"), 0)


By = Annotated[Literal["week", "month"], Query(description="Period length")]


def _cash_periods(periods: list[cash_flow.CashPeriod]) -> list[schemas.CashPeriod]:
    return [
        schemas.CashPeriod(
            start=p.start,
            end=p.end,
            inflow=p.inflow,
            outflow=p.outflow,
            net=p.net,
            opening=p.opening,
            closing=p.closing,
            detail=p.detail,
        )
        for p in periods
    ]


def _scope(scope: reports.ReportScope) -> schemas.Scope:
    return schemas.Scope.model_validate(scope, from_attributes=True)


@router.get("/cash-flow", response_model=schemas.CashFlowReport, dependencies=[reads(*GL)])
def cash_flow_report(
    keel: KeelDep,
    start: Start,
    end: End = None,
    by: By = "month",
    known_at: KnownAt = None,
) -> schemas.CashFlowReport:
    """Money in and out of the bank per week or month, by source, with opening and closing balances."""
    found = cash_flow.actual(keel.views, start, as_of_or_today(end), by, keel.functional_currency, utc(known_at))
    return schemas.CashFlowReport(scope=_scope(found.scope), by=by, periods=_cash_periods(found.periods))


@router.get("/cash-forecast", response_model=schemas.CashForecast, dependencies=[reads(*FORECAST)])
def cash_forecast_report(
    keel: KeelDep,
    end: Annotated[date, Query(ge=date(1900, 1, 1), le=date(2999, 12, 31), description="Forecast up to this day")],
    as_of: AsOf = None,
    by: By = "week",
    known_at: KnownAt = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=0, le=1000, description="Items per page (0: the periods alone)")] = 100,
) -> schemas.CashForecast:
    """Expected cash from the day after ``as_of``: open receivables at their due dates shifted by each
    customer's observed payment delay, open payables, approved expense claims not yet reimbursed,
    committed labour, retainers and the weighted pipeline. The periods sum every item; the items
    behind them come a page at a time."""
    day = as_of_or_today(as_of)
    if end <= day:
        raise InvalidValue(f"a forecast looks ahead: end {end.isoformat()} must come after {day.isoformat()}")
    found = cash_flow.forecast(keel.views, day, end, by, keel.functional_currency, utc(known_at), limit, cursor)
    return schemas.CashForecast(
        scope=_scope(found.scope),
        by=by,
        delays=found.delays,
        periods=_cash_periods(found.periods),
        items=[schemas.ForecastItem.model_validate(i, from_attributes=True) for i in found.items],
        item_count=found.item_count,
        next_cursor=found.next_cursor,
    )


@router.get("/forecast-vs-actual", response_model=schemas.ForecastVsActual, dependencies=[reads(*FORECAST)])
def forecast_vs_actual_report(
    keel: KeelDep,
    as_of: Annotated[date, Query(ge=date(1900, 1, 1), le=date(2999, 12, 31), description="The forecast's date")],
    end: End = None,
    by: By = "week",
    forecast_known_at: Annotated[
        datetime | None, Query(description="When the forecast was made (default: the end of as_of, UTC)")
    ] = None,
) -> schemas.ForecastVsActual:
    """What the cash forecast said at a past moment against what went through the bank since."""
    until = as_of_or_today(end)
    if until <= as_of:
        raise InvalidValue(f"end {until.isoformat()} must come after as_of {as_of.isoformat()}")
    made = utc(forecast_known_at) or datetime.combine(as_of, time.max, tzinfo=UTC)
    found = cash_flow.forecast_vs_actual(keel.views, as_of, until, by, keel.functional_currency, made)
    return schemas.ForecastVsActual(
        scope=_scope(found.scope),
        by=by,
        forecast_known_at=found.forecast_known_at,
        periods=[schemas.ForecastVsActualPeriod.model_validate(p, from_attributes=True) for p in found.periods],
    )

"""Cash as queries: actual cash flow, the forecast and the forecast against what happened."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

from ledger.errors import InvalidValue
from projections.cash import actuals, forecasts
from projections.cash.planned_costs import PlannedCostView, planned_costs
from projections.engine.db import ViewDatabase
from projections.queries.core import Books, Params, Query, Table, columns
from projections.queries.finance import GL, OPEN, page_notes, scope_notes
from projections.queries.lists import Listing, _as_known, reached

# what the forecast reads besides the ledger: delays, customers' terms, deals, people and projects
FORECAST = (*GL, *OPEN, "payment_delays", "customers", "crm", "work", "planned_costs", "expected_delays")
PERIOD_COLUMNS = columns(
    "start:date",
    "end:date",
    "currency",
    "opening:amount",
    "inflow:amount",
    "outflow:amount",
    "net:amount",
    "closing:amount",
)


def _by(p: Params) -> str:
    if p.by not in ("week", "month"):
        raise InvalidValue(f"by: week or month, not {p.by!r}")
    return p.by


def _period_rows(periods: list[actuals.CashPeriod], currency: str) -> list[list[Any]]:
    return [[c.start, c.end, currency, c.opening, c.inflow, c.outflow, c.net, c.closing] for c in periods]


def _actual(views: ViewDatabase, books: Books, p: Params) -> actuals.CashFlow:
    assert p.start is not None and p.end is not None
    return actuals.actual(views, p.start, p.end, _by(p), books.functional_currency, p.known_at)


def _actual_table(found: actuals.CashFlow, _: Params) -> Table:
    currency = found.scope.currency or ""
    return Table(
        f"Cash flow by {found.by}", PERIOD_COLUMNS, _period_rows(found.periods, currency), (), scope_notes(found.scope)
    )


def _forecast_defaults(p: Params, today: date) -> Params:
    if p.end is None:
        raise InvalidValue("to: the last day to forecast is required")
    as_of = p.as_of or today
    if p.end <= as_of:
        raise InvalidValue(f"a forecast looks ahead: to {p.end.isoformat()} must come after {as_of.isoformat()}")
    return replace(p, as_of=as_of, by=p.by or "week")


def _forecast(views: ViewDatabase, books: Books, p: Params) -> forecasts.Forecast:
    assert p.as_of is not None and p.end is not None and p.limit is not None
    by = _by(p)
    return forecasts.forecast(views, p.as_of, p.end, by, books.functional_currency, p.known_at, p.limit, p.cursor)


def _forecast_table(found: forecasts.Forecast, p: Params) -> Table:
    currency = found.scope.currency or ""
    scope = found.scope
    notes = [
        ("as of", scope.as_of.isoformat()),
        ("up to", p.end.isoformat() if p.end else ""),
        ("known at", scope.known_at.isoformat() if scope.known_at else "now"),
        ("log position", str(scope.position)),
        *page_notes(found.item_count, found.next_cursor),
    ]
    return Table(f"Cash forecast by {found.by}", PERIOD_COLUMNS, _period_rows(found.periods, currency), (), notes)


def _versus_defaults(p: Params, today: date) -> Params:
    if p.as_of is None:
        raise InvalidValue("as_of: the forecast's date is required")
    end = p.end or today
    if end <= p.as_of:
        raise InvalidValue(f"to {end.isoformat()} must come after as_of {p.as_of.isoformat()}")
    made = p.filter("forecast_known_at") or datetime.combine(p.as_of, time.max, tzinfo=UTC).isoformat()
    if p.known_at is not None and _moment(made) > p.known_at:  # a forecast made later was not known then
        made = p.known_at.isoformat()
    filters = (*((k, v) for k, v in p.filters if k != "forecast_known_at"), ("forecast_known_at", made))
    return replace(p, end=end, by=p.by or "week", filters=filters)


def _moment(text: str) -> datetime:
    made = datetime.fromisoformat(text)
    return made.replace(tzinfo=UTC) if made.tzinfo is None else made.astimezone(UTC)


def _versus(views: ViewDatabase, books: Books, p: Params) -> forecasts.ForecastVsActual:
    assert p.as_of is not None and p.end is not None
    made = _moment(p.filter("forecast_known_at") or "")
    currency = books.functional_currency
    return forecasts.forecast_vs_actual(views, p.as_of, p.end, _by(p), currency, made, p.known_at)


def _versus_table(found: forecasts.ForecastVsActual, _: Params) -> Table:
    currency = found.scope.currency or ""
    return Table(
        f"Forecast vs actual by {found.by}",
        columns("start:date", "end:date", "currency", "forecast_net:amount", "actual_net:amount", "difference:amount"),
        [[p.start, p.end, currency, p.forecast_net, p.actual_net, p.difference] for p in found.periods],
        (),
        [*scope_notes(found.scope), ("forecast made", found.forecast_known_at.isoformat())],
    )


def _month_by_default(p: Params, _: date) -> Params:
    return replace(p, by=p.by or "month")


def _planned(views: ViewDatabase, _: Books, p: Params) -> Listing[PlannedCostView]:
    with views.read() as cur:
        position = reached(cur, "planned_costs")
    assert p.as_of is not None
    return Listing(planned_costs(views, p.as_of, p.known_at), None, position)


def _planned_table(found: Listing[PlannedCostView], p: Params) -> Table:
    assert p.as_of is not None
    return Table(
        "Planned costs",
        columns(
            "name", "cost_center", "currency", "amount:amount", "frequency", "pay_day:number", "start:date", "end:date"
        ),
        [
            [c.name, c.cost_center or "", c.currency, c.amount_on(p.as_of), c.frequency, c.pay_day, c.start, c.end]
            for c in found.items
        ],
        (),
        [*_as_known(p), ("amount", "a payment's, in force on the as-of date (none before the start or after the end)")],
    )


CASH: list[Query[Any]] = [
    Query("cash-flow", GL, _actual, _actual_table, window="required", defaults=_month_by_default),
    Query(
        "cash-forecast", FORECAST, _forecast, _forecast_table, window="custom", defaults=_forecast_defaults, paged=True
    ),
    Query("forecast-vs-actual", FORECAST, _versus, _versus_table, window="custom", defaults=_versus_defaults),
    Query("planned-costs", ("planned_costs",), _planned, _planned_table),
]

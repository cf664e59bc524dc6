"""The accountant's reports, the restatement and cash: their JSON shapes, derived from the read
side's dataclasses (``api.schemas.derive``); what HTTP adds is said here: descriptions, ``Literal``
choices, where a computed value stands."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.schemas.base import Out, Report
from api.schemas.derive import Partial, derived
from projections.cash import actuals, forecasts
from projections.crm.reports import CrmScope
from projections.finance import detail, reports, restatement
from projections.finance.scope import ReportScope

# -- reports --------------------------------------------------------------------------

# One scope for every report; the CRM's has no currency, and its documents none
Scope = derived(
    ReportScope,
    name="Scope",
    base=Partial,
    also=(CrmScope,),
    describe={
        "position": "Log position the read model had reached",
        "currency": "Reporting currency (the functional one) where it applies",
    },
)
TrialBalanceRow = derived(reports.TrialBalanceRow)
GroupTotal = derived(reports.GroupTotal)
StatementGroup = derived(reports.StatementGroup)
CurrencyTotal = derived(reports.CurrencyTotal)
TrialBalance = derived(reports.TrialBalance, base=Report, after={"balanced": "scope"})
ReceivableRow = derived(reports.ReceivableRow)
Receivables = derived(reports.Receivables, base=Report)
StatementLine = derived(reports.StatementLine)
ProfitAndLoss = derived(reports.ProfitAndLoss, base=Report)
BalanceSheet = derived(reports.BalanceSheet, base=Report)
AgeingItem = derived(detail.AgeingItem)
Ageing = derived(
    detail.Ageing,
    base=Report,
    narrow={"kind": Literal["receivables", "payables"]},
    after={"items": "buckets"},
    describe={
        "total": "Of every open item, on every page",
        "buckets": "Open value by days overdue, of every open item",
        "items": "One page of the open items, by party name, due date and number",
        "item_count": "How many open items the total counts",
        "next_cursor": "Opaque; pass it back as `cursor` for the next page of items",
    },
)
LedgerEntry = derived(detail.LedgerEntry)
AccountLedger = derived(detail.AccountLedger, base=Report, after={"closing": "opening"})
TaxLine = derived(detail.TaxLine)
TaxSummary = derived(detail.TaxSummary, base=Report)


# Kept as declared: the engine's ``Status`` holds its failure as one object, the API flattens it.
class ProjectionStatus(Out):
    name: str
    position: int
    head: int
    lag: int
    updated_at: datetime | None
    events_per_second: float | None = Field(None, description="Folding speed over the last page")
    healthy: bool = Field(True, description="False while it is stopped at an event it cannot fold")
    failed_position: int | None = Field(None, description="The log position of the event it is stopped at")
    failed_event: str | None = Field(None, description="That event: aggregate id, version and topic")
    error: str | None = Field(None, description="Why it could not fold it")
    failed_at: datetime | None = None


# -- restatement -----------------------------------------------------------------------

RestatedAccount = derived(
    restatement.RestatedAccount,
    describe={
        "at_close": "Balance as of the period's end, as known when it was closed",
        "now": "The same balance as known now (or at known_at)",
        "explained_by": "Positions of the late events that changed it",
    },
)
LateLine = derived(restatement.LateLine)
LateEvent = derived(
    restatement.LateEvent,
    after={"memo": "event_topic"},
    describe={
        "source_id": "The aggregate whose event posted it: see /v1/aggregates/{id}/history",
        "memo": "What its journal says it is, e.g. the bill's number and its supplier",
    },
)
Restatement = derived(
    restatement.Restatement,
    base=Report,
    after={"restated": "close_position"},
    exclude=("end", "known_at", "currency"),  # the scope says them
    describe={
        "closed_at": "When the close of the period was recorded",
        "restated": "Whether anything changed since the close",
    },
)

# -- cash flow --------------------------------------------------------------------------

Period = Literal["week", "month"]
CashPeriod = derived(
    actuals.CashPeriod,
    after={"net": "outflow"},
    describe={"detail": "Net by source (payment, supplierpayment, receivable, …)"},
)
CashFlowReport = derived(actuals.CashFlow, name="CashFlowReport", base=Report, narrow={"by": Period})
ForecastItem = derived(
    forecasts.ForecastItem,
    narrow={
        "source": Literal["receivable", "payable", "expense_claim", "labour", "retainer", "pipeline", "planned_cost"]
    },
    exclude=("tiebreak", "key"),  # the items' order, and what a cursor holds
    describe={
        "expected_on": "When the cash is expected: a receivable's due date shifted by its customer's payment delay"
        " (finance's expected one where set, else the observed one), never before the day after as_of",
        "amount": "Signed: money in is positive",
    },
)
CashForecast = derived(
    forecasts.Forecast,
    name="CashForecast",
    base=Report,
    narrow={"by": Period},
    describe={
        "delays": "Customer id -> the days after the due dates the forecast expects their payments (finance's"
        " expected delay where set, else the observed average), for the customers on this page of items",
        "items": "One page of the items behind the periods, by expected day",
        "item_count": "How many items the periods count, on every page",
        "next_cursor": "Opaque; pass it back as `cursor` for the next page of items",
    },
)
ForecastVsActualPeriod = derived(forecasts.ForecastVsActualPeriod, describe={"difference": "Actual less forecast"})
ForecastVsActual = derived(forecasts.ForecastVsActual, base=Report, narrow={"by": Period})

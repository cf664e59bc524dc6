"""The accountant's reports, the restatement and cash: their JSON shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from api.schemas.base import DecimalStr, Out, Report

# -- reports --------------------------------------------------------------------------


class Scope(Out):
    as_of: date
    known_at: datetime | None
    position: int = Field(description="Log position the read model had reached")
    start: date | None = None
    currency: str | None = Field(None, description="Reporting currency (the functional one) where it applies")


class TrialBalanceRow(Out):
    account: str
    name: str
    type: str
    currency: str
    debit: DecimalStr
    credit: DecimalStr


class CurrencyTotal(Out):
    currency: str
    debit: DecimalStr
    credit: DecimalStr
    balanced: bool


class TrialBalance(Report):
    scope: Scope
    balanced: bool
    rows: list[TrialBalanceRow]
    totals: list[CurrencyTotal]


class ReceivableRow(Out):
    customer_id: str
    customer_name: str
    currency: str
    receivable: DecimalStr
    credit: DecimalStr
    net: DecimalStr


class Receivables(Report):
    scope: Scope
    rows: list[ReceivableRow]
    totals: dict[str, DecimalStr]


class StatementLine(Out):
    account: str
    name: str
    group: str
    amount: DecimalStr


class ProfitAndLoss(Report):
    scope: Scope
    by: str | None
    income: list[StatementLine]
    expenses: list[StatementLine]
    total_income: DecimalStr
    total_expenses: DecimalStr
    result: DecimalStr


class BalanceSheet(Report):
    scope: Scope
    assets: list[StatementLine]
    liabilities: list[StatementLine]
    equity: list[StatementLine]
    unclosed_result: DecimalStr
    total_assets: DecimalStr
    total_liabilities: DecimalStr
    total_equity: DecimalStr
    balanced: bool


class AgeingItem(Out):
    document_id: str
    number: str
    party_id: str
    party_name: str
    currency: str
    due_date: date
    days_overdue: int
    bucket: str
    open_amount: DecimalStr
    open_value: DecimalStr


class Ageing(Report):
    scope: Scope
    kind: Literal["receivables", "payables"]
    total: DecimalStr = Field(description="Of every open item, on every page")
    buckets: dict[str, DecimalStr] = Field(description="Open value by days overdue, of every open item")
    items: list[AgeingItem] = Field(description="One page of the open items, by party name, due date and number")
    item_count: int = Field(description="How many open items the total counts")
    next_cursor: str | None = Field(description="Opaque; pass it back as `cursor` for the next page of items")


class LedgerEntry(Out):
    effective_date: date
    position: int
    memo: str
    currency: str
    amount: DecimalStr
    value: DecimalStr
    balance: DecimalStr
    document_id: str | None
    party_id: str | None


class AccountLedger(Report):
    scope: Scope
    account: str
    name: str
    opening: DecimalStr
    closing: DecimalStr
    entries: list[LedgerEntry]


class TaxLine(Out):
    tax_code: str
    sales_base: DecimalStr
    output_tax: DecimalStr
    purchases_base: DecimalStr
    input_tax: DecimalStr
    net_payable: DecimalStr


class TaxSummary(Report):
    scope: Scope
    lines: list[TaxLine]
    net_payable: DecimalStr


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


class RestatedAccount(Out):
    account: str
    name: str
    type: str
    at_close: DecimalStr = Field(description="Balance as of the period's end, as known when it was closed")
    now: DecimalStr = Field(description="The same balance as known now (or at known_at)")
    difference: DecimalStr
    explained_by: list[int] = Field(description="Positions of the late events that changed it")


class LateLine(Out):
    account: str
    value: DecimalStr


class LateEvent(Out):
    position: int
    recorded_at: datetime
    effective_date: date
    source_id: str = Field(description="The aggregate whose event posted it: see /v1/aggregates/{id}/history")
    event_topic: str
    memo: str = Field(description="What its journal says it is, e.g. the bill's number and its supplier")
    lines: list[LateLine]


class Restatement(Report):
    scope: Scope
    closed_at: datetime = Field(description="When the close of the period was recorded")
    close_position: int
    restated: bool = Field(description="Whether anything changed since the close")
    accounts: list[RestatedAccount]
    late_events: list[LateEvent]


# -- cash flow --------------------------------------------------------------------------


class CashPeriod(Out):
    start: date
    end: date
    inflow: DecimalStr
    outflow: DecimalStr
    net: DecimalStr
    opening: DecimalStr
    closing: DecimalStr
    detail: dict[str, DecimalStr] = Field(description="Net by source (payment, supplierpayment, receivable, …)")


class CashFlowReport(Report):
    scope: Scope
    by: Literal["week", "month"]
    periods: list[CashPeriod]


class ForecastItem(Out):
    source: Literal["receivable", "payable", "expense_claim", "labour", "retainer", "pipeline"]
    document_id: str
    party_id: str
    party_name: str
    due_date: date | None
    expected_on: date = Field(description="The due date shifted by the customer's observed payment delay")
    amount: DecimalStr = Field(description="Signed: money in is positive")


class CashForecast(Report):
    scope: Scope
    by: Literal["week", "month"]
    delays: dict[str, DecimalStr] = Field(description="Customer id -> average days paid after the due date")
    periods: list[CashPeriod]
    items: list[ForecastItem] = Field(description="One page of the items behind the periods, by expected day")
    item_count: int = Field(description="How many items the periods count, on every page")
    next_cursor: str | None = Field(description="Opaque; pass it back as `cursor` for the next page of items")


class ForecastVsActualPeriod(Out):
    start: date
    end: date
    forecast_net: DecimalStr
    actual_net: DecimalStr
    difference: DecimalStr = Field(description="Actual less forecast")


class ForecastVsActual(Report):
    scope: Scope
    by: Literal["week", "month"]
    forecast_known_at: datetime
    periods: list[ForecastVsActualPeriod]

"""Cash actuals: money in and out of the bank per week or month, with the opening and closing
balances, read from the general ledger on both time axes (values in the functional currency); and
the periods and bank balance the forecast shares.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from ledger.errors import InvalidValue
from ledger.money import from_minor
from ledger.policy import check_window
from ledger.roles import Role
from projections.engine.db import ViewDatabase
from projections.engine.sql import as_date
from projections.finance.general_ledger import account_balances, accounts_of
from projections.finance.scope import ReportScope, read_position

PERIODS = ("week", "month")


def period_of(day: date, by: str) -> tuple[date, date]:
    if by == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


MAX_PERIODS = 520  # ten years of weeks


def periods_between(start: date, end: date, by: str) -> list[tuple[date, date]]:
    if by not in PERIODS:
        raise ValueError(f"cash flow is by week or month, not {by!r}")
    if end < start:
        raise InvalidValue(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    if (end - start).days > MAX_PERIODS * (7 if by == "week" else 28):
        raise InvalidValue(f"at most {MAX_PERIODS} {by}s at a time; narrow the dates or count by month")
    found, day = [], start
    while day <= end:
        period = period_of(day, by)
        found.append(period)
        day = period[1] + timedelta(days=1)
    return found


@dataclass
class CashPeriod:
    start: date
    end: date
    inflow: Decimal
    outflow: Decimal
    opening: Decimal
    closing: Decimal
    detail: dict[str, Decimal] = field(default_factory=dict)  # by source, signed

    @property
    def net(self) -> Decimal:
        return self.inflow - self.outflow


@dataclass(frozen=True)
class CashFlow:
    scope: ReportScope
    by: str
    periods: list[CashPeriod]


def in_currency(minor: int, currency: str) -> Decimal:
    return from_minor(int(minor), currency)


def bank_balance(db: ViewDatabase, before: date, known_at: datetime | None, currency: str) -> Decimal:
    with db.read() as cur:
        banks = accounts_of(cur, Role.BANK.value)  # every account money went through as the bank
        balances = account_balances(cur, before - timedelta(days=1), known_at, banks) if banks else []
    return in_currency(sum(value for *_, value in balances), currency)


def _source(topic: str) -> str:
    """keel.payment.Received.v1 -> payment."""
    parts = topic.split(".")
    return parts[1] if len(parts) > 2 else topic


def actual(
    db: ViewDatabase, start: date, end: date, by: str, currency: str, known_at: datetime | None = None
) -> CashFlow:
    """Money in and out of the bank per week or month, with the opening and closing balances."""
    check_window(start, end)
    periods = periods_between(start, end, by)
    first = periods[0][0]
    known_sql, known_params = ("AND recorded_at <= %s", [known_at]) if known_at else ("", [])
    with db.read() as cur:
        banks = accounts_of(cur, Role.BANK.value) or [""]
        marks = ", ".join(["%s"] * len(banks))
        # Summed per day and kind of event in SQL: a quarter of bank lines is thousands of rows.
        cur.execute(
            "SELECT effective_date, event_topic, SUM(CASE WHEN value_minor > 0 THEN value_minor ELSE 0 END),"
            " SUM(CASE WHEN value_minor < 0 THEN value_minor ELSE 0 END) FROM gl_lines"
            f" WHERE account IN ({marks}) AND effective_date >= %s AND effective_date <= %s {known_sql}"
            " GROUP BY effective_date, event_topic",
            [*banks, first, periods[-1][1], *known_params],
        )
        rows = cur.fetchall()
        position = read_position(cur)
    balance = bank_balance(db, first, known_at, currency)
    result = []
    by_period: dict[date, list[tuple[str, int, int]]] = defaultdict(list)
    for effective, topic, money_in, money_out in rows:
        day = as_date(effective)
        assert day is not None
        by_period[period_of(day, by)[0]].append((_source(topic), int(money_in), int(money_out)))
    for period_start, period_end in periods:
        moves = by_period.get(period_start, [])
        inflow = in_currency(sum(m_in for _, m_in, _ in moves), currency)
        outflow = -in_currency(sum(m_out for _, _, m_out in moves), currency)
        detail: dict[str, int] = defaultdict(int)
        for source, m_in, m_out in moves:
            detail[source] += m_in + m_out
        opening, balance = balance, balance + inflow - outflow
        by_source = {source: in_currency(minor, currency) for source, minor in sorted(detail.items())}
        result.append(CashPeriod(period_start, period_end, inflow, outflow, opening, balance, by_source))
    return CashFlow(ReportScope(end, known_at, position, start=start, currency=currency), by, result)

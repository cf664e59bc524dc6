"""Cash flow: what moved through the bank (actuals), what is expected to (forecast), and how a
past forecast compares with what happened since.

Everything is read from the general ledger with both time axes, so a forecast "as of D, known
at K" is exactly what the books could have forecast then. Values are in the functional currency.

The forecast's sources, each dated when the cash is expected:
- receivables: every open invoice at its due date shifted by its customer's observed payment
  delay (the amount-weighted average days between due date and payment, over the payments
  known then; customers without history pay on time); overdue items are expected at once;
- payables: every open bill at its due date;
- expense claims approved and not yet reimbursed: at once;
- committed labour: the hours allocated to the weeks ahead at each person's cost rate in force
  that week, going out at the week's end;
- retainers: each month of an active retainer not billed yet (months after ``as_of``), fee plus
  tax, paid at the customer's terms and observed delay after the month starts;
- the pipeline: each open deal's probability-weighted value (net of tax), paid at the customer's
  terms and delay after its expected close.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from ledger.accounts import BANK, EMPLOYEE_PAYABLE
from ledger.errors import InvalidValue
from ledger.money import Money, from_minor
from projections.crm_reports import deals_as_of
from projections.customers import payment_terms
from projections.db import ViewDatabase, as_date
from projections.general_ledger import account_balances
from projections.reports import ReportScope, _position, ageing
from projections.spans import spans_at
from projections.work_reports import planned_hours

PERIODS = ("week", "month")


def period_of(day: date, by: str) -> tuple[date, date]:
    if by == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


MAX_PERIODS = 520  # ten years of weeks


def _periods(start: date, end: date, by: str) -> list[tuple[date, date]]:
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


def _money(minor: int, currency: str) -> Decimal:
    return from_minor(int(minor), currency)


def _bank_balance(db: ViewDatabase, before: date, known_at: datetime | None, currency: str) -> Decimal:
    with db.read() as cur:
        balances = account_balances(cur, before - timedelta(days=1), known_at, [BANK])
    return _money(sum(value for *_, value in balances), currency)


def _source(topic: str) -> str:
    """keel.payment.Received.v1 -> payment."""
    parts = topic.split(".")
    return parts[1] if len(parts) > 2 else topic


def actual(
    db: ViewDatabase, start: date, end: date, by: str, currency: str, known_at: datetime | None = None
) -> CashFlow:
    """Money in and out of the bank per week or month, with the opening and closing balances."""
    periods = _periods(start, end, by)
    first = periods[0][0]
    known_sql, known_params = ("AND recorded_at <= %s", [known_at]) if known_at else ("", [])
    with db.read() as cur:
        # Summed per day and kind of event in SQL: a quarter of bank lines is thousands of rows.
        cur.execute(
            "SELECT effective_date, event_topic, SUM(CASE WHEN value_minor > 0 THEN value_minor ELSE 0 END),"
            " SUM(CASE WHEN value_minor < 0 THEN value_minor ELSE 0 END) FROM gl_lines"
            f" WHERE account = %s AND effective_date >= %s AND effective_date <= %s {known_sql}"
            " GROUP BY effective_date, event_topic",
            [BANK, first, periods[-1][1], *known_params],
        )
        rows = cur.fetchall()
        position = _position(cur)
    balance = _bank_balance(db, first, known_at, currency)
    result = []
    by_period: dict[date, list[tuple[str, int, int]]] = defaultdict(list)
    for effective, topic, money_in, money_out in rows:
        day = as_date(effective)
        assert day is not None
        by_period[period_of(day, by)[0]].append((_source(topic), int(money_in), int(money_out)))
    for period_start, period_end in periods:
        moves = by_period.get(period_start, [])
        inflow = _money(sum(m_in for _, m_in, _ in moves), currency)
        outflow = -_money(sum(m_out for _, _, m_out in moves), currency)
        detail: dict[str, int] = defaultdict(int)
        for source, m_in, m_out in moves:
            detail[source] += m_in + m_out
        opening, balance = balance, balance + inflow - outflow
        by_source = {source: _money(minor, currency) for source, minor in sorted(detail.items())}
        result.append(CashPeriod(period_start, period_end, inflow, outflow, opening, balance, by_source))
    return CashFlow(ReportScope(end, known_at, position, start=start, currency=currency), by, result)


def payment_delays(db: ViewDatabase, as_of: date, known_at: datetime | None = None) -> dict[str, Decimal]:
    """Per customer: the amount-weighted average days payments on invoices came after the due
    date, over the payments dated by ``as_of`` and known at ``known_at`` (kept as running sums
    by the open-items read model)."""
    with db.read() as cur:
        where, params = spans_at(cur, as_of, known_at)
        cur.execute(f"SELECT party_id, paid_minor, late_minor_days FROM payment_delays WHERE {where}", params)
        rows = cur.fetchall()
    return {
        str(party): (Decimal(int(late)) / int(paid)).quantize(Decimal("0.1")) for party, paid, late in rows if int(paid)
    }


@dataclass(frozen=True)
class ForecastItem:
    source: str  # receivable, payable, expense_claim, labour, retainer (project) or pipeline (deal)
    document_id: str
    party_id: str
    party_name: str
    due_date: date | None
    expected_on: date
    amount: Decimal  # signed: money in positive


@dataclass(frozen=True)
class Forecast:
    scope: ReportScope
    by: str
    delays: dict[str, Decimal]
    periods: list[CashPeriod]
    items: list[ForecastItem]


def _employee_claims(
    db: ViewDatabase, as_of: date, expected: date, known_at: datetime | None, currency: str
) -> list[ForecastItem]:
    with db.read() as cur:
        where, params = spans_at(cur, as_of, known_at)
        cur.execute(
            "SELECT document_id, MIN(party_id), SUM(value_minor) FROM open_items"
            f" WHERE account = %s AND document_id IS NOT NULL AND {where}"
            " GROUP BY document_id HAVING SUM(value_minor) <> 0",
            [EMPLOYEE_PAYABLE, *params],
        )
        rows = cur.fetchall()
    return [
        ForecastItem("expense_claim", str(doc), str(party or ""), str(party or ""), None, expected, _money(v, currency))
        for doc, party, v in rows
    ]


def _committed_labour(
    db: ViewDatabase, as_of: date, start: date, end: date, known_at: datetime | None, currency: str
) -> list[ForecastItem]:
    """Allocated hours of the weeks ahead at each person's cost rate, going out at the week's end."""
    known_sql, known_params = ("AND recorded_at <= %s", [known_at]) if known_at else ("", [])
    with db.read() as cur:
        planned = planned_hours(cur, as_of, known_at)
        cur.execute(
            "SELECT handle, cost_rate, effective_date FROM people_terms"
            f" WHERE effective_date <= %s {known_sql} ORDER BY handle, effective_date, position",
            [end, *known_params],
        )
        rates: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
        for handle, rate, effective in cur.fetchall():
            day = as_date(effective)
            assert day is not None
            rates[handle].append((day, Decimal(rate)))
    items = []
    for project_id, person, week, hours in planned:
        monday = as_date(week)
        assert monday is not None
        payday = monday + timedelta(days=6)
        in_force = [rate for since, rate in rates.get(person, []) if since <= monday]
        if not start <= payday <= end or not in_force:
            continue
        cost = Money(Decimal(hours) * in_force[-1], currency).rounded().amount
        items.append(ForecastItem("labour", str(project_id), str(person), str(person), None, payday, -cost))
    return items


def _terms_days(db: ViewDatabase, as_of: date, known_at: datetime | None) -> dict[str, int]:
    with db.read() as cur:
        return payment_terms(cur, as_of, known_at)


def _shifted(day: date, customer: str, terms: dict[str, int], delays: dict[str, Decimal]) -> date:
    delay = delays.get(customer, Decimal(0)).to_integral_value()
    return day + timedelta(days=terms.get(customer, 30) + int(delay))


def _retainers(
    db: ViewDatabase,
    as_of: date,
    end: date,
    currency: str,
    known_at: datetime | None,
    terms: dict[str, int],
    delays: dict[str, Decimal],
) -> list[ForecastItem]:
    """Months of retainers active on ``as_of`` (as known at ``known_at``) not billed yet (those
    starting after as_of), paid at the customer's terms and delay."""
    known, params = (" AND recorded_at <= %s", [known_at]) if known_at else ("", [])
    with db.read() as cur:
        cur.execute(
            "SELECT id, customer_id, name, start_date, end_date, monthly_fee_minor, tax_percent FROM"
            " (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY effective_date DESC, position DESC) AS n"
            f" FROM project_states WHERE effective_date <= %s{known}) AS p"
            " WHERE n = 1 AND model = 'retainer' AND status = 'active' AND currency = %s",
            [as_of, *params, currency],
        )
        rows = cur.fetchall()
    items = []
    for project_id, customer, name, start, finish, fee, tax in rows:
        first, last = as_date(start), as_date(finish) or end
        assert first is not None
        gross = Money.from_minor(int(fee or 0), currency).amount * (100 + Decimal(tax or 0)) / 100
        month = period_of(max(first, as_of + timedelta(days=1)), "month")[0]
        if month <= as_of:
            month = period_of(month + timedelta(days=32), "month")[0]
        while month <= min(last, end):
            expected = _shifted(month, str(customer), terms, delays)
            if expected <= end:
                amount = Money(gross, currency).rounded().amount
                items.append(ForecastItem("retainer", str(project_id), str(customer), name, month, expected, amount))
            month = period_of(month + timedelta(days=32), "month")[0]
    return items


def _pipeline(
    db: ViewDatabase,
    as_of: date,
    end: date,
    currency: str,
    known_at: datetime | None,
    terms: dict[str, int],
    delays: dict[str, Decimal],
) -> list[ForecastItem]:
    """Open deals at their probability-weighted value (net), paid after the expected close at the
    customer's terms and delay. Deals without an expected close, or in another currency, are left out."""
    items = []
    where = "status = 'open' AND expected_close IS NOT NULL AND currency = %s"
    for deal in deals_as_of(db, as_of, known_at, where, [currency]):
        assert deal.expected_close is not None
        expected = max(as_of + timedelta(days=1), _shifted(deal.expected_close, deal.customer_id, terms, delays))
        if expected <= end and (weighted := deal.weighted):
            item = ("pipeline", deal.deal_id, deal.customer_id, deal.title, deal.expected_close, expected)
            items.append(ForecastItem(*item, weighted))
    return items


def forecast(
    db: ViewDatabase, as_of: date, end: date, by: str, currency: str, known_at: datetime | None = None
) -> Forecast:
    """Expected cash per period from the day after ``as_of`` to ``end``, from what the books knew
    at ``known_at``; the opening balance is the bank as of ``as_of``."""
    tomorrow = as_of + timedelta(days=1)
    periods = _periods(tomorrow, end, by)
    delays = payment_delays(db, as_of, known_at)
    items: list[ForecastItem] = []
    for item in ageing(db, "receivables", as_of, currency, known_at).items:
        delay = delays.get(item.party_id, Decimal(0))
        expected = max(tomorrow, item.due_date + timedelta(days=int(delay.to_integral_value())))
        receivable = ("receivable", item.document_id, item.party_id, item.party_name, item.due_date)
        items.append(ForecastItem(*receivable, expected, item.open_value))
    for item in ageing(db, "payables", as_of, currency, known_at).items:
        expected = max(tomorrow, item.due_date)
        payable = ("payable", item.document_id, item.party_id, item.party_name, item.due_date)
        items.append(ForecastItem(*payable, expected, -item.open_value))
    items += _employee_claims(db, as_of, tomorrow, known_at, currency)
    items += _committed_labour(db, as_of, tomorrow, periods[-1][1], known_at, currency)
    terms = _terms_days(db, as_of, known_at)
    items += _retainers(db, as_of, periods[-1][1], currency, known_at, terms, delays)
    items += _pipeline(db, as_of, periods[-1][1], currency, known_at, terms, delays)
    items.sort(key=lambda i: (i.expected_on, i.source, i.document_id))
    zero = Money.zero(currency).amount
    balance = _bank_balance(db, tomorrow, known_at, currency)
    result = []
    expected_in: dict[date, list[ForecastItem]] = defaultdict(list)
    for i in items:
        expected_in[period_of(i.expected_on, by)[0]].append(i)
    for period_start, period_end in periods:
        due = expected_in.get(period_start, [])
        inflow = sum((i.amount for i in due if i.amount > 0), zero)
        outflow = -sum((i.amount for i in due if i.amount < 0), zero)
        detail: dict[str, Decimal] = defaultdict(lambda: zero)
        for i in due:
            detail[i.source] += i.amount
        opening, balance = balance, balance + inflow - outflow
        result.append(
            CashPeriod(period_start, period_end, inflow, outflow, opening, balance, dict(sorted(detail.items())))
        )
    with db.read() as cur:
        position = _position(cur)
    scope = ReportScope(as_of, known_at, position, start=tomorrow, currency=currency)
    return Forecast(scope, by, delays, result, items)


@dataclass(frozen=True)
class ForecastVsActualPeriod:
    start: date
    end: date
    forecast_net: Decimal
    actual_net: Decimal
    difference: Decimal  # actual - forecast


@dataclass(frozen=True)
class ForecastVsActual:
    scope: ReportScope
    by: str
    forecast_known_at: datetime
    periods: list[ForecastVsActualPeriod]


def forecast_vs_actual(
    db: ViewDatabase, as_of: date, end: date, by: str, currency: str, forecast_known_at: datetime
) -> ForecastVsActual:
    """What the forecast said at ``forecast_known_at`` for the periods from ``as_of`` against the
    bank movements since, as known now."""
    said = forecast(db, as_of, end, by, currency, forecast_known_at)
    happened = actual(db, as_of + timedelta(days=1), end, by, currency)
    actual_net = {p.start: p.net for p in happened.periods}
    rows = []
    for p in said.periods:
        happened_net = actual_net.get(p.start, Money.zero(currency).amount)
        rows.append(ForecastVsActualPeriod(p.start, p.end, p.net, happened_net, happened_net - p.net))
    return ForecastVsActual(said.scope, by, forecast_known_at, rows)

"""The cash forecast: what is expected to move through the bank (the actuals are in
``projections.cash.actuals``), and how a past forecast compares with what happened since.

Everything is read from the general ledger with both time axes, so a forecast "as of D, known
at K" is exactly what the books could have forecast then. Values are in the functional currency.

The forecast's sources, each dated when the cash is expected:
- receivables: every open invoice at its due date shifted by its customer's payment delay:
  finance's expected delay where one is set (``projections.cash.expected_delays``), else the
  observed one (the amount-weighted average days between due date and payment, over the
  payments known then; customers without history pay on time); overdue items are expected at once;
- payables: every open bill at its due date;
- expense claims approved and not yet reimbursed: at once;
- committed labour: the hours allocated to the weeks ahead at each person's cost rate in force
  that week, going out at the week's end;
- retainers: each month of an active retainer not billed yet (months after ``as_of``), at the fee
  in force that month (as changed by ``as_of``) plus tax, paid at the customer's terms and delay
  (expected, else observed) after the month starts;
- the pipeline: each open deal's probability-weighted value (net of tax), paid at the customer's
  terms and delay after its expected close;
- planned costs (payroll, rent: ``projections.cash.planned_costs``): each payment on its day of
  the month, at the amount in force then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ledger.money import Money
from ledger.policy import check_window
from ledger.project_terms import fee_in_force, month_of
from ledger.roles import Role
from projections.cash.actuals import CashPeriod, actual, bank_balance, in_currency, period_of, periods_between
from projections.cash.expected_delays import expected_days
from projections.cash.planned_costs import planned_costs
from projections.cash.timing import looked_up, moved, timing_maps
from projections.delivery.reports import planned_hours
from projections.engine.db import ViewDatabase
from projections.engine.pages import MAX_LIMIT, decode_cursor, encode_cursor, list_tag
from projections.engine.spans import spans_at
from projections.engine.sql import Cursor, as_date, by_code_point
from projections.engine.sql import day as date_of
from projections.finance.open_items import open_items_of
from projections.finance.payment_delays import PAYMENT_DELAYS
from projections.finance.scope import ReportScope, read_position


@dataclass(frozen=True)
class ForecastItem:
    source: str  # receivable, payable, expense_claim, labour, retainer (project), pipeline (deal), planned_cost
    document_id: str
    party_id: str
    party_name: str
    due_date: date | None
    expected_on: date
    amount: Decimal  # signed: money in positive
    tiebreak: str = ""  # what tells apart items equal in all the above (an open item's key)

    @property
    def key(self) -> tuple[date, str, str, str, str]:
        """The items' order, and what a page's cursor holds."""
        return (self.expected_on, self.source, self.document_id, self.party_id, self.tiebreak)


@dataclass(frozen=True)
class Forecast:
    scope: ReportScope
    by: str
    delays: dict[str, Decimal]  # of the customers on this page of items
    periods: list[CashPeriod]
    items: list[ForecastItem]  # one page, in ``ForecastItem.key`` order
    item_count: int  # every item behind the periods
    next_cursor: str | None = None


Expected = tuple[str, date, int, int, int]  # source, expected day, money in, money out (minor units), items


def _item_order(cur: Cursor) -> str:
    """``ForecastItem.key`` in SQL."""
    return ", ".join(["expected_on", *(by_code_point(cur, c) for c in ("source", "document_id", "party_id", "item"))])


def _from_the_database(
    db: ViewDatabase,
    as_of: date,
    horizon: date,
    known_at: datetime | None,
    currency: str,
    after: Sequence[Any] | None,
    limit: int,
) -> tuple[list[Expected], list[ForecastItem], dict[str, Decimal]]:
    """The items there are thousands of, found by the database at (``as_of``, ``known_at``) up
    to ``horizon``: open receivables at their due dates moved by each customer's delay, open
    payables at theirs, and open deals' weighted values after their expected close, the
    customer's terms and delay. Summed per source and day, with the first ``limit`` items after
    ``after`` (a ``ForecastItem.key``) and the delays of their customers; in one statement, so
    each table's spans are searched once and no customer's delay travels to the database."""
    tomorrow = as_of + timedelta(days=1)
    with db.read() as cur:
        timing, timing_params = timing_maps(cur, as_of, known_at)
        columns = "o.role, o.party_id, o.document_id, o.due_date, o.item, o.value_minor"
        receivable, payable = Role.RECEIVABLE.value, Role.PAYABLE.value
        documents, documents_params = open_items_of(cur, (receivable, payable), as_of, known_at, columns)
        at_s, at_s_params = spans_at(cur, as_of, known_at, alias="s")
        delay = f"CASE WHEN o.role = %s THEN {looked_up(cur, 'days', 'o.party_id', '0')} ELSE 0 END"
        after_close = (
            f"{looked_up(cur, 'terms', 's.customer_id', '30')} + {looked_up(cur, 'days', 's.customer_id', '0')}"
        )
        sql = (
            f"WITH {timing}, o AS (SELECT CASE o.role WHEN %s THEN 'receivable' ELSE 'payable' END AS source,"
            f" {moved(cur, 'COALESCE(o.due_date, %s)', delay)} AS expected_on,"
            " COALESCE(o.document_id, '') AS document_id, COALESCE(o.party_id, '') AS party_id, NULL AS label,"
            f" o.due_date, o.item, o.value_minor FROM {documents} AS o"
            " UNION ALL SELECT 'pipeline',"
            f" {moved(cur, 's.expected_close', after_close)}, s.deal_id, s.customer_id,"
            " s.title, s.expected_close, s.deal_id, s.weighted_minor FROM deal_spans s"
            " WHERE s.status = 'open' AND s.expected_close IS NOT NULL AND s.currency = %s"
            f" AND s.weighted_minor <> 0 AND {at_s})"
            " SELECT 0, source, expected_on, SUM(CASE WHEN value_minor > 0 THEN value_minor ELSE 0 END),"
            " SUM(CASE WHEN value_minor < 0 THEN value_minor ELSE 0 END), COUNT(*), '', '', '', NULL, '', NULL"
            " FROM o WHERE expected_on <= %s GROUP BY source, expected_on"
        )
        values = [
            *timing_params,
            receivable,
            tomorrow,
            as_of,
            receivable,
            *documents_params,
            tomorrow,
            currency,
            *at_s_params,
            horizon,
        ]
        if limit:
            order = _item_order(cur)
            later = f" AND ({order}) > (%s, %s, %s, %s, %s)" if after else ""
            sql += (
                " UNION ALL SELECT 1, source, expected_on, value_minor, 0, 0, document_id, party_id,"
                " COALESCE(label, p.name, party_id), due_date, item,"
                f" CASE WHEN source <> 'payable' THEN {looked_up(cur, 'tenths', 'page.party_id', 'NULL')} END"
                f" FROM (SELECT * FROM o WHERE expected_on <= %s{later} ORDER BY {order} LIMIT %s) AS page"
                " LEFT JOIN parties p ON p.id = page.party_id"
            )
            values += [horizon, *(after or ()), limit]
        cur.execute(sql, values)
        rows = cur.fetchall()
    expected: list[Expected] = []
    items = []
    delays: dict[str, Decimal] = {}
    for kind, source, day, money_in, money_out, n, doc, party, name, due, item, tenths in rows:
        on = as_date(day)
        assert on is not None
        if kind == 0:
            expected.append((str(source), on, int(money_in), int(money_out), int(n)))
        else:
            amount = in_currency(money_in, currency)
            items.append(ForecastItem(str(source), str(doc), str(party), str(name), as_date(due), on, amount, item))
            if tenths is not None:
                delays[str(party)] = Decimal(int(tenths)).scaleb(-1)
    return expected, items, delays


def _employee_claims(
    db: ViewDatabase, as_of: date, expected: date, known_at: datetime | None, currency: str
) -> list[ForecastItem]:
    with db.read() as cur:
        claims, params = open_items_of(
            cur, (Role.EMPLOYEE_PAYABLE.value,), as_of, known_at, "o.document_id, o.party_id, o.value_minor"
        )
        cur.execute(
            f"SELECT document_id, MIN(party_id), SUM(value_minor) FROM {claims} AS o"
            " WHERE document_id IS NOT NULL GROUP BY document_id HAVING SUM(value_minor) <> 0",
            params,
        )
        rows = cur.fetchall()
    return [
        ForecastItem(
            "expense_claim", str(doc), str(party or ""), str(party or ""), None, expected, in_currency(v, currency)
        )
        for doc, party, v in rows
    ]


def _planned(
    db: ViewDatabase, as_of: date, start: date, end: date, known_at: datetime | None, currency: str
) -> list[ForecastItem]:
    """Each payment from ``start`` to ``end`` of the costs planned by ``as_of`` in the forecast's currency."""
    return [
        ForecastItem("planned_cost", cost.id, cost.cost_center or "", cost.name, None, day, -amount)
        for cost in planned_costs(db, as_of, known_at)
        if cost.currency == currency
        for day, amount in cost.payments(start, end)
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


def _retainers(
    db: ViewDatabase, as_of: date, end: date, currency: str, known_at: datetime | None
) -> tuple[list[ForecastItem], dict[str, Decimal]]:
    """Months of retainers active on ``as_of`` (as known at ``known_at``) not billed yet (those
    starting after as_of), paid at the customer's terms and delay; and those delays."""
    known, params = (" AND recorded_at <= %s", [known_at]) if known_at else ("", [])
    known_t = known.replace("recorded_at", "t.recorded_at")
    with db.read() as cur:
        at, at_params = spans_at(cur, as_of, known_at, alias="d", indexed=False)
        cur.execute(
            "SELECT id, customer_id, name, start_date, end_date, monthly_fee_minor, tax_percent,"
            f" COALESCE({expected_days('p.customer_id', known_at is not None)} * 10,"
            f" (SELECT keel_half_even(d.late_minor_days, d.paid_minor, 10) FROM {PAYMENT_DELAYS.table} d"
            f" WHERE d.item = p.customer_id AND {at} AND d.paid_minor <> 0)),"
            " (SELECT t.days FROM customer_terms t WHERE t.customer_id = p.customer_id AND t.effective_date <= %s"
            f"{known_t} ORDER BY t.effective_date DESC, t.position DESC LIMIT 1) FROM"
            " (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY effective_date DESC, position DESC) AS n"
            f" FROM project_states WHERE effective_date <= %s{known}) AS p"
            " WHERE n = 1 AND model = 'retainer' AND status = 'active' AND currency = %s",
            [as_of, *params, *at_params, as_of, *params, as_of, *params, currency],
        )
        rows = cur.fetchall()
        # Fees changed from a month on, as decided by as_of: the few there are, in log order.
        cur.execute(
            f"SELECT id, start_date, fee FROM retainer_fees WHERE effective_date <= %s{known} ORDER BY position",
            [as_of, *params],
        )
        changes: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for changed, start, fee in cur.fetchall():
            changes[str(changed)][month_of(date_of(start))] = Decimal(fee)
    items, delays = [], {}
    for project_id, customer, name, start, finish, fee, tax, tenths, terms in rows:
        first, last = as_date(start), as_date(finish) or end
        assert first is not None
        delay = Decimal(0) if tenths is None else Decimal(int(tenths)).scaleb(-1)
        if tenths is not None:
            delays[str(customer)] = delay
        after = timedelta(days=(30 if terms is None else int(terms)) + int(delay.to_integral_value()))
        configured = Money.from_minor(int(fee or 0), currency).amount
        month = period_of(max(first, as_of + timedelta(days=1)), "month")[0]
        if month <= as_of:
            month = period_of(month + timedelta(days=32), "month")[0]
        while month <= min(last, end):
            expected_on = max(month + after, as_of + timedelta(days=1))  # early payers: not before tomorrow
            if expected_on <= end:
                monthly = fee_in_force(changes[str(project_id)], configured, month_of(month))
                amount = Money(monthly * (100 + Decimal(tax or 0)) / 100, currency).rounded().amount
                items.append(ForecastItem("retainer", str(project_id), str(customer), name, month, expected_on, amount))
            month = period_of(month + timedelta(days=32), "month")[0]
    return items, delays


def _page_tag(as_of: date, end: date, by: str, known_at: datetime | None) -> str:
    return list_tag("cash-forecast", as_of.isoformat(), end.isoformat(), by, known_at.isoformat() if known_at else "")


def forecast(
    db: ViewDatabase,
    as_of: date,
    end: date,
    by: str,
    currency: str,
    known_at: datetime | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> Forecast:
    """Expected cash per period from the day after ``as_of`` to ``end``, from what the books knew
    at ``known_at``; the opening balance is the bank as of ``as_of``. The periods count every
    item; ``items`` is one page of them (``limit`` 0: none), in ``ForecastItem.key`` order."""
    tomorrow = as_of + timedelta(days=1)
    check_window(tomorrow, end)
    periods = periods_between(tomorrow, end, by)
    horizon = periods[-1][1]
    tag = _page_tag(as_of, end, by, known_at)
    after = decode_cursor(cursor, 5, tag) if cursor else None
    limit = max(0, min(limit, MAX_LIMIT))
    # Independent reads at once, the customers' delays and terms found by each where it needs them.
    claims, labour, balance, (retainers, delays), planned, (expected, page, page_delays) = db.gather(
        lambda: _employee_claims(db, as_of, tomorrow, known_at, currency),
        lambda: _committed_labour(db, as_of, tomorrow, horizon, known_at, currency),
        lambda: bank_balance(db, tomorrow, known_at, currency),
        lambda: _retainers(db, as_of, horizon, currency, known_at),
        lambda: _planned(db, as_of, tomorrow, horizon, known_at, currency),
        lambda: _from_the_database(db, as_of, horizon, known_at, currency, after, limit and limit + 1),
    )
    delays |= page_delays
    others = [*claims, *labour, *retainers, *planned]  # the few items made here; the many came summed
    zero = Money.zero(currency).amount
    flows: dict[date, list[tuple[str, Decimal, Decimal]]] = defaultdict(list)  # per period: source, in, out
    for source, day, minor_in, minor_out, _ in expected:
        flows[period_of(day, by)[0]].append((source, in_currency(minor_in, currency), in_currency(minor_out, currency)))
    starts: dict[date, date] = {}  # the items fall on few days: each day's period found once
    for i in others:
        start = starts.get(i.expected_on) or starts.setdefault(i.expected_on, period_of(i.expected_on, by)[0])
        flows[start].append((i.source, max(i.amount, zero), min(i.amount, zero)))
    result = []
    for period_start, period_end in periods:
        due = flows.get(period_start, [])
        inflow = sum((money_in for _, money_in, _ in due), zero)
        outflow = -sum((money_out for _, _, money_out in due), zero)
        detail: dict[str, Decimal] = defaultdict(lambda: zero)
        for source, money_in, money_out in due:
            detail[source] += money_in + money_out
        opening, balance = balance, balance + inflow - outflow
        result.append(
            CashPeriod(period_start, period_end, inflow, outflow, opening, balance, dict(sorted(detail.items())))
        )
    if limit:
        page += [i for i in others if after is None or i.key > tuple(after)]
        page.sort(key=lambda i: i.key)
    next_cursor = encode_cursor(page[limit - 1].key, tag) if limit and len(page) > limit else None
    with db.read() as cur:
        position = read_position(cur)
    scope = ReportScope(as_of, known_at, position, start=tomorrow, currency=currency)
    count = sum(n for *_, n in expected) + len(others)
    page = page[:limit]
    # The delays behind this page's dates, not every customer's: thousands of them at scale.
    shown = {i.party_id for i in page if i.source in ("receivable", "retainer", "pipeline")}
    return Forecast(scope, by, {p: delays[p] for p in sorted(shown) if p in delays}, result, page, count, next_cursor)


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
    db: ViewDatabase,
    as_of: date,
    end: date,
    by: str,
    currency: str,
    forecast_known_at: datetime,
    known_at: datetime | None = None,
) -> ForecastVsActual:
    """What the forecast said at ``forecast_known_at`` for the periods from ``as_of`` against the
    bank movements since, as known at ``known_at`` (None: now)."""
    said = forecast(db, as_of, end, by, currency, forecast_known_at, limit=0)
    happened = actual(db, as_of + timedelta(days=1), end, by, currency, known_at)
    actual_net = {p.start: p.net for p in happened.periods}
    rows = []
    for p in said.periods:
        happened_net = actual_net.get(p.start, Money.zero(currency).amount)
        rows.append(ForecastVsActualPeriod(p.start, p.end, p.net, happened_net, happened_net - p.net))
    return ForecastVsActual(said.scope, by, forecast_known_at, rows)

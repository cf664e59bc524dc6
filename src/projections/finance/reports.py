"""The accountant's reports over the general ledger, on two time axes.

``as_of`` is the business date (lines with ``effective_date <= as_of``); ``known_at`` is
the moment whose knowledge we want (lines with ``recorded_at <= known_at``; ``None`` means
everything recorded so far). Both are indexed filters over stored facts, not replays.
Amounts are summed as integer minor units and turned into Decimals at the end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ledger.accounts import CUSTOMER_CREDIT, INPUT_TAX, PAYABLES, RECEIVABLES, TAX_PAYABLE, AccountType, account
from ledger.money import from_minor
from ledger.policy import check_window
from projections.engine.db import ViewDatabase
from projections.engine.pages import decode_cursor, encode_cursor, list_tag
from projections.engine.sql import Cursor, as_date, by_code_point
from projections.finance.general_ledger import YEAR_CLOSE_TOPIC, account_balances, closing_sums
from projections.finance.open_items import open_items_of

BUCKETS = ("current", "1-30", "31-60", "61-90", "over 90")


@dataclass(frozen=True)
class ReportScope:
    """The parameters a report was answered for, and the log position it reflects."""

    as_of: date
    known_at: datetime | None
    position: int
    start: date | None = None  # for period reports
    currency: str | None = None  # the reporting currency, for reports in the functional currency


@dataclass(frozen=True)
class TrialBalanceRow:
    account: str
    name: str
    type: str
    currency: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    debit: Decimal
    credit: Decimal

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit


@dataclass(frozen=True)
class TrialBalance:
    scope: ReportScope
    rows: list[TrialBalanceRow]
    totals: list[CurrencyTotal]

    @property
    def balanced(self) -> bool:
        return all(t.balanced for t in self.totals)


@dataclass(frozen=True)
class ReceivableRow:
    customer_id: str
    customer_name: str
    currency: str
    receivable: Decimal  # open invoices
    credit: Decimal  # unapplied customer credit

    @property
    def net(self) -> Decimal:
        return self.receivable - self.credit


@dataclass(frozen=True)
class Receivables:
    scope: ReportScope
    rows: list[ReceivableRow]
    totals: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class StatementLine:
    account: str
    name: str
    group: str  # the cost center or month, when the report is broken down
    amount: Decimal  # positive = the account's normal side


@dataclass(frozen=True)
class ProfitAndLoss:
    scope: ReportScope
    by: str | None
    income: list[StatementLine]
    expenses: list[StatementLine]

    @property
    def total_income(self) -> Decimal:
        return sum((ln.amount for ln in self.income), Decimal(0))

    @property
    def total_expenses(self) -> Decimal:
        return sum((ln.amount for ln in self.expenses), Decimal(0))

    @property
    def result(self) -> Decimal:
        return self.total_income - self.total_expenses

    def result_by_group(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for ln in self.income:
            out[ln.group] += ln.amount
        for ln in self.expenses:
            out[ln.group] -= ln.amount
        return dict(out)


@dataclass(frozen=True)
class BalanceSheet:
    scope: ReportScope
    assets: list[StatementLine]
    liabilities: list[StatementLine]
    equity: list[StatementLine]
    unclosed_result: Decimal  # income less expenses not yet closed into retained earnings

    @property
    def total_assets(self) -> Decimal:
        return sum((ln.amount for ln in self.assets), Decimal(0))

    @property
    def total_liabilities(self) -> Decimal:
        return sum((ln.amount for ln in self.liabilities), Decimal(0))

    @property
    def total_equity(self) -> Decimal:
        return sum((ln.amount for ln in self.equity), Decimal(0)) + self.unclosed_result

    @property
    def balanced(self) -> bool:
        return self.total_assets == self.total_liabilities + self.total_equity

    def balance_of(self, code: str) -> Decimal:
        lines = self.assets + self.liabilities + self.equity
        return sum((ln.amount for ln in lines if ln.account == code), Decimal(0))


@dataclass(frozen=True)
class AgeingItem:
    document_id: str
    number: str
    party_id: str
    party_name: str
    currency: str
    due_date: date
    days_overdue: int
    bucket: str
    open_amount: Decimal  # in the document's currency
    open_value: Decimal  # in the functional currency


@dataclass(frozen=True)
class Ageing:
    scope: ReportScope
    kind: str  # receivables or payables
    items: list[AgeingItem]  # every item, or one page of them (see ``ageing``)
    total: Decimal  # of every item, on every page
    buckets: dict[str, Decimal]  # likewise
    item_count: int
    next_cursor: str | None = None


@dataclass(frozen=True)
class LedgerEntry:
    effective_date: date
    position: int
    memo: str
    currency: str
    amount: Decimal
    value: Decimal
    balance: Decimal  # running, in the functional currency
    document_id: str | None
    party_id: str | None


@dataclass(frozen=True)
class AccountLedger:
    scope: ReportScope
    account: str
    name: str
    opening: Decimal
    entries: list[LedgerEntry]

    @property
    def closing(self) -> Decimal:
        return self.entries[-1].balance if self.entries else self.opening


@dataclass(frozen=True)
class TaxLine:
    tax_code: str
    sales_base: Decimal
    output_tax: Decimal
    purchases_base: Decimal
    input_tax: Decimal

    @property
    def net_payable(self) -> Decimal:
        return self.output_tax - self.input_tax


@dataclass(frozen=True)
class TaxSummary:
    scope: ReportScope
    lines: list[TaxLine]

    @property
    def net_payable(self) -> Decimal:
        return sum((ln.net_payable for ln in self.lines), Decimal(0))


# -- helpers ------------------------------------------------------------------------


def _window(
    as_of: date, known_at: datetime | None, alias: str = "", start: date | None = None
) -> tuple[str, list[Any]]:
    prefix = f"{alias}." if alias else ""
    sql, params = f"{prefix}effective_date <= %s", [as_of]
    if start is not None:
        sql += f" AND {prefix}effective_date >= %s"
        params.append(start)
    if known_at is not None:
        sql += f" AND {prefix}recorded_at <= %s"
        params.append(known_at)
    return sql, params


def read_position(cur: Cursor, projection: str = "general_ledger") -> int:
    """How far the read model has folded the log: the position a report answered at."""
    cur.execute("SELECT position FROM keel_tracking WHERE projection = %s", (projection,))
    row = cur.fetchone()
    return int(row[0]) if row else 0


def _zero(currency: str) -> Decimal:
    return from_minor(0, currency)


def _amount(minor: int, currency: str) -> Decimal:
    return from_minor(int(minor), currency)


def _normal(code: str, signed: Decimal) -> Decimal:
    """A signed (debit-positive) balance shown on the account's normal side."""
    return signed if account(code).type.normal_balance == "debit" else -signed


# -- trial balance and receivables --------------------------------------------------------


def trial_balance(
    db: ViewDatabase, as_of: date, known_at: datetime | None = None, functional_currency: str | None = None
) -> TrialBalance:
    """Per account and transaction currency; or, given ``functional_currency``, valued in it."""
    with db.read() as cur:
        balances = account_balances(cur, as_of, known_at)
        position = read_position(cur)
    if functional_currency:
        values: dict[str, int] = defaultdict(int)
        for code, _, _, value in balances:
            values[code] += value
        sums = [(code, functional_currency, value) for code, value in sorted(values.items())]
    else:
        sums = [(code, currency, amount) for code, currency, amount, _ in balances]
    rows: list[TrialBalanceRow] = []
    debits: dict[str, Decimal] = defaultdict(Decimal)
    credits: dict[str, Decimal] = defaultdict(Decimal)
    for code, currency, minor in sums:
        balance = _amount(minor, currency)
        if balance == 0:
            continue
        acct = account(code)
        zero = _zero(currency)
        dr, cr = (balance, zero) if balance > 0 else (zero, -balance)
        rows.append(TrialBalanceRow(code, acct.name, acct.type.value, currency, dr, cr))
        debits[currency] += dr
        credits[currency] += cr
    totals = [CurrencyTotal(c, debits[c], credits[c]) for c in sorted(set(debits) | set(credits))]
    return TrialBalance(ReportScope(as_of, known_at, position, currency=functional_currency), rows, totals)


OPEN_ITEM_SUMS = "o.account, o.party_id, o.currency, o.amount_minor"


def receivables(db: ViewDatabase, as_of: date, known_at: datetime | None = None) -> Receivables:
    """Open receivables and unapplied credit per customer and currency."""
    with db.read() as cur:
        items, params = open_items_of(cur, (RECEIVABLES, CUSTOMER_CREDIT), as_of, known_at, OPEN_ITEM_SUMS)
        # Summed per customer in SQL, both accounts side by side; names joined to the sums.
        cur.execute(
            "SELECT s.party, COALESCE(p.name, NULLIF(s.party, ''), ''), s.currency, s.receivable, s.credit FROM"
            " (SELECT COALESCE(o.party_id, '') AS party, o.currency,"
            " SUM(CASE WHEN o.account = %s THEN o.amount_minor ELSE 0 END) AS receivable,"
            " SUM(CASE WHEN o.account = %s THEN o.amount_minor ELSE 0 END) AS credit"
            f" FROM {items} AS o GROUP BY COALESCE(o.party_id, ''), o.currency) AS s"
            " LEFT JOIN parties p ON p.id = s.party WHERE s.receivable <> 0 OR s.credit <> 0",
            [RECEIVABLES, CUSTOMER_CREDIT, *params],
        )
        sums = cur.fetchall()
        position = read_position(cur, "open_items")
    # every receivable and credit line names its customer
    rows = []
    for party_id, name, currency, receivable, credit in sums:
        zero = _zero(currency)
        rows.append(
            ReceivableRow(
                str(party_id),
                str(name),
                currency,
                _amount(receivable, currency) + zero,
                -_amount(credit, currency) + zero,
            )
        )
    rows.sort(key=lambda row: (row.customer_name, row.currency, row.customer_id))
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row.currency] += row.net
    return Receivables(ReportScope(as_of, known_at, position), rows, dict(totals))


# -- statements ---------------------------------------------------------------------------


def _types(*types: AccountType) -> list[str]:
    from ledger.accounts import DEFAULT_CHART

    return [a.code for a in DEFAULT_CHART.values() if a.type in types]


def profit_and_loss(
    db: ViewDatabase,
    start: date,
    end: date,
    functional_currency: str,
    known_at: datetime | None = None,
    by: str | None = None,
) -> ProfitAndLoss:
    """Income and expenses between two business dates, in the functional currency.

    ``by`` breaks it down by ``cost_center`` or ``month``. Year-end closing entries are left
    out: they move the result, they are not part of it.
    """
    check_window(start, end)
    if by not in (None, "cost_center", "month"):
        raise ValueError(f"profit and loss can be broken down by cost_center or month, not {by!r}")
    where, params = _window(end, known_at, start=start)
    codes = _types(AccountType.INCOME, AccountType.EXPENSE)
    group_sql = {"cost_center": "COALESCE(cost_center, '')", "month": "SUBSTR(CAST(effective_date AS TEXT), 1, 7)"}.get(
        by or "", "''"
    )
    marks = ", ".join(["%s"] * len(codes))
    with db.read() as cur:
        if by is None:
            # Whole months from the monthly sums (as the trial balance), less the closing entries.
            values: dict[str, int] = defaultdict(int)
            for code, _, _, minor in account_balances(cur, end, known_at, codes, since=start):
                values[code] += minor
            for code, minor in closing_sums(cur, start, end, known_at, codes).items():
                values[code] -= minor
            sums: list[tuple[Any, ...]] = [(code, "", value) for code, value in sorted(values.items())]
        else:
            cur.execute(
                f"SELECT account, {group_sql}, SUM(value_minor) FROM gl_lines"
                f" WHERE account IN ({marks}) AND event_topic <> %s AND {where} GROUP BY 1, 2 ORDER BY 1, 2",
                [*codes, YEAR_CLOSE_TOPIC, *params],
            )
            sums = cur.fetchall()
        position = read_position(cur)
    income: list[StatementLine] = []
    expenses: list[StatementLine] = []
    for code, group, minor in sums:
        acct = account(code)
        value = _normal(code, _amount(minor, functional_currency))
        if value == 0:
            continue
        line = StatementLine(code, acct.name, str(group), value)
        (income if acct.type is AccountType.INCOME else expenses).append(line)
    scope = ReportScope(end, known_at, position, start=start, currency=functional_currency)
    return ProfitAndLoss(scope, by, income, expenses)


def balance_sheet(
    db: ViewDatabase, as_of: date, functional_currency: str, known_at: datetime | None = None
) -> BalanceSheet:
    """Assets, liabilities and equity as of a date, with the result not yet closed."""
    with db.read() as cur:
        balances = account_balances(cur, as_of, known_at)
        position = read_position(cur)
    values: dict[str, int] = defaultdict(int)
    for code, _, _, value in balances:
        values[code] += value
    sums = sorted(values.items())
    parts: dict[AccountType, list[StatementLine]] = defaultdict(list)
    result = Decimal(0)
    for code, minor in sums:
        acct = account(code)
        signed = _amount(minor, functional_currency)
        if acct.type in (AccountType.INCOME, AccountType.EXPENSE):
            result -= signed  # income is credit (negative): the result is its negation
        elif signed != 0:
            parts[acct.type].append(StatementLine(code, acct.name, "", _normal(code, signed)))
    scope = ReportScope(as_of, known_at, position, currency=functional_currency)
    return BalanceSheet(
        scope,
        parts[AccountType.ASSET],
        parts[AccountType.LIABILITY],
        parts[AccountType.EQUITY],
        result + _zero(functional_currency),
    )


# -- ageing, ledger detail, tax ---------------------------------------------------------------------


def _bucket(days: int) -> str:
    if days <= 0:
        return "current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "over 90"


def ageing(
    db: ViewDatabase,
    kind: str,
    as_of: date,
    functional_currency: str,
    known_at: datetime | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Ageing:
    """Open items by days overdue as of a date. The total equals the balance-sheet
    receivables (or payables) of the same date and knowledge: the items are the same lines,
    summed per document (see ``projections.finance.open_items``). Items come by party name, due date
    and number: every one (``limit`` None), or a page of ``limit`` after ``cursor``; the total
    and the buckets count them all, summed per due date in SQL."""
    if kind not in ("receivables", "payables"):
        raise ValueError(f"ageing is for receivables or payables, not {kind!r}")
    code = RECEIVABLES if kind == "receivables" else PAYABLES
    sign = 1 if kind == "receivables" else -1
    tag = list_tag("ageing", kind, as_of.isoformat(), known_at.isoformat() if known_at else "")
    after = decode_cursor(cursor, 4, tag) if cursor else None
    with db.read() as cur:
        columns = "o.document_id, o.number, o.party_id, o.currency, o.due_date, o.amount_minor, o.value_minor, o.item"
        items_sql, params = open_items_of(cur, (code,), as_of, known_at, columns)
        order = ", ".join(c if c == "due" else by_code_point(cur, c) for c in ("party_name", "due", "number", "item"))
        sql = (
            "WITH a AS (SELECT o.document_id, COALESCE(o.number, '') AS number, o.party_id,"
            " COALESCE(p.name, o.party_id, '') AS party_name, o.currency, COALESCE(o.due_date, %s) AS due,"
            f" o.amount_minor, o.value_minor, o.item FROM {items_sql} AS o LEFT JOIN parties p ON p.id = o.party_id)"
            " SELECT 0, NULL, '', NULL, '', '', due, 0, SUM(value_minor), COUNT(*), '' FROM a GROUP BY due"
            " UNION ALL SELECT * FROM (SELECT 1, document_id, number, party_id, party_name, currency, due,"
            f" amount_minor, value_minor, 0, item FROM a{f' WHERE ({order}) > (%s, %s, %s, %s)' if after else ''}"
            f" ORDER BY {order}{' LIMIT %s' if limit is not None else ''}) AS page"
        )
        values = [as_of, *params, *(after or ()), *([limit + 1] if limit is not None else [])]
        cur.execute(sql, values)
        rows = cur.fetchall()
        position = read_position(cur, "open_items")
    zero = _zero(functional_currency)
    buckets = dict.fromkeys(BUCKETS, zero)
    count = 0
    items, keys = [], []  # each item's place in the order: what a cursor holds
    for kind_of_row, doc, number, party, name, currency, due, amount, value, n, item in rows:
        due_date = as_date(due)
        assert due_date is not None
        days = (as_of - due_date).days
        if kind_of_row == 0:
            buckets[_bucket(days)] += sign * _amount(value, functional_currency)
            count += int(n)
            continue
        keys.append([name, due_date, number, item])
        items.append(
            AgeingItem(
                str(doc or ""),
                str(number),
                str(party or ""),
                str(name),
                currency,
                due_date,
                max(days, 0),
                _bucket(days),
                sign * _amount(amount, currency),
                sign * _amount(value, functional_currency),
            )
        )
    next_cursor = None
    if limit is not None and len(items) > limit:
        next_cursor = encode_cursor(keys[limit - 1], tag)
        items = items[:limit]
    scope = ReportScope(as_of, known_at, position, currency=functional_currency)
    return Ageing(scope, kind, items, sum(buckets.values(), zero), buckets, count, next_cursor)


def account_ledger(
    db: ViewDatabase, code: str, start: date, end: date, functional_currency: str, known_at: datetime | None = None
) -> AccountLedger:
    """Every line on one account between two dates, with opening and running balances."""
    check_window(start, end)
    acct = account(code)
    known_sql, known_params = ("AND recorded_at <= %s", [known_at]) if known_at else ("", [])
    with db.read() as cur:
        before = account_balances(cur, start - timedelta(days=1), known_at, [code])
        opening = _amount(sum(value for *_, value in before), functional_currency)
        cur.execute(
            "SELECT effective_date, position, memo, currency, amount_minor, value_minor, document_id, party_id"
            f" FROM gl_lines WHERE account = %s AND effective_date >= %s AND effective_date <= %s {known_sql}"
            " ORDER BY effective_date, position, line_no",
            [code, start, end, *known_params],
        )
        rows = cur.fetchall()
        position = read_position(cur)
    balance = opening
    entries = []
    for eff, pos, memo, currency, amount, value, doc, party in rows:
        v = _amount(value, functional_currency)
        balance += v
        d = as_date(eff)
        assert d is not None
        entries.append(LedgerEntry(d, int(pos), memo, currency, _amount(amount, currency), v, balance, doc, party))
    scope = ReportScope(end, known_at, position, start=start, currency=functional_currency)
    return AccountLedger(scope, code, acct.name, opening, entries)


def tax_summary(
    db: ViewDatabase, start: date, end: date, functional_currency: str, known_at: datetime | None = None
) -> TaxSummary:
    """Output and input tax per tax code for a period, with the bases they were charged on."""
    check_window(start, end)
    where, params = _window(end, known_at, start=start)
    with db.read() as cur:
        cur.execute(
            "SELECT tax_code, account, SUM(value_minor) FROM gl_lines"
            f" WHERE tax_code IS NOT NULL AND {where} GROUP BY tax_code, account",
            params,
        )
        rows = cur.fetchall()
        position = read_position(cur)
    codes: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for code, acct_code, minor in rows:
        value = _amount(minor, functional_currency)
        kind = account(acct_code).type
        if acct_code == TAX_PAYABLE:
            codes[code]["output"] -= value
        elif acct_code == INPUT_TAX:
            codes[code]["input"] += value
        elif kind is AccountType.INCOME:
            codes[code]["sales"] -= value
        else:
            codes[code]["purchases"] += value
    zero = _zero(functional_currency)
    lines = [
        TaxLine(code, v["sales"] + zero, v["output"] + zero, v["purchases"] + zero, v["input"] + zero)
        for code, v in sorted(codes.items())
    ]
    scope = ReportScope(end, known_at, position, start=start, currency=functional_currency)
    return TaxSummary(scope, lines)

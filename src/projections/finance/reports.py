"""The accountant's statements over the general ledger, on two time axes: the trial balance,
receivables, profit and loss, the balance sheet (ageing, the account ledger and the tax summary
are in ``projections.finance.detail``; the scope they share in ``projections.finance.scope``).

``as_of`` is the business date (lines with ``effective_date <= as_of``); ``known_at`` is
the moment whose knowledge we want (lines with ``recorded_at <= known_at``; ``None`` means
everything recorded so far). Both are indexed filters over stored facts, not replays.
Amounts are summed as integer minor units and turned into Decimals at the end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger.accounts import AccountType
from ledger.policy import check_window
from ledger.roles import Role
from projections.engine.db import ViewDatabase
from projections.engine.pages import decode_cursor, encode_cursor, list_tag
from projections.engine.sql import Cursor
from projections.finance.account_groups import levels, name_of, tree_key
from projections.finance.chart import ChartAccount, group_of, labels, types_known
from projections.finance.general_ledger import YEAR_CLOSE_TOPIC, account_balances, closing_sums
from projections.finance.open_items import open_items_of
from projections.finance.scope import ReportScope, amount_in, read_position, window_condition, zero_in


@dataclass(frozen=True)
class TrialBalanceRow:
    account: str
    name: str
    type: str
    currency: str
    debit: Decimal
    credit: Decimal
    subtype: str = "other"
    parent: str | None = None
    group: str = ""  # the top of the account's parents (the account itself when it has none)


@dataclass(frozen=True)
class GroupTotal:
    """A subtotal of a report's rows: one type, one group of accounts, one currency. Groups nest
    (``parent``, ``depth``); the top ones (depth 0, an ungrouped account its own) add up to the totals."""

    type: str
    group: str
    name: str
    currency: str
    debit: Decimal
    credit: Decimal
    parent: str | None = None
    depth: int = 0


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
    groups: list[GroupTotal] = field(default_factory=list)

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
    rows: list[ReceivableRow]  # every customer's, or one page of them (see ``receivables``)
    totals: dict[str, Decimal] = field(default_factory=dict)  # of every row, on every page
    next_cursor: str | None = None


@dataclass(frozen=True)
class StatementLine:
    account: str
    name: str
    group: str  # the cost center or month, when the report is broken down
    amount: Decimal  # positive = the account's normal side
    subtype: str = "other"
    parent: str | None = None
    account_group: str = ""  # the top of the account's parents (the account itself when it has none)


@dataclass(frozen=True)
class StatementGroup:
    """A subtotal of a statement: one type, one group of accounts; nested as ``GroupTotal``."""

    type: str
    group: str
    name: str
    amount: Decimal
    parent: str | None = None
    depth: int = 0


@dataclass(frozen=True)
class ProfitAndLoss:
    scope: ReportScope
    by: str | None
    income: list[StatementLine]
    expenses: list[StatementLine]
    groups: list[StatementGroup] = field(default_factory=list)

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
    groups: list[StatementGroup] = field(default_factory=list)

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


def _normal(acct: ChartAccount, signed: Decimal) -> Decimal:
    """A signed (debit-positive) balance shown on the account's normal side."""
    return signed if acct.normal_balance == "debit" else -signed


def _line(acct: ChartAccount, group: str, amount: Decimal, chart: dict[str, ChartAccount]) -> StatementLine:
    return StatementLine(acct.code, acct.name, group, amount, acct.subtype, acct.parent, group_of(acct.code, chart))


def _statement_groups(lines: list[StatementLine], chart: dict[str, ChartAccount]) -> list[StatementGroup]:
    sums: dict[tuple[str, str, str | None, int], Decimal] = {}
    for ln in lines:
        for level in levels(ln.account, chart):
            key = (chart[ln.account].type, level.group, level.parent, level.depth)
            sums[key] = sums.get(key, Decimal(0)) + ln.amount
    return [
        StatementGroup(kind, group, name_of(group, chart), amount, parent, depth)
        for (kind, group, parent, depth), amount in sorted(
            sums.items(), key=lambda kv: tree_key(kv[0][0], kv[0][1], chart)
        )
    ]


def _chart(cur: Cursor, as_of: date, known_at: datetime | None, codes: list[str]) -> dict[str, ChartAccount]:
    return labels(cur, as_of, known_at, codes)


# -- trial balance and receivables --------------------------------------------------------


def trial_balance(
    db: ViewDatabase, as_of: date, known_at: datetime | None = None, functional_currency: str | None = None
) -> TrialBalance:
    """Per account and transaction currency; or, given ``functional_currency``, valued in it."""
    with db.read() as cur:
        balances = account_balances(cur, as_of, known_at)
        position = read_position(cur)
        chart = _chart(cur, as_of, known_at, sorted({b[0] for b in balances}))
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
    grouped: dict[tuple[str, str, str | None, int, str], list[Decimal]] = {}
    for code, currency, minor in sums:
        balance = amount_in(minor, currency)
        if balance == 0:
            continue
        acct = chart[code]
        zero = zero_in(currency)
        dr, cr = (balance, zero) if balance > 0 else (zero, -balance)
        group = group_of(code, chart)
        rows.append(TrialBalanceRow(code, acct.name, acct.type, currency, dr, cr, acct.subtype, acct.parent, group))
        debits[currency] += dr
        credits[currency] += cr
        for level in levels(code, chart):
            subtotal = grouped.setdefault((acct.type, level.group, level.parent, level.depth, currency), [zero, zero])
            subtotal[0] += dr
            subtotal[1] += cr
    totals = [CurrencyTotal(c, debits[c], credits[c]) for c in sorted(set(debits) | set(credits))]
    groups = [
        GroupTotal(kind, group, name_of(group, chart), currency, dr, cr, parent, depth)
        for (kind, group, parent, depth, currency), (dr, cr) in sorted(
            grouped.items(), key=lambda kv: tree_key(kv[0][0], kv[0][1], chart, kv[0][4])
        )
    ]
    return TrialBalance(ReportScope(as_of, known_at, position, currency=functional_currency), rows, totals, groups)


OPEN_ITEM_SUMS = "o.role, o.party_id, o.currency, o.amount_minor"


def receivables(
    db: ViewDatabase,
    as_of: date,
    known_at: datetime | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Receivables:
    """Open receivables and unapplied credit per customer and currency, by customer name: every
    row (``limit`` None), or a page of ``limit`` after ``cursor``; the totals count them all."""
    tag = list_tag("receivables", as_of.isoformat(), known_at.isoformat() if known_at else "")
    after = tuple(decode_cursor(cursor, 3, tag)) if cursor else None
    receivable, credit = Role.RECEIVABLE.value, Role.CUSTOMER_CREDIT.value
    with db.read() as cur:  # summed per customer in SQL, both accounts side by side; names joined to the sums
        items, params = open_items_of(cur, (receivable, credit), as_of, known_at, OPEN_ITEM_SUMS)
        cur.execute(
            "SELECT s.party, COALESCE(p.name, NULLIF(s.party, ''), ''), s.currency, s.receivable, s.credit FROM"
            " (SELECT COALESCE(o.party_id, '') AS party, o.currency,"
            " SUM(CASE WHEN o.role = %s THEN o.amount_minor ELSE 0 END) AS receivable,"
            " SUM(CASE WHEN o.role = %s THEN o.amount_minor ELSE 0 END) AS credit"
            f" FROM {items} AS o GROUP BY COALESCE(o.party_id, ''), o.currency) AS s"
            " LEFT JOIN parties p ON p.id = s.party WHERE s.receivable <> 0 OR s.credit <> 0",
            [receivable, credit, *params],
        )
        sums = cur.fetchall()
        position = read_position(cur, "open_items")
    # every receivable and credit line names its customer
    rows = [
        ReceivableRow(
            str(party), str(name), currency, amount_in(owed, currency) + zero, -amount_in(credit, currency) + zero
        )
        for party, name, currency, owed, credit in sums
        for zero in (zero_in(currency),)
    ]
    rows.sort(key=_by_customer)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:  # of every row, before a page is cut
        totals[row.currency] += row.net
    if after is not None:
        rows = [row for row in rows if _by_customer(row) > after]
    next_cursor = None
    if limit is not None and len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(_by_customer(rows[-1]), tag)
    return Receivables(ReportScope(as_of, known_at, position), rows, dict(totals), next_cursor)


def _by_customer(row: ReceivableRow) -> tuple[str, str, str]:
    return (row.customer_name, row.currency, row.customer_id)


# -- statements ---------------------------------------------------------------------------


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
    where, params = window_condition(end, known_at, start=start)
    group_sql = {"cost_center": "COALESCE(cost_center, '')", "month": "SUBSTR(CAST(effective_date AS TEXT), 1, 7)"}.get(
        by or "", "''"
    )
    with db.read() as cur:
        kinds = types_known(cur, known_at)
        codes = sorted(c for c, kind in kinds.items() if kind in (AccountType.INCOME, AccountType.EXPENSE))
        marks = ", ".join(["%s"] * len(codes))
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
        chart = _chart(cur, end, known_at, sorted({str(s[0]) for s in sums}))
    income: list[StatementLine] = []
    expenses: list[StatementLine] = []
    for code, group, minor in sums:
        acct = chart[str(code)]
        value = _normal(acct, amount_in(minor, functional_currency))
        if value == 0:
            continue
        line = _line(acct, str(group), value, chart)
        (income if acct.type == AccountType.INCOME else expenses).append(line)
    scope = ReportScope(end, known_at, position, start=start, currency=functional_currency)
    return ProfitAndLoss(scope, by, income, expenses, _statement_groups(income + expenses, chart))


def balance_sheet(
    db: ViewDatabase, as_of: date, functional_currency: str, known_at: datetime | None = None
) -> BalanceSheet:
    """Assets, liabilities and equity as of a date, with the result not yet closed."""
    with db.read() as cur:
        balances = account_balances(cur, as_of, known_at)
        position = read_position(cur)
        chart = _chart(cur, as_of, known_at, sorted({b[0] for b in balances}))
    values: dict[str, int] = defaultdict(int)
    for code, _, _, value in balances:
        values[code] += value
    sums = sorted(values.items())
    parts: dict[str, list[StatementLine]] = defaultdict(list)
    result = Decimal(0)
    for code, minor in sums:
        acct = chart[code]
        signed = amount_in(minor, functional_currency)
        if acct.type in (AccountType.INCOME, AccountType.EXPENSE):
            result -= signed  # income is credit (negative): the result is its negation
        elif signed != 0:
            parts[acct.type].append(_line(acct, "", _normal(acct, signed), chart))
    scope = ReportScope(as_of, known_at, position, currency=functional_currency)
    lines = parts[AccountType.ASSET] + parts[AccountType.LIABILITY] + parts[AccountType.EQUITY]
    return BalanceSheet(
        scope,
        parts[AccountType.ASSET],
        parts[AccountType.LIABILITY],
        parts[AccountType.EQUITY],
        result + zero_in(functional_currency),
        _statement_groups(lines, chart),
    )

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

from ledger.accounts import CUSTOMER_CREDIT, RECEIVABLES, AccountType
from ledger.chart_templates import default_account as account
from ledger.policy import check_window
from projections.engine.db import ViewDatabase
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
        balance = amount_in(minor, currency)
        if balance == 0:
            continue
        acct = account(code)
        zero = zero_in(currency)
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
        zero = zero_in(currency)
        rows.append(
            ReceivableRow(
                str(party_id),
                str(name),
                currency,
                amount_in(receivable, currency) + zero,
                -amount_in(credit, currency) + zero,
            )
        )
    rows.sort(key=lambda row: (row.customer_name, row.currency, row.customer_id))
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row.currency] += row.net
    return Receivables(ReportScope(as_of, known_at, position), rows, dict(totals))


# -- statements ---------------------------------------------------------------------------


def _types(*types: AccountType) -> list[str]:
    from ledger.chart_templates import DEFAULT_CHART

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
    where, params = window_condition(end, known_at, start=start)
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
        value = _normal(code, amount_in(minor, functional_currency))
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
        signed = amount_in(minor, functional_currency)
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
        result + zero_in(functional_currency),
    )

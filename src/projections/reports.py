"""Reports over the general ledger on two time axes.

``as_of`` is the business date (lines with ``effective_date <= as_of``); ``known_at`` is
the moment whose knowledge we want (lines with ``recorded_at <= known_at``; ``None`` means
everything recorded so far). Both are indexed filters over stored facts, not replays.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger.accounts import CUSTOMER_CREDIT, RECEIVABLES, account
from ledger.money import Money
from projections.db import Cursor, ViewDatabase


@dataclass(frozen=True)
class ReportScope:
    """The parameters a report was answered for, and the log position it reflects."""

    as_of: date
    known_at: datetime | None
    position: int


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
    credit: Decimal  # unapplied customer credit (overpayments)

    @property
    def net(self) -> Decimal:
        return self.receivable - self.credit


@dataclass(frozen=True)
class Receivables:
    scope: ReportScope
    rows: list[ReceivableRow]
    totals: dict[str, Decimal] = field(default_factory=dict)


def _window(as_of: date, known_at: datetime | None, alias: str = "") -> tuple[str, list[Any]]:
    prefix = f"{alias}." if alias else ""
    sql, params = f"{prefix}effective_date <= %s", [as_of]
    if known_at is not None:
        sql += f" AND {prefix}recorded_at <= %s"
        params.append(known_at)
    return sql, params


def _position(cur: Cursor, projection: str) -> int:
    cur.execute("SELECT position FROM keel_tracking WHERE projection = %s", (projection,))
    row = cur.fetchone()
    return int(row[0]) if row else 0


def _zero(currency: str) -> Decimal:
    return Money.zero(currency).amount


def _amount(minor: int, currency: str) -> Decimal:
    return Money.from_minor(int(minor), currency).amount


def trial_balance(db: ViewDatabase, as_of: date, known_at: datetime | None = None) -> TrialBalance:
    where, params = _window(as_of, known_at)
    with db.read() as cur:
        cur.execute(
            f"SELECT account, currency, SUM(amount_minor) FROM gl_lines WHERE {where}"
            " GROUP BY account, currency ORDER BY account, currency",
            params,
        )
        sums = cur.fetchall()
        position = _position(cur, "general_ledger")
    rows: list[TrialBalanceRow] = []
    debits: dict[str, Decimal] = defaultdict(Decimal)
    credits: dict[str, Decimal] = defaultdict(Decimal)
    for code, currency, minor in sums:
        balance = _amount(minor, currency)
        if balance == 0:
            continue
        acct = account(code)
        zero = Money.zero(currency).amount
        dr, cr = (balance, zero) if balance > 0 else (zero, -balance)
        rows.append(TrialBalanceRow(code, acct.name, acct.type.value, currency, dr, cr))
        debits[currency] += dr
        credits[currency] += cr
    totals = [CurrencyTotal(c, debits[c], credits[c]) for c in sorted(set(debits) | set(credits))]
    return TrialBalance(ReportScope(as_of, known_at, position), rows, totals)


def receivables(db: ViewDatabase, as_of: date, known_at: datetime | None = None) -> Receivables:
    """Open receivables and unapplied credit per customer and currency."""
    where, params = _window(as_of, known_at, alias="g")
    with db.read() as cur:
        cur.execute(
            f"SELECT g.customer_id, COALESCE(c.name, g.customer_id), g.currency, g.account, SUM(g.amount_minor)"
            f" FROM gl_lines g LEFT JOIN customers c ON c.id = g.customer_id"
            f" WHERE g.account IN (%s, %s) AND {where}"
            " GROUP BY g.customer_id, c.name, g.currency, g.account",
            [RECEIVABLES, CUSTOMER_CREDIT, *params],
        )
        sums = cur.fetchall()
        position = _position(cur, "general_ledger")
    per: dict[tuple[str, str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for customer_id, name, currency, code, minor in sums:
        per[(customer_id, name, currency)][code] += _amount(minor, currency)
    rows = [
        ReceivableRow(cid, name, cur_, sums_[RECEIVABLES] + _zero(cur_), -sums_[CUSTOMER_CREDIT] + _zero(cur_))
        for (cid, name, cur_), sums_ in sorted(per.items(), key=lambda kv: (kv[0][1], kv[0][2]))
        if sums_[RECEIVABLES] != 0 or sums_[CUSTOMER_CREDIT] != 0
    ]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row.currency] += row.net
    return Receivables(ReportScope(as_of, known_at, position), rows, dict(totals))

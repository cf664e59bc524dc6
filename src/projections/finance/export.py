"""The general ledger as a plain-text accounting journal (ledger-cli / hledger format).

Every event that posted becomes one transaction; accounts are named by type and code
(``Assets:1100 Accounts receivable``), so ``ledger bal`` / ``hledger bs`` re-check every
balance independently. Lines in a foreign currency carry their functional value as a total
cost (``4800.00 USD @@ 4416.00 EUR``); a realised FX difference is a functional-currency line.

The header names the functional currency and the template the chart started from; then every
account of the chart is declared (ADR 0038) with its type, sub-type, group and currency as tags
of an ``account`` directive, which both ledger-cli and hledger read: ``account Assets:1010 Bank 2
; type:Asset, subtype:bank, parent:10``. The type is hledger's word for it (income is Revenue),
so hledger knows each account's type too. Groups come before the accounts they hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from typing import Any

from ledger.accounts import AccountType
from ledger.money import Money
from projections.engine.db import ViewDatabase
from projections.engine.sql import as_date
from projections.finance.account_groups import chain
from projections.finance.chart import ChartAccount, labels, template_of

# Names as the chart has them now (as known at the export's moment): one name per account in a file.
LATEST = date(9999, 12, 30)

# hledger's account type names (it refuses others in a ``type:`` tag)
HLEDGER_TYPES = {
    AccountType.ASSET: "Asset",
    AccountType.LIABILITY: "Liability",
    AccountType.EQUITY: "Equity",
    AccountType.INCOME: "Revenue",
    AccountType.EXPENSE: "Expense",
}

ROOTS = {
    AccountType.ASSET: "Assets",
    AccountType.LIABILITY: "Liabilities",
    AccountType.EQUITY: "Equity",
    AccountType.INCOME: "Income",
    AccountType.EXPENSE: "Expenses",
}


def account_name(acct: ChartAccount) -> str:
    return f"{ROOTS[AccountType(acct.type)]}:{acct.code} {acct.name.replace(':', '-')}"


def declaration(acct: ChartAccount) -> str:
    """An ``account`` directive naming the account's type, sub-type, group and currency as tags."""
    tags = [f"type:{HLEDGER_TYPES[AccountType(acct.type)]}", f"subtype:{acct.subtype}"]
    tags += [f"parent:{acct.parent}"] if acct.parent else []
    tags += [f"currency:{acct.currency}"] if acct.currency else []
    return f"account {account_name(acct)}  ; {', '.join(tags)}"


def _posting(acct: ChartAccount, currency: str, amount: Decimal, value: Decimal, functional: str) -> str:
    name = account_name(acct)
    if currency == functional or amount == 0:
        return f"    {name:<52}  {value} {functional}"
    return f"    {name:<52}  {amount} {currency} @@ {abs(value)} {functional}"


# An entry written in parts (ADR 0046): its parts, consecutive in the log, are one transaction.
PARTS = frozenset({"keel.importedentry.Begun.v1", "keel.importedentry.Continued.v1"})


def _transaction(row: tuple[Any, ...]) -> object:
    """What makes a line's transaction: its event, or the entry of a part."""
    return ("entry", row[8]) if row[2] in PARTS else row[0]


def journal_lines(db: ViewDatabase, functional_currency: str, known_at: datetime | None = None) -> Iterator[str]:
    """Yield the journal text line by line, in business-date order (ties by log position)."""
    where, params = ("WHERE recorded_at <= %s", [known_at]) if known_at else ("", [])
    with db.read() as cur:
        cur.execute(
            "SELECT position, effective_date, event_topic, memo, account, currency, amount_minor, value_minor,"
            " source_id"
            f" FROM gl_lines {where} ORDER BY effective_date, position, line_no",
            params,
        )
        rows = cur.fetchall()
        chart = labels(cur, LATEST, known_at, sorted({str(r[4]) for r in rows}))
        started_from = template_of(cur, known_at)
    scope = f"known at {known_at.isoformat()}" if known_at else "everything recorded"
    yield f"; Keel general ledger ({scope}); functional currency {functional_currency}; chart {started_from}"
    yield ""
    for code in sorted(chart, key=lambda c: chain(c, chart)):
        yield declaration(chart[code])
    yield ""
    for _, group in groupby(rows, key=_transaction):
        lines = list(group)
        first = lines[0]
        day = as_date(first[1])
        assert day is not None
        yield f"{day.isoformat()} * {first[3] or first[2]}"
        yield f"    ; keel-position: {first[0]}  keel-event: {first[2]}"
        for _, _, _, _, code, currency, amount, value, _ in lines:
            yield _posting(
                chart[str(code)],
                currency,
                Money.from_minor(int(amount), currency).amount,
                Money.from_minor(int(value), functional_currency).amount,
                functional_currency,
            )
        yield ""

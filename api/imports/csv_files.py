"""Opening balances and open items from CSV, read at the edge into import commands (ADR 0035).

Opening balances: ``account, debit, credit, currency`` and optionally ``value`` (the functional
value of a foreign-currency line), ``party``, ``document``. Open items: ``kind`` (invoice or
bill), ``party``, ``number``, ``issue_date``, ``due_date``, ``currency``, ``amount`` (still open)
and optionally ``value``. Amounts are written with a '.' and no grouping; dates as YYYY-MM-DD.
Every problem is gathered (line and field) and the file refused as a whole.
"""

from __future__ import annotations

from datetime import date

from api.imports.files import ImportFile, amount_text, csv_rows, date_of
from commands.messages import (
    ImportOpeningBalances,
    ImportOpenItems,
    OpeningBalanceRow,
    OpenItemRow,
)
from ledger.events import Meta
from ledger.imports import Problems

OPENING_COLUMNS = ("account", "debit", "credit", "currency")
OPEN_ITEM_COLUMNS = ("kind", "party", "number", "issue_date", "due_date", "currency", "amount")


def opening_balances(
    file: ImportFile, on: date, meta: Meta, against: str | None = None, force: bool = False
) -> ImportOpeningBalances:
    problems = Problems()
    rows: list[OpeningBalanceRow] = []
    lines = 0
    # A file names few accounts, currencies and parties on many lines: each text is kept once (ADR 0046).
    same: dict[str, str] = {}
    once = same.setdefault
    for line, row in csv_rows(file, OPENING_COLUMNS, problems):
        lines = line
        debit = amount_text(problems, line, "debit", row.get("debit") or "0")
        credit = amount_text(problems, line, "credit", row.get("credit") or "0")
        value = row.get("value") or None
        if value is not None:
            value = amount_text(problems, line, "value", value)
        if debit is None or credit is None:
            continue
        rows.append(
            OpeningBalanceRow(
                line=line,
                account=(account := row.get("account", "")) and once(account, account),
                debit=debit,
                credit=credit,
                currency=(currency := row.get("currency", "")) and once(currency, currency),
                value=value,
                party=(party := row.get("party") or None) and once(party, party),
                document=row.get("document") or None,
            )
        )
    source = file.source(force, lines, problems)
    return ImportOpeningBalances(meta=meta, on=on, source=source, rows=tuple(rows), against=against)


def open_items(file: ImportFile, meta: Meta, against: str | None = None, force: bool = False) -> ImportOpenItems:
    problems = Problems()
    rows: list[OpenItemRow] = []
    lines = 0
    for line, row in csv_rows(file, OPEN_ITEM_COLUMNS, problems):
        lines = line
        issued = date_of(problems, line, "issue_date", row.get("issue_date", ""))
        due = date_of(problems, line, "due_date", row.get("due_date", ""))
        amount = amount_text(problems, line, "amount", row.get("amount", ""))
        value = row.get("value") or None
        if value is not None:
            value = amount_text(problems, line, "value", value)
        if issued is None or due is None or amount is None:
            continue
        rows.append(
            OpenItemRow(
                line=line,
                kind=row.get("kind", "").lower(),
                party=row.get("party", ""),
                number=row.get("number", ""),
                issue_date=issued,
                due_date=due,
                currency=row.get("currency", ""),
                amount=amount,
                value=value,
            )
        )
    return ImportOpenItems(meta=meta, source=file.source(force, lines, problems), rows=tuple(rows), against=against)

"""Opening balances and open items from CSV, read at the edge into import commands (ADR 0035).

Opening balances: ``account, debit, credit, currency`` and optionally ``value`` (the functional
value of a foreign-currency line), ``party``, ``document``. Open items: ``kind`` (invoice or
bill), ``party``, ``number``, ``issue_date``, ``due_date``, ``currency``, ``amount`` (still open)
and optionally ``value``. Amounts are written with a '.' and no grouping; dates as YYYY-MM-DD.
Every problem is gathered (line and field) and the file refused as a whole.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from datetime import date
from typing import TypeVar

from api.imports.files import ImportFile, amount_text, csv_rows, date_of
from commands.messages import (
    ImportOpeningBalances,
    ImportOpenItems,
    OpeningBalanceRow,
    OpenItemRow,
)
from ledger.events import Meta
from ledger.imports import Problems

R = TypeVar("R", OpeningBalanceRow, OpenItemRow)
OPENING_COLUMNS = ("account", "debit", "credit", "currency")
OPEN_ITEM_COLUMNS = ("kind", "party", "number", "issue_date", "due_date", "currency", "amount")


def opening_balances(
    file: ImportFile, on: date, meta: Meta, against: str | None = None, force: bool = False
) -> ImportOpeningBalances:
    problems = Problems()
    count, lines = _count(_opening_rows(file, problems))
    rows = FileRows(lambda: _opening_rows(file, Problems(), again=True), count)
    return ImportOpeningBalances(
        meta=meta, on=on, source=file.source(force, lines, problems), rows=rows, against=against
    )


def _opening_rows(file: ImportFile, problems: Problems, again: bool = False) -> Iterator[OpeningBalanceRow]:
    # A file names few accounts, currencies and parties on many lines: each text is kept once (ADR 0046).
    same: dict[str, str] = {}
    once = same.setdefault
    for line, row in csv_rows(file, OPENING_COLUMNS, problems, report=not again):
        debit = amount_text(problems, line, "debit", row.get("debit") or "0")
        credit = amount_text(problems, line, "credit", row.get("credit") or "0")
        value = row.get("value") or None
        if value is not None:
            value = amount_text(problems, line, "value", value)
        if debit is None or credit is None:
            continue
        yield OpeningBalanceRow(
            line=line,
            account=(account := row.get("account", "")) and once(account, account),
            debit=debit,
            credit=credit,
            currency=(currency := row.get("currency", "")) and once(currency, currency),
            value=value,
            party=(party := row.get("party") or None) and once(party, party),
            document=row.get("document") or None,
        )


def open_items(file: ImportFile, meta: Meta, against: str | None = None, force: bool = False) -> ImportOpenItems:
    problems = Problems()
    count, lines = _count(_open_item_rows(file, problems))
    rows = FileRows(lambda: _open_item_rows(file, Problems(), again=True), count)
    return ImportOpenItems(meta=meta, source=file.source(force, lines, problems), rows=rows, against=against)


def _open_item_rows(file: ImportFile, problems: Problems, again: bool = False) -> Iterator[OpenItemRow]:
    for line, row in csv_rows(file, OPEN_ITEM_COLUMNS, problems, report=not again):
        issued = date_of(problems, line, "issue_date", row.get("issue_date", ""))
        due = date_of(problems, line, "due_date", row.get("due_date", ""))
        amount = amount_text(problems, line, "amount", row.get("amount", ""))
        value = row.get("value") or None
        if value is not None:
            value = amount_text(problems, line, "value", value)
        if issued is None or due is None or amount is None:
            continue
        yield OpenItemRow(
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


def _count(rows: Iterator[OpeningBalanceRow] | Iterator[OpenItemRow]) -> tuple[int, int]:
    """How many rows were read (the edge's problems gathered as they were), and the last one's line."""
    count = last = 0
    for row in rows:
        count, last = count + 1, row.line
    return count, last


class FileRows(Collection[R]):
    """A file's rows, read again from its bytes each time the handler walks them (ADR 0051): a
    command of 100,000 open items holds the file (6.5 MB), not 100,000 row objects (~50 MB). The
    same rows each time: the edge's first reading gathered the problems, each later one skips the
    same rows. A collection, not a sequence: there is no cheap way to the n-th row."""

    def __init__(self, read: Callable[[], Iterator[R]], count: int) -> None:
        self._read: Callable[[], Iterator[R]] = read
        self._count = count

    def __iter__(self) -> Iterator[R]:
        return self._read()

    def __len__(self) -> int:
        return self._count

    def __contains__(self, row: object) -> bool:
        return any(row == mine for mine in self)

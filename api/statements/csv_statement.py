"""CSV statements read with a saved column mapping per bank (``ColumnMapping``), row by row.

Banks' CSV exports differ in everything: delimiter, encoding, decimal comma or point, thousands
separators, one signed amount column or a debit and a credit column, which sign means money out.
A mapping says all of it once; the reader then refuses any row that does not fit, naming the line
and the column (``line 7, amount: '12.345,6.7' is not an amount written 1.234,56``). A CSV names
neither the account nor the currency: the caller gives both. It gives no balances either.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, BinaryIO, Literal

from api.statements.errors import StatementError
from api.statements.source import StatementEnd, StatementPart, clean, money, remittance
from ledger.bank_statements import Occurrences, Statement, StatementLine, check_account
from ledger.errors import InvalidValue
from ledger.money import Money, minor_units

Column = str | int  # a header's name, or a 0-based position when the file has no header
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1")
DELIMITERS = (",", ";", "\t", "|")
THOUSANDS = ("", ".", ",", " ", "'", "\u00a0")


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """How one bank's CSV export is laid out; saved per bank and reused for each of its files.

    Either ``amount`` (one signed column; ``sign`` says whether a positive number is money in,
    ``credit-positive``, or money out, ``debit-positive``) or both ``debit`` and ``credit``
    (unsigned or signed numbers: a debit is always money out). ``description`` columns are
    joined with a space. ``skip_rows`` are dropped before the header (bank name, account line).
    """

    date: Column
    date_format: str = "%Y-%m-%d"
    amount: Column | None = None
    debit: Column | None = None
    credit: Column | None = None
    description: tuple[Column, ...] = ()
    reference: Column | None = None
    counterparty: Column | None = None
    counterparty_iban: Column | None = None
    bank_reference: Column | None = None
    value_date: Column | None = None
    currency: Column | None = None  # when present, every row's currency must be the statement's
    decimal: Literal[".", ","] = "."
    thousands: str = ""
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    skip_rows: int = 0
    header: bool = True
    sign: Literal["credit-positive", "debit-positive"] = "credit-positive"

    def __post_init__(self) -> None:
        if (self.amount is None) == (self.debit is None and self.credit is None):
            raise InvalidValue("mapping: give either an amount column or debit and credit columns")
        if self.amount is None and (self.debit is None or self.credit is None):
            raise InvalidValue("mapping: debit and credit columns go together")
        if self.decimal not in (".", ","):
            raise InvalidValue(f"mapping: decimal separator {self.decimal!r}: '.' or ','")
        if self.thousands not in THOUSANDS or self.thousands == self.decimal:
            raise InvalidValue(
                f"mapping: thousands separator {self.thousands!r}: none, '.', ',', space or \"'\", not the decimal"
            )
        if self.delimiter not in DELIMITERS:
            raise InvalidValue(f"mapping: delimiter {self.delimiter!r}: one of , ; tab |")
        if self.encoding not in ENCODINGS:
            raise InvalidValue(f"mapping: encoding {self.encoding!r}: one of {', '.join(ENCODINGS)}")
        if self.sign not in ("credit-positive", "debit-positive"):
            raise InvalidValue(f"mapping: sign {self.sign!r}: credit-positive or debit-positive")
        if not 0 <= self.skip_rows <= 100:
            raise InvalidValue("mapping: skip_rows from 0 to 100")
        if not self.header and any(isinstance(c, str) for c in self.columns()):
            raise InvalidValue("mapping: a file without a header names its columns by position (0, 1, …)")
        if "%" not in self.date_format:
            raise InvalidValue(f"mapping: date format {self.date_format!r} is not a strftime format (e.g. %d.%m.%Y)")

    def columns(self) -> tuple[Column, ...]:
        named = (self.date, self.amount, self.debit, self.credit, self.reference, self.counterparty)
        more = (self.counterparty_iban, self.bank_reference, self.value_date, self.currency)
        return tuple(c for c in (*named, *more, *self.description) if c is not None)

    def amount_pattern(self) -> re.Pattern[str]:
        """What an amount must look like under this mapping: sign before or after, grouped or not."""
        decimals = rf"(\{self.decimal}[0-9]+)?"
        if self.thousands:
            group = re.escape(self.thousands)
            digits = rf"([0-9]{{1,3}}({group}[0-9]{{3}})+|[0-9]+)"
        else:
            digits = "[0-9]+"
        return re.compile(rf"[+-]?{digits}{decimals}|{digits}{decimals}-")

    def example(self) -> str:
        return f"1{self.thousands}234{self.decimal}56" if self.thousands else f"1234{self.decimal}56"


def mapping_from(settings: dict[str, Any]) -> ColumnMapping:
    """A mapping from its saved form (a JSON object of ``ColumnMapping``'s fields); refused naming the field."""
    if not isinstance(settings, dict):
        raise InvalidValue("mapping: a JSON object of column settings")
    known = {f for f in ColumnMapping.__dataclass_fields__}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise InvalidValue(f"mapping: no setting {unknown[0][:40]!r} (the settings are {', '.join(sorted(known))})")
    values = dict(settings)
    if "date" not in values:
        raise InvalidValue("mapping: date: the column of the booking date is required")
    if isinstance(values.get("description"), str | int):
        values["description"] = (values["description"],)
    if "description" in values:
        values["description"] = tuple(values["description"] or ())
    for name, value in values.items():
        if name in ("header",):
            if not isinstance(value, bool):
                raise InvalidValue(f"mapping: {name}: true or false")
        elif name == "skip_rows":
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidValue(f"mapping: {name}: a number of rows")
        elif name == "description":
            if not all(isinstance(c, str | int) and not isinstance(c, bool) for c in value):
                raise InvalidValue("mapping: description: column names or positions")
        elif value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            raise InvalidValue(f"mapping: {name}: a column's name or position, or a setting's text")
    try:
        return ColumnMapping(**values)
    except TypeError as exc:
        raise InvalidValue(f"mapping: {exc}") from None


def read_csv(stream: BinaryIO, mapping: ColumnMapping, *, account: str, currency: str) -> Iterator[StatementPart]:
    """The file's lines in order, then its ``StatementEnd`` (no balances, no period but the lines' own)."""
    try:
        account = check_account(account, "account")
        minor_units(currency)
    except InvalidValue as exc:
        raise StatementError(str(exc)) from None
    text = io.TextIOWrapper(stream, encoding=mapping.encoding, newline="")
    rows = csv.reader(text, delimiter=mapping.delimiter)
    occurrences, count, total = Occurrences(), 0, Decimal(0)
    first: date | None = None
    last: date | None = None
    try:
        for _ in range(mapping.skip_rows):
            next(rows, None)
        layout = _Layout(mapping, _positions(rows, mapping), account, currency)
        for row in rows:
            if not "".join(row).strip():  # a blank row (or one of empty cells): skipped
                continue
            line = occurrences.number(layout.line(row, rows.line_num))
            count, total = count + 1, total + line.amount.amount
            first = line.booking_date if first is None else min(first, line.booking_date)
            last = line.booking_date if last is None else max(last, line.booking_date)
            yield line
    except UnicodeDecodeError as exc:
        raise StatementError(
            f"not valid {mapping.encoding}: {exc.reason}", where=f"line {rows.line_num + 1}", field="encoding"
        ) from None
    except csv.Error as exc:
        raise StatementError(f"malformed CSV: {exc}", where=f"line {rows.line_num}") from None
    finally:
        text.detach()
    statement = Statement(account=account, currency=currency, from_date=first, to_date=last, source_format="csv")
    yield StatementEnd(statement, count, money(total, currency, where="total", field="amount"))


def _positions(rows: Any, mapping: ColumnMapping) -> dict[Column, int]:
    if not mapping.header:
        return {c: int(c) for c in mapping.columns()}
    header = [clean(cell).lstrip("\ufeff") for cell in next(rows, [])]
    found: dict[Column, int] = {}
    for column in mapping.columns():
        if isinstance(column, int):
            found[column] = column
        elif column in header:
            found[column] = header.index(column)
        else:
            raise StatementError(
                f"no column {column!r} in the header (it has {', '.join(repr(h) for h in header) or 'nothing'})",
                where=f"line {rows.line_num}",
                field=str(column),
            )
    return found


class _Layout:
    """A mapping applied to one file: each column's position decided once, so a row is read by
    index (a statement's 100,000 rows were a third of its import's time when every cell was
    looked up by name and every line's place spelled before it was needed)."""

    def __init__(self, mapping: ColumnMapping, positions: dict[Column, int], account: str, currency: str) -> None:
        self.mapping, self.positions, self.account, self.currency = mapping, positions, account, currency
        self.pattern = mapping.amount_pattern()
        self.signed = mapping.amount is not None
        self.amount_columns = (mapping.amount,) if self.signed else (mapping.debit, mapping.credit)
        self.width = max(positions.values(), default=-1) + 1  # the columns a row needs
        at = positions.get

        def index(column: Column | None) -> int | None:
            return None if column is None else at(column)

        self.date, self.value_date = index(mapping.date), index(mapping.value_date)
        self.description = tuple(positions[c] for c in mapping.description)
        self.one_description = self.description[0] if len(self.description) == 1 else None
        texts = (mapping.reference, mapping.counterparty, mapping.counterparty_iban, mapping.bank_reference)
        self.texts = tuple(index(c) for c in texts)
        self.currency_at = index(mapping.currency)

    def line(self, row: list[str], number: int) -> StatementLine:
        if len(row) < self.width:
            self._short(row, number)
        mapping = self.mapping
        if self.signed:
            assert mapping.amount is not None
            amount = self._number(row, mapping.amount, number)
            if amount is None:
                raise StatementError("missing amount", where=f"line {number}", field=str(mapping.amount))
            if mapping.sign == "debit-positive":
                amount = -amount
            field = str(mapping.amount)
        else:
            assert mapping.debit is not None and mapping.credit is not None
            debit, credit = self._number(row, mapping.debit, number), self._number(row, mapping.credit, number)
            if debit is None and credit is None:
                raise StatementError(
                    "neither debit nor credit has an amount", where=f"line {number}", field=str(mapping.debit)
                )
            if debit and credit:
                raise StatementError(
                    "both debit and credit have an amount", where=f"line {number}", field=str(mapping.debit)
                )
            amount = abs(credit) if credit else -abs(debit or Decimal(0))
            field = str(mapping.credit if credit else mapping.debit)
        if self.currency_at is not None and row[self.currency_at].strip() != self.currency:
            raise StatementError(
                f"{row[self.currency_at].strip()!r}, but the statement's currency is {self.currency}",
                where=f"line {number}",
                field=str(mapping.currency),
            )
        assert self.date is not None
        at = self.texts
        reference = None if at[0] is None else _text(row[at[0]])
        counterparty = None if at[1] is None else _text(row[at[1]])
        iban = None if at[2] is None else _text(row[at[2]])
        bank_reference = None if at[3] is None else _text(row[at[3]])
        one = self.one_description
        description = row[one] if one is not None else " ".join(row[i].strip() for i in self.description)
        try:
            return StatementLine(
                account=self.account,
                booking_date=_date(row[self.date].strip(), mapping, number, str(mapping.date)),  # type: ignore[arg-type]
                value_date=(
                    None
                    if self.value_date is None
                    else _date(row[self.value_date].strip(), mapping, number, str(mapping.value_date))
                ),
                amount=Money(amount, self.currency),
                description=remittance(_text(description) or ""),
                reference=reference,
                counterparty_name=counterparty,
                counterparty_iban=iban,
                bank_reference=bank_reference,
            )
        except InvalidValue as exc:
            if isinstance(exc, StatementError):
                raise
            message = str(exc)
            if message.startswith("amount: "):  # the amount's precision or size: named by its column
                raise StatementError(message.removeprefix("amount: "), where=f"line {number}", field=field) from None
            raise StatementError(message, where=f"line {number}") from None

    def _number(self, row: list[str], column: Column, number: int) -> Decimal | None:
        value = row[self.positions[column]].strip()
        if not value:
            return None
        mapping = self.mapping
        if not self.pattern.fullmatch(value):
            raise StatementError(
                f"{value[:40]!r} is not an amount written {mapping.example()}"
                f" (decimal {mapping.decimal!r}, thousands {mapping.thousands or 'none'!r})",
                where=f"line {number}",
                field=str(column),
            )
        negative = value.startswith("-") or value.endswith("-")
        digits = value.strip("+-")
        if mapping.thousands:
            digits = digits.replace(mapping.thousands, "")
        amount = Decimal(digits.replace(",", "."))
        return -amount if negative else amount

    def _short(self, row: list[str], number: int) -> None:
        """A row without every mapped column: named by the first one missing, in the order read."""
        m = self.mapping
        order = (*self.amount_columns, m.currency, m.date, m.value_date, *m.description)
        for column in (*order, m.reference, m.counterparty, m.counterparty_iban, m.bank_reference):
            if column is not None and self.positions[column] >= len(row):
                raise StatementError(
                    f"the row has {len(row)} columns, this one is number {self.positions[column] + 1}",
                    where=f"line {number}",
                    field=str(column),
                )


def _text(cell: str) -> str | None:
    """A cell's text with layout whitespace as one space (``clean``), None when empty; most cells
    have none to fold, and are only trimmed."""
    text = cell.strip()
    if "  " in text or "\t" in text or "\n" in text or "\r" in text:
        text = clean(text)
    return text or None


@lru_cache(maxsize=4096)
def _parsed(value: str, date_format: str) -> date:
    # A statement's lines share a few hundred days: strptime was a tenth of reading 100,000 lines.
    return datetime.strptime(value, date_format).date()


def _date(value: str, mapping: ColumnMapping, number: int, field: str) -> date | None:
    if not value:
        if field == str(mapping.date):
            raise StatementError("missing date", where=f"line {number}", field=field)
        return None
    try:
        return _parsed(value, mapping.date_format)
    except ValueError:
        raise StatementError(
            f"{value[:40]!r} is not a date in the format {mapping.date_format}", where=f"line {number}", field=field
        ) from None

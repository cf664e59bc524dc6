"""Rate files: a CSV with a header naming ``date``, ``currency`` and ``rate`` (in any order), one
rate a line (dates YYYY-MM-DD, rates with a decimal point). The whole file is read and checked
before anything is written: every error is listed with its line number, and the file's SHA-256
digest is what makes a second import of the same file recognisable (ADR 0033)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date

from commands.messages import FxRateInput
from ledger.errors import InvalidValue
from ledger.fx import MAX_IMPORT_ROWS, FxRate, make_rate

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_ERRORS = 50
COLUMNS = ("date", "currency", "rate")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class RateFileError(InvalidValue):
    """A rate file refused: ``errors`` names every line that is wrong (the first ``MAX_ERRORS``)."""

    def __init__(self, name: str, errors: list[str], more: int = 0) -> None:
        self.errors = errors
        self.more = more
        tail = f" (and {more} more)" if more else ""
        super().__init__(
            f"{name}: {len(errors) + more} error{'s' * (len(errors) + more != 1)}{tail}: " + "; ".join(errors)
        )


def _text(data: bytes, name: str) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise RateFileError(name, [f"the file has {len(data)} bytes; at most {MAX_FILE_BYTES} are read"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RateFileError(name, [f"byte {exc.start + 1}: not UTF-8 text"]) from None


def _columns(header: list[str] | None, name: str) -> dict[str, int]:
    """Where the date, currency and rate are in a line, from the header."""
    if header is None:
        raise RateFileError(name, ["the file is empty; its first line names the columns date, currency, rate"])
    names = [h.strip().lower() for h in header]
    if any(c not in names for c in COLUMNS) or len(set(names)) != len(names):
        raise RateFileError(
            name, [f"line 1: the header names the columns date, currency and rate once each, got {header[:6]!r}"]
        )
    return {c: names.index(c) for c in COLUMNS} | {"": len(names)}


def _rate(row: list[str], at: dict[str, int], functional_currency: str) -> FxRate:
    """One line's rate, checked; InvalidValue naming the field."""
    if len(row) != at[""]:
        raise InvalidValue(f"{len(row)} fields where the header has {at['']}")
    day_text, currency, rate = (row[at[c]].strip() for c in COLUMNS)
    if not _DATE.fullmatch(day_text):
        raise InvalidValue(f"date: not a date (YYYY-MM-DD): {day_text[:20]!r}")
    try:
        day = date.fromisoformat(day_text)
    except ValueError as exc:  # a 31st of February
        raise InvalidValue(f"date: {exc}: {day_text!r}") from None
    return make_rate(currency, day, rate, functional_currency)


def read_rate_file(data: bytes, functional_currency: str, name: str = "rates.csv") -> tuple[list[FxRateInput], str]:
    """The rates of a CSV file and its SHA-256 digest; ``RateFileError`` listing every bad line."""
    digest = hashlib.sha256(data).hexdigest()
    reader = csv.reader(io.StringIO(_text(data, name), newline=""))
    errors: list[str] = []
    rates: list[FxRateInput] = []
    first: dict[tuple[str, date], int] = {}
    try:
        at = _columns(next(reader, None), name)
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(rates) >= MAX_IMPORT_ROWS:
                raise RateFileError(name, [f"line {line}: at most {MAX_IMPORT_ROWS} rates in one file"])
            try:
                rate = _rate(row, at, functional_currency)
                if (rate.currency, rate.on) in first:
                    was = first[(rate.currency, rate.on)]
                    raise InvalidValue(f"{rate.currency} on {rate.on} is given twice (first on line {was})")
            except InvalidValue as exc:
                errors.append(f"line {line}: {exc}")
                continue
            first[(rate.currency, rate.on)] = line
            rates.append(FxRateInput(currency=rate.currency, rate_date=rate.on, rate=str(rate.rate)))
    except csv.Error as exc:
        raise RateFileError(name, [*errors, f"line {reader.line_num}: not CSV: {exc}"][:MAX_ERRORS]) from None
    if errors:
        raise RateFileError(name, errors[:MAX_ERRORS], max(len(errors) - MAX_ERRORS, 0))
    if not rates:
        raise RateFileError(name, ["the file has a header but no rates"])
    return rates, digest

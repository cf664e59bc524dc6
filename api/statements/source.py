"""What every reader shares: the size bound on the input, text cleaning, amounts and what a reader yields."""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from api.statements.errors import StatementError, StatementTooLarge
from ledger.bank_statements import Statement, StatementLine, balance_difference
from ledger.errors import InvalidValue
from ledger.money import Money
from ledger.policy import TEXT

DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # a year of a busy account in CAMT.053 is a few MB
Source = bytes | bytearray | memoryview | BinaryIO
_CHUNK = 1024 * 1024


def bounded(source: Source, max_bytes: int) -> BinaryIO:
    """A seekable binary stream of ``source``, refused before parsing when longer than ``max_bytes``.

    Bytes are checked by length; a seekable file by its size, without reading it; any other
    stream is copied in chunks to a spooled temporary file and refused as soon as it exceeds
    the bound, so a 200 MB upload costs at most ``max_bytes`` of reading.
    """
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")
    if isinstance(source, bytes | bytearray | memoryview):
        _within(len(source), max_bytes)
        return io.BytesIO(bytes(source))
    if source.seekable():
        start = source.tell()
        size = source.seek(0, io.SEEK_END) - start
        source.seek(start)
        _within(size, max_bytes)
        return source
    spool: BinaryIO = tempfile.SpooledTemporaryFile(max_size=8 * _CHUNK)  # type: ignore[assignment]  # noqa: SIM115 (handed to the caller)
    copied = 0
    while chunk := source.read(_CHUNK):
        copied += len(chunk)
        _within(copied, max_bytes, exact=False)
        spool.write(chunk)
    spool.seek(0)
    return spool


def _within(size: int, max_bytes: int, *, exact: bool = True) -> None:
    if size > max_bytes:
        what = f"{size:,} bytes" if exact else f"more than {max_bytes:,} bytes"
        raise StatementTooLarge(f"the file has {what}; statements of at most {max_bytes:,} bytes are accepted")


def head(stream: BinaryIO, size: int = 64 * 1024) -> bytes:
    """The first ``size`` bytes, the stream left where it was."""
    start = stream.tell()
    data = stream.read(size)
    stream.seek(start)
    return data


def copy_to_bytes(stream: BinaryIO) -> bytes:
    out = io.BytesIO()
    shutil.copyfileobj(stream, out)
    return out.getvalue()


_SPACES = re.compile(r"[ \t\r\n]+")


def clean(text: str | None) -> str:
    """Layout whitespace (runs of spaces, tabs, line breaks) as one space, trimmed; other control
    characters stay, for the input policy to refuse by name."""
    return _SPACES.sub(" ", text).strip() if text else ""


MARKER = " […]"


def remittance(text: str, limit: int = TEXT.max_length) -> str:
    """A bank's free text within the input policy's ``text`` kind: cut to ``limit`` characters, ending
    with a marker when cut (ADR 0034). The bank wrote it, not the user, so a statement is never
    refused for it; what reconciliation needs (an invoice number, a reference) comes first, and the
    cut is the same on every read, so a line's key is too."""
    return text if len(text) <= limit else text[: limit - len(MARKER)].rstrip() + MARKER


def optional(text: str | None) -> str | None:
    return clean(text) or None


_POINT_AMOUNT = re.compile(r"[0-9]{1,18}(\.[0-9]{1,18})?")


Where = str | Callable[[], str]  # a place, or how to spell it when an error needs it


def plain_amount(text: str | None, currency: str, *, where: Where, field: str) -> Money:
    """A non-negative amount written ``1234.56`` (ISO 20022) in ``currency``, refused with its place named."""
    value = (text or "").strip()
    if not value:
        raise StatementError("missing amount", where=_spelled(where), field=field)
    if not _POINT_AMOUNT.fullmatch(value):
        raise StatementError(
            f"{value[:40]!r} is not an amount: ASCII digits with a decimal point, no sign or separators",
            where=_spelled(where),
            field=field,
        )
    return money(Decimal(value), currency, where=where, field=field)


def money(amount: Decimal, currency: str, *, where: Where, field: str) -> Money:
    """Money in ``currency`` whose precision and size the input policy accepts."""
    try:
        result = Money(amount, currency)
        result.to_minor()
    except InvalidValue as exc:  # from money.py, named by place here
        raise StatementError(str(exc), where=_spelled(where), field=field) from None
    return result


def _spelled(where: Where) -> str:
    return where if isinstance(where, str) else where()


@dataclass(frozen=True, slots=True)
class StatementEnd:
    """Yielded by ``iter_statement`` after a statement's lines: the statement without them, and their sum."""

    statement: Statement
    line_count: int
    lines_total: Money

    def balance_difference(self) -> Money | None:
        """``opening + lines - closing``: zero when the statement adds up, None when a balance is missing."""
        return balance_difference(self.statement.opening_balance, self.lines_total, self.statement.closing_balance)


StatementPart = StatementLine | StatementEnd

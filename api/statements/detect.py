"""One way in for every statement format: detect it from the bytes, read it, bound its size.

    read_statement(data)                                   # CAMT.053 or OFX: the one statement in it
    read_statement(data, format="csv", mapping=m, account="GR16…", currency="EUR")
    for part in iter_statement(upload, max_bytes=…): …     # lines as they are read, memory flat

Every refusal is a ``StatementError`` (an ``InvalidValue``: a 422 problem over HTTP) naming the
file, the part (``line 12``, ``/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt``) and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from api.statements.camt053 import NAMESPACE, read_camt053, refuse_doctype
from api.statements.csv_statement import ColumnMapping, read_csv
from api.statements.errors import StatementError
from api.statements.ofx import read_ofx
from api.statements.source import DEFAULT_MAX_BYTES, Source, StatementEnd, StatementPart, bounded, head
from ledger.bank_statements import Statement, StatementLine

Format = Literal["camt053", "ofx", "csv"]
FORMATS: tuple[Format, ...] = ("camt053", "ofx", "csv")
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[^>]*?xmlns(?::[\w.-]+)?=[\"']([^\"']*)[\"']", re.S)


def detect_format(data: bytes) -> Format:
    """The format of a statement from its first bytes: an OFX header or ``<OFX>``, a CAMT.053 root, else CSV."""
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"OFXHEADER:") or b"<?OFX" in start[:1024] or re.match(rb"(<\?xml[^>]*>\s*)?<OFX>", start):
        return "ofx"
    if start.startswith(b"<") or start.startswith(b"\xff\xfe") or start.startswith(b"\xfe\xff"):
        refuse_doctype(data)
        root = _ROOT.search(start)
        namespace = root.group(3).decode("ascii", "replace") if root else ""
        if namespace.startswith(NAMESPACE):
            return "camt053"
        shown = namespace or "no namespace"
        hint = " (camt.052 and camt.054 are reports and notifications, not statements)" if "camt.05" in shown else ""
        raise StatementError(f"an XML document that is neither CAMT.053 nor OFX: {shown}{hint}", field="format")
    return "csv"


def iter_statement(
    source: Source,
    *,
    format: Format | None = None,
    mapping: ColumnMapping | None = None,
    account: str | None = None,
    currency: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    filename: str | None = None,
) -> Iterator[StatementPart]:
    """Each statement's lines as they are read, each followed by its ``StatementEnd``.

    ``account``, when given, must be the statement's own (CAMT, OFX); a CSV needs it and
    ``currency``, since a CSV names neither. A refusal may come after some lines were yielded:
    a caller that writes as it reads must discard what it got from a file that then fails.
    """
    try:
        stream = bounded(source, max_bytes)
        kind = format or detect_format(head(stream))
        if kind == "camt053":
            yield from read_camt053(stream, account=account)
        elif kind == "ofx":
            yield from read_ofx(stream, account=account)
        elif kind == "csv":
            if mapping is None:
                raise StatementError("a CSV statement needs a column mapping", field="mapping")
            if account is None or currency is None:
                raise StatementError("a CSV statement names no account or currency: give both", field="account")
            yield from read_csv(stream, mapping, account=account, currency=currency)
        else:
            raise StatementError(f"unknown format {kind!r}: one of {', '.join(FORMATS)}", field="format")
    except StatementError as exc:
        raise exc.in_file(filename) from None


def read_statements(
    source: Source,
    *,
    format: Format | None = None,
    mapping: ColumnMapping | None = None,
    account: str | None = None,
    currency: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    filename: str | None = None,
) -> tuple[Statement, ...]:
    """Every statement in the file with its lines (a CAMT.053 document or an OFX file may hold several)."""
    statements: list[Statement] = []
    lines: list[StatementLine] = []
    parts = iter_statement(
        source,
        format=format,
        mapping=mapping,
        account=account,
        currency=currency,
        max_bytes=max_bytes,
        filename=filename,
    )
    for part in parts:
        if isinstance(part, StatementEnd):
            s = part.statement
            statements.append(
                Statement(
                    account=s.account,
                    currency=s.currency,
                    lines=tuple(lines),
                    statement_id=s.statement_id,
                    from_date=s.from_date,
                    to_date=s.to_date,
                    opening_balance=s.opening_balance,
                    closing_balance=s.closing_balance,
                    source_format=s.source_format,
                )
            )
            lines = []
        else:
            lines.append(part)
    return tuple(statements)


def read_statement(
    source: Source,
    *,
    format: Format | None = None,
    mapping: ColumnMapping | None = None,
    account: str | None = None,
    currency: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    filename: str | None = None,
) -> Statement:
    """The one statement in the file; a file holding several is refused (use ``read_statements``)."""
    found = read_statements(
        source,
        format=format,
        mapping=mapping,
        account=account,
        currency=currency,
        max_bytes=max_bytes,
        filename=filename,
    )
    if len(found) != 1:
        raise StatementError(
            f"the file holds {len(found)} statements, not one (read_statements reads several)",
            field="Stmt",
            filename=filename,
        )
    return found[0]

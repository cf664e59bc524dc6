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
from dataclasses import replace
from typing import Literal, TypedDict, Unpack

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


class ReadOptions(TypedDict, total=False):
    """How a file is read: its ``format`` (None: detected), the CSV ``mapping``, the ``account``
    it must be for (a CSV's own, with its ``currency``), its size bound and its name in errors."""

    format: Format | None
    mapping: ColumnMapping | None
    account: str | None
    currency: str | None
    max_bytes: int
    filename: str | None


def iter_statement(source: Source, **options: Unpack[ReadOptions]) -> Iterator[StatementPart]:
    """Each statement's lines as they are read, each followed by its ``StatementEnd``.

    ``account``, when given, must be the statement's own (CAMT, OFX); a CSV needs it and
    ``currency``, since a CSV names neither. A refusal may come after some lines were yielded:
    a caller that writes as it reads must discard what it got from a file that then fails.
    """
    account, mapping, currency = options.get("account"), options.get("mapping"), options.get("currency")
    try:
        stream = bounded(source, options.get("max_bytes", DEFAULT_MAX_BYTES))
        kind = options.get("format") or detect_format(head(stream))
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
        raise exc.in_file(options.get("filename")) from None


def read_statements(source: Source, **options: Unpack[ReadOptions]) -> tuple[Statement, ...]:
    """Every statement in the file with its lines (a CAMT.053 document or an OFX file may hold several)."""
    statements: list[Statement] = []
    lines: list[StatementLine] = []
    for part in iter_statement(source, **options):
        if isinstance(part, StatementEnd):
            statements.append(replace(part.statement, lines=tuple(lines)))
            lines = []
        else:
            lines.append(part)
    return tuple(statements)


def read_statement(source: Source, **options: Unpack[ReadOptions]) -> Statement:
    """The one statement in the file; a file holding several is refused (use ``read_statements``)."""
    found = read_statements(source, **options)
    if len(found) != 1:
        raise StatementError(
            f"the file holds {len(found)} statements, not one (read_statements reads several)",
            field="Stmt",
            filename=options.get("filename"),
        )
    return found[0]

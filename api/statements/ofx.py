"""OFX bank and credit-card statements: OFX 1.x (SGML, leaf elements unclosed) and 2.x (XML).

A small reader of our own rather than ``ofxtools`` (docs/dependencies.md says why): one tokenizer
serves both dialects, every error names the line and the element, and no XML parser runs, so
there is no DTD or entity to abuse (a ``<!`` declaration is refused; only the five XML entities
and character references are decoded). Transactions are turned into lines as each ``STMTTRN``
closes and are not kept.

Read per ``STMTRS`` (or ``CCSTMTRS``): ``CURDEF``; the account (``BANKACCTFROM``/``CCACCTFROM``
``ACCTID``); ``BANKTRANLIST`` ``DTSTART``/``DTEND``; each ``STMTTRN``: ``DTPOSTED`` (booking date),
``DTAVAIL`` (value date), ``TRNAMT`` (signed), ``FITID`` (the bank's reference), ``NAME`` (or
``PAYEE/NAME``), ``MEMO``, ``REFNUM`` or ``CHECKNUM`` (reference); ``LEDGERBAL/BALAMT`` (closing
balance). OFX gives no opening balance.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from api.statements.errors import StatementError
from api.statements.source import StatementEnd, StatementPart, clean, copy_to_bytes, money, remittance
from ledger.bank_statements import (
    Occurrences,
    Statement,
    StatementLine,
    check_account,
    looks_like_iban,
    normalise_iban,
)
from ledger.errors import InvalidValue
from ledger.money import Money

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9._]*)\s*>")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_AMOUNT = re.compile(r"[+-]?([0-9]{1,18}([.,][0-9]{0,18})?|[.,][0-9]{1,18})")
_DATE = re.compile(r"([0-9]{8})([0-9]{6}(\.[0-9]{1,3})?)?(\[[^\]]*\])?")
_CHARSETS = {"1252": "cp1252", "ISO-8859-1": "latin-1", "8859-1": "latin-1", "NONE": "cp1252", "UTF-8": "utf-8"}
_STATEMENTS = ("STMTRS", "CCSTMTRS")


@dataclass
class _Node:
    name: str
    line: int
    text: str | None = None  # a leaf's value
    children: list[_Node] = field(default_factory=list)

    def find(self, path: str) -> _Node | None:
        node: _Node | None = self
        for step in path.split("/"):
            node = next((c for c in node.children if c.name == step), None) if node is not None else None
        return node

    def value(self, path: str) -> str | None:
        node = self.find(path)
        return None if node is None or node.text is None else clean(node.text) or None


def read_ofx(stream: BinaryIO, *, account: str | None = None) -> Iterator[StatementPart]:
    """Each statement's lines, then its ``StatementEnd``, as the document is read."""
    text, first_line, version = _decode(copy_to_bytes(stream))
    builder = _Builder(account, version)
    yield from builder.run(text, first_line)
    if not builder.seen_statement:
        raise StatementError("no bank or credit card statement (STMTRS, CCSTMTRS) in the OFX document", field="STMTRS")


def _decode(data: bytes) -> tuple[str, int, str]:
    """The body's text and the line it starts on, decoded as its header says (OFX 1) or as XML (OFX 2)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    start = data.lstrip()
    if start.startswith(b"<?xml") or start.startswith(b"<OFX") or start.startswith(b"<?OFX"):
        declared = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)", data)
        codec, body_start, version = (declared.group(1).decode() if declared else "utf-8"), 0, "ofx-2"
    elif start.startswith(b"OFXHEADER:"):
        end = data.find(b"<")
        if end < 0:
            raise StatementError("an OFX header with no body: the file is truncated", where="line 1", field="OFX")
        headers = dict(
            (k.strip().upper(), v.strip().upper())
            for k, _, v in (line.partition(":") for line in data[:end].decode("ascii", "replace").splitlines())
            if k.strip()
        )
        codec = "utf-8" if headers.get("ENCODING") == "UTF-8" else _CHARSETS.get(headers.get("CHARSET", "1252"), "")
        if not codec:
            raise StatementError(f"unknown OFX CHARSET {headers.get('CHARSET')!r}", where="line 1", field="CHARSET")
        body_start, version = end, "ofx-1"
    else:
        raise StatementError("not an OFX document: no OFXHEADER and no <OFX>", where="line 1", field="OFX")
    try:
        text = data[body_start:].decode(codec)
    except (UnicodeDecodeError, LookupError) as exc:
        line = data[: body_start + getattr(exc, "start", 0)].count(b"\n") + 1
        raise StatementError(f"not valid {codec}: {exc}", where=f"line {line}", field="encoding") from None
    return text, data[:body_start].count(b"\n") + 1, version


class _Builder:
    """Builds the element tree, except that each ``STMTTRN`` becomes a line when it closes (and is dropped)."""

    def __init__(self, account: str | None, version: str) -> None:
        self.expected, self.version, self.seen_statement = account, version, False
        self._reset()

    def _reset(self) -> None:
        self.occurrences = Occurrences()
        self.count, self.total = 0, Decimal(0)
        self.header: tuple[str, str] | None = None

    def run(self, text: str, line: int) -> Iterator[StatementPart]:
        stack = [_Node("#document", line)]
        pos = 0
        while (lt := text.find("<", pos)) >= 0:
            line += text.count("\n", pos, lt)
            pos = lt
            for opener, ender in (("<!--", "-->"), ("<?", "?>")):
                if text.startswith(opener, lt):
                    end = text.find(ender, lt)
                    if end < 0:
                        raise StatementError(f"{opener} is never closed", where=f"line {line}", field="OFX")
                    line += text.count("\n", lt, end)
                    pos = end + len(ender)
                    break
            else:
                tag = _TAG.match(text, lt)
                if tag is None:
                    what = (
                        "a declaration (<!DOCTYPE, <!ENTITY, CDATA)" if text.startswith("<!", lt) else "a malformed tag"
                    )
                    raise StatementError(f"{what} is not accepted in OFX", where=f"line {line}", field="OFX")
                name, pos = tag.group(2).upper(), tag.end()
                if tag.group(1):
                    yield from self._close(stack, name, line)
                    continue
                following = text.find("<", pos)
                following = len(text) if following < 0 else following
                value = text[pos:following]
                closer = _TAG.match(text, following)
                closes_it = closer is not None and closer.group(1) == "/" and closer.group(2).upper() == name
                if value.strip() or closes_it:  # a leaf: <TRNAMT>-12.50 (SGML) or <TRNAMT>-12.50</TRNAMT> (XML)
                    stack[-1].children.append(_Node(name, line, _unescape(value.strip())))
                    line += text.count("\n", pos, following)
                    pos = closer.end() if closes_it and closer is not None else following
                else:
                    node = _Node(name, line)
                    stack[-1].children.append(node)
                    stack.append(node)
        if len(stack) > 1:
            node = stack[-1]
            raise StatementError(
                f"the file ends inside <{node.name}> opened on line {node.line}: it is truncated",
                where=f"line {line}",
                field=node.name,
            )

    def _close(self, stack: list[_Node], name: str, line: int) -> Iterator[StatementPart]:
        depth = next((i for i in range(len(stack) - 1, 0, -1) if stack[i].name == name), None)
        if depth is None:
            raise StatementError(f"</{name}> closes nothing that is open", where=f"line {line}", field=name)
        node = stack[depth]
        del stack[depth:]
        if name == "STMTTRN":
            stack[-1].children.remove(node)
            statement = next((n for n in reversed(stack) if n.name in _STATEMENTS), None)
            if statement is not None:
                line_ = self.occurrences.number(self._line(node, self._header(statement)))
                self.count, self.total = self.count + 1, self.total + line_.amount.amount
                yield line_
        elif name in _STATEMENTS:
            stack[-1].children.remove(node)
            self.seen_statement = True
            yield self._end(node)
            self._reset()

    def _header(self, statement: _Node) -> tuple[str, str]:
        if self.header is None:
            where = f"line {statement.line}"
            currency = statement.value("CURDEF")
            if currency is None:
                raise StatementError("missing", where=where, field="CURDEF")
            raw = statement.value("BANKACCTFROM/ACCTID") or statement.value("CCACCTFROM/ACCTID")
            if raw is None:
                raise StatementError("missing: the statement names no account", where=where, field="ACCTID")
            try:
                account = check_account(raw, "ACCTID")
            except InvalidValue as exc:
                raise StatementError(str(exc), where=where, field="ACCTID") from None
            if self.expected is not None and normalise_iban(account) != normalise_iban(self.expected):
                raise StatementError(
                    f"the statement is for account {account}, not {self.expected}", where=where, field="ACCTID"
                )
            self.header = (account, currency)
        return self.header

    def _line(self, trn: _Node, header: tuple[str, str]) -> StatementLine:
        account, currency = header
        where = f"line {trn.line}"
        if trn.find("CURRENCY") is not None or trn.find("ORIGCURRENCY") is not None:
            raise StatementError(
                "a transaction in another currency than CURDEF is not supported", where=where, field="CURRENCY"
            )
        reference = trn.value("REFNUM") or trn.value("CHECKNUM")
        counterparty = trn.find("BANKACCTTO/ACCTID")
        iban = counterparty.text if counterparty is not None and counterparty.text else None
        try:
            return StatementLine(
                account=account,
                booking_date=_date(trn, "DTPOSTED", required=True),  # type: ignore[arg-type]
                value_date=_date(trn, "DTAVAIL"),
                amount=_amount(trn, "TRNAMT", currency, required=True),  # type: ignore[arg-type]
                description=remittance(trn.value("MEMO") or ""),
                reference=reference,
                counterparty_name=trn.value("NAME") or trn.value("PAYEE/NAME"),
                counterparty_iban=iban if iban and looks_like_iban(iban) else None,
                bank_reference=trn.value("FITID"),
            )
        except InvalidValue as exc:
            if isinstance(exc, StatementError):
                raise
            raise StatementError(str(exc), where=where, field="STMTTRN") from None

    def _end(self, node: _Node) -> StatementEnd:
        account, currency = self._header(node)
        where = f"line {node.line}"
        try:
            statement = Statement(
                account=account,
                currency=currency,
                from_date=_date(node, "BANKTRANLIST/DTSTART"),
                to_date=_date(node, "BANKTRANLIST/DTEND"),
                closing_balance=_amount(node, "LEDGERBAL/BALAMT", currency),
                source_format=self.version,
            )
        except InvalidValue as exc:
            if isinstance(exc, StatementError):
                raise
            raise StatementError(str(exc), where=where, field=node.name) from None
        return StatementEnd(statement, self.count, money(self.total, currency, where=where, field="TRNAMT"))


def _amount(parent: _Node, path: str, currency: str, *, required: bool = False) -> Money | None:
    node = parent.find(path)
    field = path.rsplit("/", 1)[-1]
    if node is None or not node.text:
        if required:
            raise StatementError("missing amount", where=f"line {parent.line}", field=field)
        return None
    value = node.text.strip()
    if not _AMOUNT.fullmatch(value):
        raise StatementError(
            f"{value[:40]!r} is not an amount: digits with one decimal point or comma and a sign,"
            " no thousands separators",
            where=f"line {node.line}",
            field=field,
        )
    return money(Decimal(value.replace(",", ".")), currency, where=f"line {node.line}", field=field)


def _date(parent: _Node, path: str, *, required: bool = False) -> date | None:
    node = parent.find(path)
    field = path.rsplit("/", 1)[-1]
    if node is None or not node.text:
        if required:
            raise StatementError("missing date", where=f"line {parent.line}", field=field)
        return None
    match = _DATE.fullmatch(node.text.strip())
    try:
        if match is None:
            raise ValueError
        day = match.group(1)
        return date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise StatementError(
            f"{node.text[:40]!r} is not a date (YYYYMMDD, optionally with a time)",
            where=f"line {node.line}",
            field=field,
        ) from None


def _unescape(value: str) -> str:
    def one(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref.startswith("#"):
            code = int(ref[2:], 16) if ref.startswith("#x") else int(ref[1:])
            return chr(code) if code <= 0x10FFFF else match.group(0)
        return _ENTITIES.get(ref, match.group(0))

    return re.sub(r"&(#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6}|[a-z]+);", one, value) if "&" in value else value

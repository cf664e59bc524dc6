"""ISO 20022 CAMT.053 (bank-to-customer statement), versions camt.053.001.02 to .08, read as a stream.

The parser forbids what makes XML dangerous: a document with a DOCTYPE is refused outright, and
lxml is told to load no DTD, resolve no entity, touch no network and refuse huge nodes. Entries
(``Ntry``) are read one at a time with ``iterparse`` and dropped once read, so memory stays flat
however long the statement is (the file's size is bounded before parsing: ``source.bounded``).

What is read, per ``Stmt``: the account (``Acct/Id/IBAN`` or ``Acct/Id/Othr/Id``) and currency,
the statement's id and period, the opening (``OPBD``, else ``PRCD``) and closing (``CLBD``) booked
balances, and each booked entry: ``CdtDbtInd`` signs it, ``BookgDt``/``ValDt`` (``Dt`` or
``DtTm``), ``AcctSvcrRef``, charges (``Chrgs``), and from its transaction details the remittance
information (``Ustrd``; ``Strd/CdtrRefInf/Ref``), the end-to-end id and the counterparty (the
debtor of money in, the creditor of money out). A batch-booked entry (several ``TxDtls`` that each
carry an amount) becomes one line per transaction, whose amounts must add up to the entry's.
Entries not booked (``Sts`` other than ``BOOK``: pending, information) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, BinaryIO

from lxml import etree

from api.statements.errors import StatementError
from api.statements.source import StatementEnd, StatementPart, clean, head, optional, plain_amount, remittance
from ledger.bank_statements import Occurrences, Statement, StatementLine, check_account, normalise_iban
from ledger.errors import InvalidValue
from ledger.money import Money

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001."
VERSIONS = {f"{NAMESPACE}{n:02d}": f"camt.053.001.{n:02d}" for n in range(2, 9)}
# The hardened parser: no DTD, no entities, no network, no huge nodes, no comments or PIs kept.
PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "dtd_validation": False,
    "remove_comments": True,
    "remove_pis": True,
}
_DOCTYPES = tuple(
    mark.encode(codec) for mark in ("<!DOCTYPE", "<!ENTITY") for codec in ("ascii", "utf-16-le", "utf-16-be")
)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def refuse_doctype(data: bytes) -> None:
    """Refuse a document that declares a DOCTYPE or an entity (checked on the bytes, before any parser runs)."""
    if any(mark in data for mark in _DOCTYPES):
        raise StatementError(
            "the document declares a DOCTYPE or entities: refused (statements need neither, and they are how XML"
            " bombs and external-entity attacks work)",
            field="DOCTYPE",
        )


def version_of(namespace: str) -> str | None:
    """``camt.053.001.02`` … ``.08`` for a supported namespace, else None."""
    return VERSIONS.get(namespace)


class _At:
    """An element and its place in the document, spelled out only when an error needs it."""

    __slots__ = ("base", "elem", "index", "name")

    def __init__(self, elem: Any, base: _At | str, name: str, index: int = 0) -> None:
        self.elem, self.base, self.name, self.index = elem, base, name, index

    def path(self, *more: str) -> str:
        base = self.base if isinstance(self.base, str) else self.base.path()
        step = f"{self.name}[{self.index}]" if self.index else self.name
        return "/".join((f"{base}/{step}", *more))


@dataclass
class _Header:
    account: str
    currency: str | None
    statement_id: str | None
    from_date: date | None
    to_date: date | None
    opening: Money | None = None
    closing: Money | None = None


class _Reader:
    def __init__(self, namespace: str, account: str | None) -> None:
        self.ns, self.expected = namespace, account
        self._names: dict[str, str] = {}

    def q(self, path: str) -> str:
        qualified = self._names.get(path)
        if qualified is None:
            qualified = self._names[path] = "/".join(f"{{{self.ns}}}{step}" for step in path.split("/"))
        return qualified

    def one(self, at: _At, path: str) -> _At | None:
        elem = at.elem.find(self.q(path))
        return None if elem is None else _At(elem, at, path)

    def need(self, at: _At, path: str) -> _At:
        found = self.one(at, path)
        if found is None:
            raise StatementError("missing", where=at.path(path), field=path.rsplit("/", 1)[-1])
        return found

    def many(self, at: _At, name: str) -> list[_At]:
        return [_At(elem, at, name, i) for i, elem in enumerate(at.elem.iterfind(self.q(name)), start=1)]

    def text(self, at: _At, path: str) -> str | None:
        value = at.elem.findtext(self.q(path))
        return None if value is None else value

    def amount(self, amt: _At, header: _Header) -> Money:
        currency = (amt.elem.get("Ccy") or "").strip()
        if not currency:
            raise StatementError("the amount has no currency (Ccy)", where=amt.path(), field="Ccy")
        if header.currency is None:
            header.currency = currency
        elif currency != header.currency:
            raise StatementError(
                f"{currency}, but the account's currency is {header.currency}", where=amt.path(), field="Ccy"
            )
        return plain_amount(amt.elem.text, currency, where=amt.path, field="Amt")

    def sign(self, at: _At) -> int:
        indicator = (self.text(at, "CdtDbtInd") or "").strip()
        if indicator not in ("CRDT", "DBIT"):
            shown = repr(indicator) if indicator else "missing"
            raise StatementError(f"{shown}: expected CRDT or DBIT", where=at.path("CdtDbtInd"), field="CdtDbtInd")
        return 1 if indicator == "CRDT" else -1

    def day_of(self, at: _At) -> date:
        text = self.text(at, "Dt")
        where = at.path("Dt")
        if text is None:
            text, where = (self.text(at, "DtTm") or "")[:10], at.path("DtTm")
        text = text.strip()
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            shown = repr(text) if text else "missing"
            raise StatementError(f"{shown} is not a date (YYYY-MM-DD)", where=where, field=at.name) from None

    def charges(self, at: _At, header: _Header) -> Money | None:
        total: Money | None = None
        for chrgs in self.many(at, "Chrgs"):
            records = self.many(chrgs, "Rcrd")
            amounts = [self.need(r, "Amt") for r in records]  # camt.053.001.03 and later
            if not records:  # .02: Chrgs repeats, each with its Amt; or only a total
                found = self.one(chrgs, "Amt") or self.one(chrgs, "TtlChrgsAndTaxAmt")
                amounts = [found] if found is not None else []
            for amt in amounts:
                fee = self.amount(amt, header)
                total = fee if total is None else total + fee
        return total

    def header(self, stmt: _At) -> _Header:
        acct = self.need(stmt, "Acct")
        iban, other = self.text(acct, "Id/IBAN"), self.text(acct, "Id/Othr/Id")
        where = acct.path("Id/IBAN" if iban is not None else "Id/Othr/Id")
        raw = clean(iban if iban is not None else other)
        if not raw:
            raise StatementError("the statement names no account (IBAN or Othr/Id)", where=acct.path("Id"), field="Id")
        try:
            account = check_account(raw, "account")
        except InvalidValue as exc:
            raise StatementError(str(exc), where=where, field="account") from None
        if self.expected is not None and account != normalise_iban(self.expected):
            raise StatementError(
                f"the statement is for account {account}, not {self.expected}", where=where, field="account"
            )
        period = self.one(stmt, "FrToDt")
        header = _Header(
            account=account,
            currency=optional(self.text(acct, "Ccy")),
            statement_id=optional(self.text(stmt, "Id")),
            from_date=self._period_day(period, "FrDtTm"),
            to_date=self._period_day(period, "ToDtTm"),
        )
        for bal in self.many(stmt, "Bal"):
            code = (self.text(bal, "Tp/CdOrPrtry/Cd") or "").strip()
            if code in ("OPBD", "PRCD", "CLBD"):
                balance = self.amount(self.need(bal, "Amt"), header) * self.sign(bal)
                if code == "CLBD":
                    header.closing = balance
                elif code == "OPBD" or header.opening is None:
                    header.opening = balance
        return header

    def _period_day(self, period: _At | None, name: str) -> date | None:
        if period is None or period.elem.find(self.q(name)) is None:
            return None
        text = (self.text(period, name) or "").strip()[:10]
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            raise StatementError(f"{text!r} is not a date and time", where=period.path(name), field=name) from None

    def entry(self, ntry: _At, header: _Header) -> Iterator[StatementLine]:
        status = self.text(ntry, "Sts/Cd") or self.text(ntry, "Sts")
        if status is not None and status.strip() not in ("BOOK", ""):
            return
        sign = self.sign(ntry)
        amount = self.amount(self.need(ntry, "Amt"), header) * sign
        booked = self.day_of(self.need(ntry, "BookgDt"))
        valued = self.one(ntry, "ValDt")
        common: dict[str, Any] = {
            "account": header.account,
            "booking_date": booked,
            "value_date": None if valued is None else self.day_of(valued),
        }
        reference = optional(self.text(ntry, "AcctSvcrRef"))
        note = remittance(clean(self.text(ntry, "AddtlNtryInf")))
        details = [tx for group in self.many(ntry, "NtryDtls") for tx in self.many(group, "TxDtls")]
        amounts = [self._transaction_amount(tx, header, sign) for tx in details]
        if len(details) > 1 and all(a is not None for a in amounts):
            signed = [a for a in amounts if a is not None]
            if sum((a.amount for a in signed), Decimal(0)) != amount.amount:
                total = sum((a.amount for a in signed), Decimal(0))
                raise StatementError(
                    f"the batch's {len(details)} transactions add up to {total}, the entry books {amount.amount}",
                    where=ntry.path(),
                    field="TxDtls",
                )
            for i, (tx, part) in enumerate(zip(details, signed, strict=True), start=1):
                own = optional(self.text(tx, "Refs/AcctSvcrRef"))
                bank_reference = f"{reference}/{i}" if reference else own
                yield self._line(tx, common, part, bank_reference, self.charges(tx, header), note)
        else:
            only = details[0] if details else None
            charges = self.charges(ntry, header) or (self.charges(only, header) if only is not None else None)
            yield self._line(only or ntry, common, amount, reference, charges, note, has_details=only is not None)

    def _transaction_amount(self, tx: _At, header: _Header, entry_sign: int) -> Money | None:
        """A transaction's own signed amount (``Amt``, or ``AmtDtls/TxAmt/Amt`` in .02), None when it has none."""
        amt = self.one(tx, "Amt") or self.one(tx, "AmtDtls/TxAmt/Amt")
        if amt is None:
            return None
        sign = self.sign(tx) if tx.elem.find(self.q("CdtDbtInd")) is not None else entry_sign
        return self.amount(amt, header) * sign

    def _line(
        self,
        at: _At,
        common: dict[str, Any],
        amount: Money,
        bank_reference: str | None,
        charges: Money | None,
        note: str,
        *,
        has_details: bool = True,
    ) -> StatementLine:
        values = dict(common, amount=amount, bank_reference=bank_reference, charges=charges, description=note)
        if has_details:
            party = "Dbtr" if amount.amount >= 0 else "Cdtr"
            end_to_end = optional(self.text(at, "Refs/EndToEndId"))
            creditor_ref = optional(self.text(at, "RmtInf/Strd/CdtrRefInf/Ref"))
            unstructured = " ".join(clean(e.text) for e in at.elem.iterfind(self.q("RmtInf/Ustrd")) if e.text)
            values["description"] = remittance(clean(unstructured or self.text(at, "AddtlTxInf") or note))
            values["reference"] = creditor_ref or (None if end_to_end == "NOTPROVIDED" else end_to_end)
            values["counterparty_name"] = optional(
                self.text(at, f"RltdPties/{party}/Nm") or self.text(at, f"RltdPties/{party}/Pty/Nm")
            )
            values["counterparty_iban"] = optional(self.text(at, f"RltdPties/{party}Acct/Id/IBAN"))
        try:
            return StatementLine(**values)
        except InvalidValue as exc:
            raise StatementError(str(exc), where=at.path()) from None


def read_camt053(stream: BinaryIO, *, account: str | None = None) -> Iterator[StatementPart]:
    """Each statement's booked lines, then its ``StatementEnd``, as the document is read."""
    refuse_doctype(head(stream))
    events = etree.iterparse(
        stream, events=("start", "end"), tag=("{*}Document", "{*}Stmt", "{*}Ntry"), **PARSER_OPTIONS
    )
    reader: _Reader | None = None
    version = ""
    stmt: _At | None = None
    header: _Header | None = None
    stmt_count = ntry_count = line_count = 0
    occurrences = Occurrences()
    total: Money | None = None
    try:
        for event, elem in events:
            if reader is None:
                reader, version = _start(elem, account)
            local = etree.QName(elem).localname
            if local == "Stmt" and event == "start":
                stmt_count, ntry_count, line_count, header, total = stmt_count + 1, 0, 0, None, None
                parents = [etree.QName(p).localname for p in reversed(list(elem.iterancestors()))]
                stmt = _At(elem, "/" + "/".join(parents), "Stmt", stmt_count)
                occurrences = Occurrences()
            elif local == "Ntry" and event == "start":
                ntry_count += 1
            elif local == "Ntry" and stmt is not None:
                header = header or reader.header(stmt)
                for read in reader.entry(_At(elem, stmt, "Ntry", ntry_count), header):
                    line = occurrences.number(read)
                    total = line.amount if total is None else total + line.amount
                    line_count += 1
                    yield line
                _forget(elem)
            elif local == "Stmt" and event == "end" and stmt is not None:
                header = header or reader.header(stmt)
                yield _end(stmt, header, version, line_count, total)
                _forget(elem)
    except etree.XMLSyntaxError as exc:
        raise StatementError(f"malformed XML: {exc.msg}", where=f"line {exc.lineno}") from None
    if reader is None:
        raise StatementError("not a CAMT.053 document: no Document element", field="Document")


def _start(elem: Any, account: str | None) -> tuple[_Reader, str]:
    tree = elem.getroottree()
    if tree.docinfo.doctype:
        refuse_doctype(b"<!DOCTYPE")
    root = etree.QName(tree.getroot())
    version = version_of(root.namespace or "")
    if root.localname != "Document" or version is None:
        raise StatementError(
            f"not a CAMT.053 document: the root is {root.localname} in namespace {root.namespace!r}"
            f" (supported: {', '.join(VERSIONS)})",
            where=f"/{root.localname}",
            field="Document",
        )
    return _Reader(root.namespace or "", account), version


def _forget(elem: Any) -> None:
    """Drop an element read, and what came before it, so the tree never holds more than one entry."""
    elem.clear()
    parent = elem.getparent()
    while parent is not None and elem.getprevious() is not None:
        del parent[0]


def _end(stmt: _At, header: _Header, version: str, count: int, total: Money | None) -> StatementEnd:
    currency = header.currency
    if currency is None:
        raise StatementError("the statement names no currency (Acct/Ccy, Bal/Amt or Ntry/Amt)", where=stmt.path())
    try:
        statement = Statement(
            account=header.account,
            currency=currency,
            statement_id=header.statement_id,
            from_date=header.from_date,
            to_date=header.to_date,
            opening_balance=header.opening,
            closing_balance=header.closing,
            source_format=version,
        )
    except InvalidValue as exc:
        raise StatementError(str(exc), where=stmt.path()) from None
    return StatementEnd(statement, count, total if total is not None else Money.zero(currency))

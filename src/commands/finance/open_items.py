"""The open-items import (ADR 0035, 0036): open invoices and bills of the old system as Keel documents.

Two passes over the rows. The first checks every row and keeps only a per-line index (each
document's key, for duplicates; each party's first item, for its registration); the parties are
then loaded in one read. Any problem refuses the file before anything is written. The second pass
builds the documents chunk by chunk and appends each chunk in the import's one transaction
(``UnitOfWork.stream``), so a file's events are never all in memory; a document the domain still
refuses there is listed too and rolls every chunk back: all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from commands import progress
from commands.collector import paused_collection
from commands.finance import import_messages as m
from commands.finance.imports import previous_import
from commands.posting import open_books
from commands.unit_of_work import CommandResult, Handlers, Stream, UnitOfWork
from ledger.books import Books
from ledger.chart import ChartRules
from ledger.customer import Customer
from ledger.errors import DomainError, NotFound
from ledger.events import KeelAggregate, Meta
from ledger.imports import ImportedFile, Problems
from ledger.money import Money, minor_units
from ledger.open_item_events import OpenItemEvents
from ledger.opening import OpenItem, opening_account, to_decimal_or_none
from ledger.payables import Supplier
from ledger.policy import LAST_DERIVED_DAY, NAME, check_business_date, check_text

TERMS_DAYS = 30  # of a customer or supplier an open-items file registers
CHUNK = 2_000  # documents appended at a time
_PARTY = {"invoice": "customer", "bill": "supplier"}


@lru_cache(maxsize=4096)  # each row asks twice, and a party has many items
def _party_id(kind: str, party: str) -> UUID:
    """A party named in an open-items file: its id, if the text is one; else the id its name
    derives (so a second file names the same party)."""
    try:
        return UUID(party)
    except ValueError:
        return uuid5(NAMESPACE_URL, f"keel:import:{kind}:{' '.join(party.casefold().split())}")


def _derived(day: date, field: str) -> None:
    """A due date: a business date's bounds, extended as a date computed from one (the policy's)."""
    if day > LAST_DERIVED_DAY:
        raise DomainError(f"{field}: {day.isoformat()} is after {LAST_DERIVED_DAY}")


def _item(problems: Problems, row: m.OpenItemRow, fc: str, books: Books) -> OpenItem | None:
    before = len(problems.found)
    if row.kind not in ("invoice", "bill"):
        problems.add(row.line, "kind", f"invoice (a customer's) or bill (a supplier's), not {row.kind[:20]!r}")
    for field, text in (("party", row.party), ("number", row.number)):
        if not text.strip():
            problems.add(row.line, field, "must not be empty")
        else:
            try:
                check_text(text.strip(), NAME, field)
            except DomainError as exc:
                problems.add(row.line, field, str(exc).removeprefix(f"{field}: "))
    if row.due_date < row.issue_date:
        problems.add(row.line, "due_date", f"{row.due_date} is before the issue date {row.issue_date}")
    try:
        books.check_open(row.issue_date, f"the document on line {row.line}")
    except DomainError as exc:
        problems.add(row.line, "issue_date", str(exc))
    currency = row.currency.strip().upper() or fc
    try:
        minor_units(currency)
    except DomainError as exc:
        problems.add(row.line, "currency", str(exc))
        return None
    amount = to_decimal_or_none(row.amount)
    if amount is None or amount <= 0 or not Money(amount, currency).is_rounded():
        problems.add(row.line, "amount", f"{row.amount[:40]!r} is not a positive {currency} amount in minor units")
        return None
    value = amount
    if currency != fc:
        worth = to_decimal_or_none(row.value or "")
        if worth is None or worth <= 0 or not Money(worth, fc).is_rounded():
            problems.add(row.line, "value", f"a {currency} item needs its positive value in {fc} (the value column)")
            return None
        value = worth
    for field, day, check in (
        ("issue_date", row.issue_date, check_business_date),
        ("due_date", row.due_date, _derived),
    ):
        try:
            check(day, field)
        except DomainError as exc:
            problems.add(row.line, field, str(exc).removeprefix(f"{field}: "))
    valued = [("value", Money(value, fc))] if currency != fc else []
    for field, money in [("amount", Money(amount, currency)), *valued]:
        try:
            money.to_minor()  # within the money bound, as every journal line of the document must be
        except DomainError as exc:
            problems.add(row.line, field, str(exc))
    if len(problems.found) > before:
        return None
    return _checked(row, fc)


def _checked(row: m.OpenItemRow, fc: str) -> OpenItem:
    """The item of a row ``_item`` passed: the same values, read again without checking them."""
    currency = row.currency.strip().upper() or fc
    amount = Decimal(row.amount.strip())  # as ``to_decimal`` reads it, the text already checked
    value = Decimal((row.value or "").strip()) if currency != fc else amount
    number = row.number.strip()
    return OpenItem(row.line, row.kind, number, row.issue_date, row.due_date, Money(amount, currency), value)


@dataclass
class _Party:
    """What the first pass learns of a party: its name as first written and its earliest item."""

    name: str
    first: OpenItem


@paused_collection()  # an import makes and drops 100,000s of objects, none in cycles (ADR 0050)
def import_open_items(uow: UnitOfWork, c: m.ImportOpenItems) -> CommandResult:
    source = c.source.file_name
    previous = previous_import(uow, c.source)
    first = min((row.issue_date for row in c.rows), default=uow.today())
    books, new_books = open_books(uow, c.on or first, c.meta, "these open items")
    fc, rules, problems = books.functional_currency, uow.chart(), Problems(c.source.problems)
    if not c.rows:
        problems.add(0, "", "the file has no lines")
    against = ""
    try:
        against = opening_account(rules, c.against).code
    except DomainError as exc:
        problems.add(0, "against", str(exc))
    # The first pass: every row checked; kept is one key per line and one entry per party.
    seen: dict[tuple[str, UUID, str], int] = {}
    named: dict[UUID, _Party] = {}
    for n, row in enumerate(c.rows, start=1):
        progress.every("checking", n, len(c.rows))
        item = _item(problems, row, fc, books)
        if item is None:
            continue
        party = _party_id(item.kind, row.party.strip())
        key = (item.kind, party, item.number.casefold())
        if key in seen:
            problems.add(row.line, "number", f"{item.kind} {item.number} of this party is on line {seen[key]} too")
            continue
        seen[key] = row.line
        known = named.get(party)
        if known is None:
            named[party] = _Party(row.party.strip(), item)
        elif known.first.kind != item.kind:  # one id named as a customer's and as a supplier's
            problems.add(row.line, "party", f"{row.party.strip()[:40]!r} names no {_PARTY[item.kind]}")
        elif item.issued_on < known.first.issued_on:
            known.first = item
    seen.clear()
    parties = _parties(uow, problems, named, c.meta)
    problems.check(source)
    with uow.stream() as out:
        out.append(*(p for p in parties.values() if p.pending_events))
        written = _documents(out, problems, c, parties, (books, against, rules))
        problems.check(source)  # a document the domain refused: every chunk rolls back
        counts = (c.source.lines, written)
        on = c.on or uow.today()
        record = ImportedFile.record(previous, "open-items", source, c.source.digest, counts, on, c.meta)
        return out.commit(record, new_books)


def _documents(
    out: Stream,
    problems: Problems,
    c: m.ImportOpenItems,
    parties: dict[UUID, Customer | Supplier],
    posting: tuple[Books, str, ChartRules],
) -> int:
    """The second pass: each document built and appended, a chunk at a time; after a refusal the
    rest are still built (to list every problem), none appended."""
    books, against, rules = posting
    fc = books.functional_currency
    made = OpenItemEvents(against, fc, c.meta, rules)
    chunk: list[KeelAggregate.Event] = []
    written = documents = 0
    for n, row in enumerate(c.rows, start=1):
        progress.every("writing", n, len(c.rows))
        party = parties[_party_id(row.kind, row.party.strip())]
        item = _checked(row, fc)  # every row passed the first pass
        try:
            if item.kind == "invoice":
                assert isinstance(party, Customer)
                party.check_known_on(item.issued_on, f"invoice {item.number}")
                chunk += made.invoice(uuid4(), party, item)
            else:
                assert isinstance(party, Supplier)
                chunk += made.bill(uuid4(), party, item)
            documents += 1
        except DomainError as exc:
            problems.add(item.line, "", str(exc))
        if documents >= CHUNK or problems.found:
            if not problems.found:
                out.append_events(*chunk)
                written += documents
            chunk, documents = [], 0
    if chunk and not problems.found:
        out.append_events(*chunk)
        written += documents
    return written


def _parties(
    uow: UnitOfWork, problems: Problems, named: dict[UUID, _Party], meta: Meta
) -> dict[UUID, Customer | Supplier]:
    """The customers and suppliers the items name: loaded (all in one read), or registered from
    their first item's date."""
    found: dict[UUID, Customer | Supplier] = {}
    uow.preload(list(named))
    for party, known in named.items():
        item, name = known.first, known.name
        kind: type[Customer] | type[Supplier] = Customer if item.kind == "invoice" else Supplier
        if uow.exists(party):
            try:
                found[party] = uow.load(kind, party)
            except NotFound:
                problems.add(item.line, "party", f"{name[:40]!r} names no {_PARTY[item.kind]}")
            continue
        if name == str(party):
            problems.add(item.line, "party", f"{name[:40]!r} names no {_PARTY[item.kind]}")
            continue
        currency, on = item.amount.currency, item.issued_on
        try:
            found[party] = kind.register(party, name, TERMS_DAYS, currency, on, meta)
        except DomainError as exc:
            problems.add(item.line, "party", str(exc))
    return found


HANDLERS: Handlers = {m.ImportOpenItems: import_open_items}

"""The import handlers (ADR 0035): opening balances, open items and a ledger journal.

Each checks the whole file first and gathers every problem (``ledger.imports.Problems``); any
problem refuses the import as a whole (``ImportRefused``, each problem naming line and field),
before anything is saved. Otherwise one commit saves everything the file brought and the
``ImportedFile`` record of its digest: all or nothing. The same bytes twice are refused unless
forced.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from commands.finance import import_messages as m
from commands.posting import open_books
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.books import Books
from ledger.chart import ChartRules
from ledger.customer import Customer
from ledger.errors import DomainError, InvalidValue, NotFound
from ledger.events import KeelAggregate, Meta
from ledger.imports import ImportedEntry, ImportedFile, Problems, already_imported, file_id
from ledger.money import Money, minor_units
from ledger.opening import (
    DOCUMENT_ROLES,
    OpeningLine,
    OpenItem,
    account_problem,
    check_dimension,
    open_bill,
    open_invoice,
    opening_account,
    opening_journal,
    parse_amounts,
    to_decimal_or_none,
    unbalanced_message,
)
from ledger.payables import Supplier
from ledger.policy import NAME, check_text
from ledger.roles import role_key

TERMS_DAYS = 30  # of a customer or supplier an open-items file registers


def previous_import(uow: UnitOfWork, source: m.ImportSource) -> ImportedFile | None:
    """The record of these bytes imported before, if forced; refused if not forced."""
    fid = file_id(source.digest)
    if not uow.exists(fid):
        return None
    record = uow.load(ImportedFile, fid, label="import")
    if not source.force:
        raise already_imported(record, source.file_name)
    return record


def _document_role(rules: ChartRules, code: str) -> str | None:
    for key in rules.roles.roles_of(code):
        if role_key(key)[0] in DOCUMENT_ROLES:
            return key
    return None


# -- opening balances -----------------------------------------------------------------------------


def import_opening_balances(uow: UnitOfWork, c: m.ImportOpeningBalances) -> CommandResult:
    source = c.source.file_name
    if c.on is None:
        raise InvalidValue("date: opening balances are dated the day the books start in Keel (--date)")
    previous = previous_import(uow, c.source)
    books, new_books = open_books(uow, c.on, c.meta, "these opening balances")
    fc, rules, problems = books.functional_currency, uow.chart(), Problems(c.source.problems)
    checked: list[tuple[int, OpeningLine]] = []
    if not c.rows:
        problems.add(0, "", "the file has no lines")
    for row in c.rows:
        code, currency = row.account.strip(), (row.currency.strip().upper() or fc)
        wrong = account_problem(rules, code, currency)
        role = None if wrong else _document_role(rules, code)
        if role is not None:
            wrong = (
                f"{code} is the {role} control account: its balance is the open documents; import them with"
                " `keel import open-items` (posted against the opening-balance account) and put this total on"
                " the opening-balance account here instead"
            )
        if wrong:
            problems.add(row.line, "account", wrong)
        amounts = parse_amounts(problems, row.line, row.debit, row.credit, currency, row.value, fc)
        party = check_dimension(problems, row.line, "party", row.party)
        document = check_dimension(problems, row.line, "document", row.document)
        if amounts is not None and not wrong:
            checked.append((row.line, OpeningLine(code, currency, amounts, party, document)))
    against = None
    if any(ln.currency != fc for _, ln in checked):
        try:
            against = opening_account(rules, c.against)
        except DomainError as exc:
            problems.add(0, "against", f"{exc} (a foreign-currency line is balanced per currency on it)")
    problems.check(source)
    journal, debits, credits = opening_journal(checked, against, fc, rules)
    if debits != credits:
        problems.add(0, "", unbalanced_message(debits, credits, fc))
    problems.check(source)
    try:
        entry = ImportedEntry.post(uuid4(), "Opening balances", source, journal, fc, c.on, c.meta)
    except DomainError as exc:
        problems.add(0, "", str(exc))
        problems.check(source)
        raise
    counts = (c.source.lines, 1)
    record = ImportedFile.record(previous, "opening-balances", source, c.source.digest, counts, c.on, c.meta)
    return uow.commit(record, entry, new_books)


# -- open items -----------------------------------------------------------------------------------


def _party_id(kind: str, party: str) -> UUID:
    """A party named in an open-items file: its id, if the text is one; else the id its name
    derives (so a second file names the same party)."""
    try:
        return UUID(party)
    except ValueError:
        return uuid5(NAMESPACE_URL, f"keel:import:{kind}:{' '.join(party.casefold().split())}")


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
    if len(problems.found) > before:
        return None
    number = row.number.strip()
    return OpenItem(row.line, row.kind, number, row.issue_date, row.due_date, Money(amount, currency), value)


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
    items: list[tuple[UUID, str, OpenItem]] = []
    seen: dict[tuple[str, UUID, str], int] = {}
    names: dict[UUID, str] = {}
    for row in c.rows:
        item = _item(problems, row, fc, books)
        if item is None:
            continue
        party = _party_id(item.kind, row.party.strip())
        key = (item.kind, party, item.number.casefold())
        if key in seen:
            problems.add(row.line, "number", f"{item.kind} {item.number} of this party is on line {seen[key]} too")
            continue
        seen[key] = row.line
        names.setdefault(party, row.party.strip())
        items.append((party, row.party.strip(), item))
    parties = _parties(uow, problems, items, c.meta)
    documents: list[KeelAggregate] = []
    if not problems.found:
        for party, _, item in items:
            try:
                if item.kind == "invoice":
                    customer = parties[party]
                    assert isinstance(customer, Customer)
                    customer.check_known_on(item.issued_on, f"invoice {item.number}")
                    documents.append(open_invoice(uuid4(), customer, item, against, fc, c.meta, rules))
                else:
                    supplier = parties[party]
                    assert isinstance(supplier, Supplier)
                    documents.append(open_bill(uuid4(), supplier, item, against, fc, c.meta, rules))
            except DomainError as exc:
                problems.add(item.line, "", str(exc))
    problems.check(source)
    counts = (c.source.lines, len(documents))
    on = c.on or uow.today()
    record = ImportedFile.record(previous, "open-items", source, c.source.digest, counts, on, c.meta)
    created = [p for p in parties.values() if p.pending_events]
    return uow.commit(record, *created, *documents, new_books)


def _parties(
    uow: UnitOfWork, problems: Problems, items: list[tuple[UUID, str, OpenItem]], meta: Meta
) -> dict[UUID, Customer | Supplier]:
    """The customers and suppliers the items name: loaded, or registered (from their first item's date)."""
    found: dict[UUID, Customer | Supplier] = {}
    first: dict[UUID, OpenItem] = {}
    for party, _, item in items:
        if party not in first or item.issued_on < first[party].issued_on:
            first[party] = item
    for party, name, item in items:
        if party in found:
            continue
        kind: type[Customer] | type[Supplier] = Customer if item.kind == "invoice" else Supplier
        try:
            found[party] = uow.load(kind, party)
            continue
        except NotFound:
            pass
        if uow.exists(party) or name == str(party):
            problems.add(item.line, "party", f"{name[:40]!r} names no {'customer' if kind is Customer else 'supplier'}")
            continue
        earliest = first[party]
        currency, on = earliest.amount.currency, earliest.issued_on
        try:
            found[party] = kind.register(party, name, TERMS_DAYS, currency, on, meta)
        except DomainError as exc:
            problems.add(item.line, "party", str(exc))
    return found


HANDLERS: Handlers = {m.ImportOpeningBalances: import_opening_balances, m.ImportOpenItems: import_open_items}

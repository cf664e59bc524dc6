"""Importing a ledger journal (ADR 0035): every transaction an ``ImportedEntry``, in one transaction
appended in chunks (ADR 0036).

The file is Keel's own export (``keel export ledger``) or any journal of that shape, read at the
edge into transactions whose postings name account codes. Each posting must name an account of
this store's chart that takes postings (the accounts the file declares and the chart lacks
are added in the same commit: ``commands.finance.declared_accounts``); each transaction must
balance per currency and in value; no date may fall in a closed period. A functional-currency
posting in a transaction otherwise in one foreign currency, where the functional postings alone
do not balance, is that currency's realised FX difference (the export writes such a line, an
amount of zero valued in the functional currency, in the functional currency): it is taken back
as one.

An imported entry is not a manual entry: it may post to control accounts (the history already
happened there). Its lines carry no document, so they make no open items.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from uuid import uuid4

from commands import progress
from commands.collector import paused_collection
from commands.finance import import_messages as m
from commands.finance.declared_accounts import declare_accounts
from commands.finance.imports import previous_import
from commands.unit_of_work import CommandResult, Handlers, Stream, UnitOfWork
from ledger.books import BOOKS_ID, Books
from ledger.chart import ChartRules
from ledger.errors import DomainError, NotFound
from ledger.imports import ImportedEntry, ImportedFile, Problems
from ledger.journal import JournalLine
from ledger.money import Money, minor_units
from ledger.opening import account_problem, posted_role, to_decimal_or_none

CHUNK = 2_000  # entries appended at a time: a file's events are never all in memory


def _books(uow: UnitOfWork, c: m.ImportJournal, problems: Problems) -> tuple[Books, Books | None]:
    first = min((t.on for t in c.transactions), default=c.on or uow.today())
    try:
        books = uow.load(Books, BOOKS_ID)
    except NotFound:
        return (new := Books.open(c.functional_currency or uow.default_functional_currency, first, c.meta)), new
    if c.functional_currency and c.functional_currency != books.functional_currency:
        said = f"the file is in {c.functional_currency}, the books in {books.functional_currency}"
        problems.add(1, "functional currency", said)
    return books, None


def _posting(problems: Problems, p: m.PostingRow, fc: str, rules: ChartRules, memo: str) -> JournalLine | None:
    code, currency = p.account.strip(), p.currency.strip().upper()
    before = len(problems.found)
    wrong = account_problem(rules, code, currency)
    if wrong:
        problems.add(p.line, "account", wrong)
    try:
        minor_units(currency)
    except DomainError as exc:
        problems.add(p.line, "currency", str(exc))
        return None
    amount = to_decimal_or_none(p.amount)
    if amount is None or not Money(amount, currency).is_rounded():
        problems.add(p.line, "amount", f"{p.amount[:40]!r} is not a {currency} amount in minor units")
        return None
    value = amount
    if currency != fc:
        worth = to_decimal_or_none(p.value or "")
        if worth is None or not Money(worth, fc).is_rounded():
            problems.add(p.line, "value", f"a {currency} posting needs its {fc} value (`@@ VALUE {fc}`)")
            return None
        value = worth
    if len(problems.found) > before:
        return None
    return JournalLine(code, amount, currency, value, memo=memo, role=posted_role(rules, code))


def _fx_differences(lines: list[JournalLine], fc: str) -> list[JournalLine]:
    """Functional-currency lines that are a foreign currency's FX difference, taken back as such."""
    foreign = {ln.currency for ln in lines if ln.currency != fc}
    functional = sum((ln.amount for ln in lines if ln.currency == fc), Decimal(0))
    if functional == 0 or len(foreign) != 1:
        return lines
    (currency,) = foreign
    zero = Money.zero(currency).amount
    return [replace(ln, currency=currency, amount=zero) if ln.currency == fc else ln for ln in lines]


@paused_collection()  # an import makes and drops 100,000s of objects, none in cycles (ADR 0050)
def import_journal(uow: UnitOfWork, c: m.ImportJournal) -> CommandResult:
    source = c.source.file_name
    previous = previous_import(uow, c.source)
    problems = Problems(c.source.problems)
    books, new_books = _books(uow, c, problems)
    chart, policy = declare_accounts(uow, c, problems)
    fc, rules = books.functional_currency, chart.rules if chart is not None else uow.chart()
    if not c.transactions:
        problems.add(0, "", "the file has no transactions")
    closed: dict[object, str] = {}
    written = 0
    with uow.stream() as out:
        declared = [a for a in (chart, policy) if a is not None]
        if declared and not problems.found:
            out.append(*declared)  # first: the entries that follow post to the accounts it adds
        chunk: list[ImportedEntry] = []
        for n, t in enumerate(c.transactions, start=1):
            progress.every("writing", n, len(c.transactions))
            try:
                books.check_open(t.on, f"the transaction on line {t.line}")
            except DomainError as exc:
                closed[t.on] = str(exc)
                problems.add(t.line, "date", str(exc))
            memo = t.memo.strip() or "Imported"
            lines = [ln for p in t.postings if (ln := _posting(problems, p, fc, rules, memo)) is not None]
            if len(lines) != len(t.postings) or t.on in closed:
                continue
            if len(lines) < 2:
                problems.add(t.line, "", "a transaction needs at least two postings")
                continue
            try:
                where = f"{source}:{t.line}"
                chunk.append(ImportedEntry.post(uuid4(), memo, where, _fx_differences(lines, fc), fc, t.on, c.meta))
            except DomainError as exc:
                problems.add(t.line, "", str(exc))
            if len(chunk) >= CHUNK:
                written += _flush(out, problems, chunk)
        written += _flush(out, problems, chunk)
        problems.check(source)  # every problem listed; the chunks already appended roll back
        counts = (c.source.lines, written)
        on = c.on or uow.today()
        record = ImportedFile.record(previous, "journal", source, c.source.digest, counts, on, c.meta)
        return out.commit(record, new_books)


def _flush(out: Stream, problems: Problems, chunk: list[ImportedEntry]) -> int:
    """Append the chunk while the file has no problem; after one, only checking goes on."""
    appended = 0 if problems.found else len(chunk)
    if appended:
        out.append(*chunk)
    chunk.clear()
    return appended


HANDLERS: Handlers = {m.ImportJournal: import_journal}

"""The books: closing and reopening periods, the year-end close, journal entries."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from commands.finance import messages as m
from commands.posting import open_books, rate_on
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.accounts import AccountType
from ledger.books import BOOKS_ID, Books
from ledger.errors import InvalidValue, NotFound
from ledger.journal import JournalLine, balanced
from ledger.journal_entry import JournalEntry, make_entry_line
from ledger.roles import Role


def close_period(uow: UnitOfWork, c: m.ClosePeriod) -> CommandResult:
    now = uow.today()
    on = c.on or now
    if on > now or c.lock_date >= now:
        raise InvalidValue(f"only a period that has ended can be closed, and not from the future (today is {now})")
    try:
        books = uow.load(Books, BOOKS_ID)
    except NotFound:
        books = Books.open(uow.default_functional_currency, on, c.meta)
    books.close_period(c.lock_date, on, c.meta)
    return uow.commit(books)


def set_numbering(uow: UnitOfWork, c: m.SetNumbering) -> CommandResult:
    on = c.on or uow.today()
    books, _ = open_books(uow, on, c.meta, "this setting")
    books.set_numbering(c.strict, on, c.meta)
    return uow.commit(books)


def reopen_period(uow: UnitOfWork, c: m.ReopenPeriod) -> CommandResult:
    books = uow.load(Books, BOOKS_ID, label="books")
    books.reopen_period(c.lock_date, c.reason, c.on or uow.today(), c.meta)
    return uow.commit(books)


def close_year(uow: UnitOfWork, c: m.CloseYear) -> CommandResult:
    books = uow.load(Books, BOOKS_ID, label="books")
    books.check_year_closable(c.year)
    journal = _closing_entry(uow, c.year, books.functional_currency)
    books.close_year(c.year, journal, c.meta)
    return uow.commit(books)


def _closing_entry(uow: UnitOfWork, year: int, functional_currency: str) -> list[JournalLine]:
    """Reverse every income and expense balance of the year into retained earnings.

    A once-a-year read of the write side's own log: the closing entry is decided from the
    posted facts, whatever the state of the read models.
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    chart = uow.chart()
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for _, event in uow.postings():
        journal = getattr(event, "journal", None)
        effective = getattr(event, "effective_date", None)
        if not journal or effective is None or not start <= effective <= end or isinstance(event, Books.YearClosed):
            continue
        for line in journal:
            acct = chart.accounts.get(line.account)
            if acct is not None and acct.type in (AccountType.INCOME, AccountType.EXPENSE):
                acc = sums[(line.account, line.currency)]
                acc[0] += line.amount
                acc[1] += line.value
    lines: list[JournalLine] = []
    per_currency: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for (code, currency), (amount, value) in sorted(sums.items()):
        if amount or value:
            lines.append(JournalLine(code, -amount, currency, -value, memo=f"Year-end close {year}", role=""))
            per_currency[currency][0] += amount
            per_currency[currency][1] += value
    for currency, (amount, value) in sorted(per_currency.items()):
        retained = chart.roles.code(Role.RETAINED_EARNINGS)
        lines.append(
            JournalLine(retained, amount, currency, value, memo=f"Result of {year}", role=Role.RETAINED_EARNINGS.value)
        )
    if not lines:
        raise InvalidValue(f"nothing was posted to income or expense accounts in {year}")
    return balanced(lines, functional_currency)


def post_entry(uow: UnitOfWork, c: m.PostJournalEntry) -> CommandResult:
    uow.ensure_new(c.entry_id, "journal entry")
    on = c.on or uow.today()
    books, new_books = open_books(uow, on, c.meta, "this journal entry")
    fc = books.functional_currency
    lines = []
    for ln in c.lines:
        currency = ln.currency or fc
        lines.append(
            make_entry_line(
                ln.account,
                currency,
                ln.debit,
                ln.credit,
                str(rate_on(uow, currency, ln.rate, books, on)),
                party_id=ln.party_id,
                cost_center=ln.cost_center,
                project_id=ln.project_id,
                tax_code=ln.tax_code,
                memo=ln.memo,
            )
        )
    entry = JournalEntry.post(c.entry_id, lines, c.memo, c.corrects, fc, on, c.meta)
    return uow.commit(entry, new_books)


def reverse_entry(uow: UnitOfWork, c: m.ReverseJournalEntry) -> CommandResult:
    entry = uow.load(JournalEntry, c.entry_id, label="journal entry")
    on = c.on or uow.today()
    _, new_books = open_books(uow, on, c.meta, "this reversal")
    entry.reverse(c.reason, on, c.meta)
    return uow.commit(entry, new_books)


HANDLERS: Handlers = {
    m.ClosePeriod: close_period,
    m.SetNumbering: set_numbering,
    m.ReopenPeriod: reopen_period,
    m.CloseYear: close_year,
    m.PostJournalEntry: post_entry,
    m.ReverseJournalEntry: reverse_entry,
}

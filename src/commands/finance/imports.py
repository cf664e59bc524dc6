"""The import handlers (ADR 0035): opening balances, open items and a ledger journal.

Each checks the whole file first and gathers every problem (``ledger.imports.Problems``); any
problem refuses the import as a whole (``ImportRefused``, each problem naming line and field),
before anything is saved. Otherwise one commit saves everything the file brought and the
``ImportedFile`` record of its digest: all or nothing. The same bytes twice are refused unless
forced.
"""

from __future__ import annotations

from uuid import uuid4

from commands import progress
from commands.finance import import_messages as m
from commands.posting import open_books
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.chart import ChartRules
from ledger.errors import DomainError, InvalidValue
from ledger.imports import ImportedEntry, ImportedFile, Problems, already_imported, file_id
from ledger.opening import (
    DOCUMENT_ROLES,
    OpeningLine,
    account_problem,
    check_dimension,
    opening_account,
    opening_journal,
    parse_amounts,
    unbalanced_message,
)
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
    for n, row in enumerate(c.rows, start=1):
        progress.every("checking", n, len(c.rows))
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


HANDLERS: Handlers = {m.ImportOpeningBalances: import_opening_balances}

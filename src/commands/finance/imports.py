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
from commands.collector import paused_collection
from commands.finance import import_messages as m
from commands.posting import open_books
from commands.unit_of_work import CommandResult, Handlers, Stream, UnitOfWork
from ledger.chart import ChartRules
from ledger.errors import DomainError, InvalidValue
from ledger.imports import ImportedEntry, ImportedFile, Problems, already_imported, file_id
from ledger.journal import JournalLine
from ledger.opening import (
    DOCUMENT_ROLES,
    OpeningLine,
    OpeningTotals,
    account_problem,
    check_dimension,
    opening_account,
    opening_line,
    parse_amounts,
    posted_role,
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

PART_LINES = 2_000  # an opening entry's lines per event (ADR 0046); an entry of no more is one event


class _Rows:
    """Opening-balance rows checked into lines; what an account allows is looked up once per
    account and currency (a file has many lines, few accounts)."""

    def __init__(self, rules: ChartRules, functional: str) -> None:
        self.rules, self.functional = rules, functional
        self.accounts: dict[tuple[str, str], tuple[str | None, str]] = {}

    def _account(self, code: str, currency: str) -> tuple[str | None, str]:
        """Why a line may not post to ``code`` in ``currency`` (None: it may), and its role."""
        known = self.accounts.get((code, currency))
        if known is None:
            rules = self.rules
            wrong = account_problem(rules, code, currency)
            role = None if wrong else _document_role(rules, code)
            if role is not None:
                wrong = (
                    f"{code} is the {role} control account: its balance is the open documents; import them with"
                    " `keel import open-items` (posted against the opening-balance account) and put this total on"
                    " the opening-balance account here instead"
                )
            known = self.accounts[code, currency] = (wrong, "" if wrong else posted_role(rules, code))
        return known

    def line(self, problems: Problems, row: m.OpeningBalanceRow, checked: bool = False) -> OpeningLine | None:
        """The row's line, or None and its problems added. A row ``checked`` already (the write
        pass after the check pass) has its party and document as they were checked: trimmed."""
        fc = self.functional
        code, currency = row.account.strip(), (row.currency.strip().upper() or fc)
        wrong, role = self._account(code, currency)
        if wrong:
            problems.add(row.line, "account", wrong)
        amounts = parse_amounts(problems, row.line, row.debit, row.credit, currency, row.value, fc)
        if checked:
            party, document = (row.party or "").strip() or None, (row.document or "").strip() or None
        else:
            party = check_dimension(problems, row.line, "party", row.party)
            document = check_dimension(problems, row.line, "document", row.document)
        if amounts is None or wrong:
            return None
        return OpeningLine(code, currency, amounts, party, document, role)


@paused_collection()  # an import makes and drops 100,000s of objects, none in cycles (ADR 0050)
def import_opening_balances(uow: UnitOfWork, c: m.ImportOpeningBalances) -> CommandResult:
    """Two passes over the rows (ADR 0046): the first checks every line and keeps only totals, so
    the entry's balance is proven before anything is written; the second writes the entry in parts
    of ``PART_LINES`` lines in the import's one transaction, one part in memory at a time."""
    source, on = c.source.file_name, c.on
    if on is None:
        raise InvalidValue("date: opening balances are dated the day the books start in Keel (--date)")
    previous = previous_import(uow, c.source)
    books, new_books = open_books(uow, on, c.meta, "these opening balances")
    fc, problems = books.functional_currency, Problems(c.source.problems)
    rows, totals = _Rows(uow.chart(), fc), OpeningTotals(fc)
    if not c.rows:
        problems.add(0, "", "the file has no lines")
    for n, row in enumerate(c.rows, start=1):
        progress.every("checking", n, len(c.rows))
        checked = rows.line(problems, row)
        if checked is not None:
            totals.add(checked)
    against = None
    if totals.foreign:
        try:
            against = opening_account(rows.rules, c.against)
        except DomainError as exc:
            problems.add(0, "against", f"{exc} (a foreign-currency line is balanced per currency on it)")
    problems.check(source)
    if totals.debits != totals.credits:
        problems.add(0, "", unbalanced_message(totals.debits, totals.credits, fc))
    problems.check(source)
    totals.close(against)
    try:
        totals.balance.check()
    except DomainError as exc:
        problems.add(0, "", str(exc))
    problems.check(source)
    parts = -(-totals.balance.lines // PART_LINES)
    record = ImportedFile.record(previous, "opening-balances", source, c.source.digest, (c.source.lines, 1), on, c.meta)
    with uow.stream() as out:
        entry: ImportedEntry | None = None
        part: list[JournalLine] = []
        passed = Problems()  # every row passed the first pass: nothing is added here
        for n, row in enumerate(c.rows, start=1):
            progress.every("writing", n, len(c.rows))
            checked = rows.line(passed, row, checked=True)
            assert checked is not None
            part.append(opening_line(checked))
            if len(part) == PART_LINES and parts > 1:
                entry = _write_part(out, entry, part, parts, c)
                part = []
        part += totals.conversions(against)
        if parts == 1:  # the one-event form, as before parts (ADR 0035)
            entry = ImportedEntry.post(uuid4(), OPENING_MEMO_OF_ENTRY, source, part, fc, on, c.meta)
        while parts > 1 and part:
            entry, part = _write_part(out, entry, part[:PART_LINES], parts, c), part[PART_LINES:]
        assert entry is not None and entry.version == parts
        return out.commit(record, entry, new_books)


OPENING_MEMO_OF_ENTRY = "Opening balances"


def _write_part(
    out: Stream, entry: ImportedEntry | None, lines: list[JournalLine], parts: int, c: m.ImportOpeningBalances
) -> ImportedEntry:
    """Append one part of the opening entry (the first begins it) and drop it from memory."""
    assert c.on is not None
    if entry is None:
        entry = ImportedEntry.begin(uuid4(), OPENING_MEMO_OF_ENTRY, c.source.file_name, lines, parts, c.on, c.meta)
    else:
        entry.continue_with(lines, c.on, c.meta)
    if entry.version < parts:  # the last part goes with the record, in commit
        out.append(entry)
    return entry


HANDLERS: Handlers = {m.ImportOpeningBalances: import_opening_balances}

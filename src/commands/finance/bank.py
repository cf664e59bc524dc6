"""Bank accounts, their CSV column mappings and reconciliation rules, and statement imports (ADR 0034).

A statement is imported in one transaction written in chunks (``UnitOfWork.stream``): each chunk
of lines is checked, the lines already known (by ``line_key``, from an overlapping statement) are
left out, the new ones appended; the statement's own event comes last, with how many lines were
new and how many already there. A refused line, a statement for another account, or balances that
do not agree (unless accepted) roll every chunk back: nothing is written.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from commands import progress
from commands.collector import paused_collection
from commands.finance import bank_messages as m
from commands.posting import functional_currency
from commands.unit_of_work import CommandResult, Handlers, Stream, UnitOfWork
from ledger.bank import RULES_ID, BankAccount, BankRules, CsvMapping, bank_account_id, csv_mapping_id
from ledger.bank_lines import BankLine, BankStatement, LineImports, statement_id
from ledger.bank_statements import Statement, StatementLine
from ledger.errors import AlreadyExists, InvalidValue, NotFound
from ledger.events import Meta
from ledger.money import Money, to_decimal

CHUNK = 2_000  # lines appended at a time: memory stays flat, each chunk one existence query


def load_bank_account(uow: UnitOfWork, name: str) -> BankAccount:
    try:
        return uow.load(BankAccount, bank_account_id(name), label="bank account")
    except NotFound:
        raise NotFound(
            f"bank_account: there is no bank account {name[:60]!r} (`keel bank accounts add` adds one)"
        ) from None


def open_bank_account(uow: UnitOfWork, c: m.OpenBankAccount) -> CommandResult:
    if uow.exists(bank_account_id(c.name)):
        raise AlreadyExists(f"name: there is already a bank account {c.name.strip()[:60]!r}")
    currency = c.currency or functional_currency(uow)
    on = c.on or uow.today()
    bank = BankAccount.open(c.name, c.account, c.iban, currency, uow.chart(), on, c.meta)
    return uow.commit(bank)


def rename_bank_account(uow: UnitOfWork, c: m.RenameBankAccount) -> CommandResult:
    bank = uow.load(BankAccount, c.bank_account_id, label="bank account")
    taken = bank_account_id(c.name)
    if taken != bank.id and uow.exists(taken):
        raise AlreadyExists(f"name: there is already a bank account {c.name.strip()[:60]!r}")
    bank.rename(c.name, c.on or uow.today(), c.meta)
    return uow.commit(bank)


def close_bank_account(uow: UnitOfWork, c: m.CloseBankAccount) -> CommandResult:
    bank = uow.load(BankAccount, c.bank_account_id, label="bank account")
    balance = Money(to_decimal(c.book_balance), bank.currency)
    bank.close(c.unmatched_lines, balance, c.on or uow.today(), c.meta)
    return uow.commit(bank)


def save_csv_mapping(uow: UnitOfWork, c: m.SaveCsvMapping) -> CommandResult:
    on = c.on or uow.today()
    try:
        mapping = uow.load(CsvMapping, csv_mapping_id(c.name))
        mapping.change(c.settings, on, c.meta)
    except NotFound:
        mapping = CsvMapping.save(c.name, c.settings, on, c.meta)
    return uow.commit(mapping)


def _rules(uow: UnitOfWork, meta: Meta) -> BankRules:
    try:
        return uow.load(BankRules, RULES_ID)
    except NotFound:
        return BankRules.start(uow.today(), meta)


def add_rule(uow: UnitOfWork, c: m.AddBankRule) -> CommandResult:
    rules = _rules(uow, c.meta)
    rules.add(c.name, c.contains, c.account, c.direction, uow.chart(), c.on or uow.today(), c.meta)
    return uow.commit(rules)


def remove_rule(uow: UnitOfWork, c: m.RemoveBankRule) -> CommandResult:
    rules = _rules(uow, c.meta)
    rules.remove(c.name, c.on or uow.today(), c.meta)
    return uow.commit(rules)


class _Tally:
    """What an import has seen so far: lines, new ones, their total, the days they cover."""

    def __init__(self, currency: str) -> None:
        self.lines = self.new = 0
        self.currency, self.sum = currency, Decimal(0)  # summed as a Decimal: a Money a line was a cost
        self.first: StatementLine | None = None

    @property
    def total(self) -> Money:
        return Money(self.sum, self.currency) + Money.zero(self.currency)


@paused_collection()  # an import makes and drops 100,000s of objects, none in cycles (ADR 0050)
def import_statement(uow: UnitOfWork, c: m.ImportBankStatement) -> CommandResult:
    if c.bank_account_id is not None:
        bank = uow.load(BankAccount, c.bank_account_id, label="bank account")
    else:
        bank = load_bank_account(uow, c.bank_account)
    bank.check_open()
    this = statement_id(bank.id, c.digest)
    if uow.exists(this):
        if not c.force:
            what = c.filename or "this file"
            raise AlreadyExists(
                f"file: {what} was already imported into bank account {bank.name!r} (the same bytes): nothing"
                " written; --force imports it again, adding none of the lines already there"
            )
        this = statement_id(bank.id, c.digest, again=c.meta.command_id)
    tally = _Tally(bank.currency)
    end: Statement | None = None
    made = BankLine.imports(bank.id, this, c.meta)
    with uow.stream() as out:
        chunk: list[StatementLine] = []
        for part in c.read():
            if isinstance(part, Statement):
                if end is not None:
                    raise InvalidValue("Stmt: the file holds more than one statement; import one statement a file")
                end = part
                continue
            if tally.first is None:
                bank.check_statement_account(part.account)
                tally.first = part
            _check_line(bank, part, tally.lines + 1)
            tally.lines += 1
            progress.every("writing", tally.lines)
            tally.sum += part.amount.amount
            chunk.append(part)
            if len(chunk) >= CHUNK:
                _append(out, made, chunk, tally)
                chunk = []
        _append(out, made, chunk, tally)
        if end is None:
            raise InvalidValue("file: no statement in it")
        bank.check_statement_account(end.account)
        if end.currency != bank.currency:
            raise InvalidValue(
                f"currency: the statement is in {end.currency}, bank account {bank.name!r} in {bank.currency}"
            )
        opening, closing = end.opening_balance, end.closing_balance
        start = opening if opening is not None else (closing - tally.total if closing is not None else None)
        on = end.to_date or (tally.first.booking_date if tally.first else uow.today())
        statement = BankStatement.record(
            this,
            bank.id,
            c.digest,
            c.filename,
            end.source_format,
            end.statement_id,
            (end.from_date, end.to_date),
            (opening, closing),
            (tally.lines, tally.new, tally.lines - tally.new),
            tally.total,
            bank.continuity(start, end.from_date),
            c.accept_mismatch,
            on,
            c.meta,
        )
        if closing is not None and end.to_date is not None:
            bank.statement_closed(this, closing, end.to_date, c.meta)
        return out.commit(statement, bank if bank.pending_events else None)


def _check_line(bank: BankAccount, line: StatementLine, n: int) -> None:
    if line.amount.currency != bank.currency:
        raise InvalidValue(
            f"line {n}: amount: {line.amount} is not in the currency of bank account {bank.name!r} ({bank.currency})"
        )


def _append(out: Stream, made: LineImports, chunk: list[StatementLine], tally: _Tally) -> None:
    """A chunk's lines, each once, but for those an earlier statement (or chunk) brought already."""
    fresh: dict[UUID, StatementLine] = {}
    for line in chunk:
        fresh.setdefault(made.line_id(line.line_key), line)
    tally.new += out.append_new(*(made.event(line, i) for i, line in fresh.items()))


HANDLERS: Handlers = {
    m.OpenBankAccount: open_bank_account,
    m.RenameBankAccount: rename_bank_account,
    m.CloseBankAccount: close_bank_account,
    m.SaveCsvMapping: save_csv_mapping,
    m.AddBankRule: add_rule,
    m.RemoveBankRule: remove_rule,
    m.ImportBankStatement: import_statement,
}

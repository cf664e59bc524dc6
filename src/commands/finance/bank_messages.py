"""The bank's commands: bank accounts, CSV column mappings, reconciliation rules, statement imports,
and matching statement lines to the books (issue 18, ADR 0034)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from uuid import UUID

from commands.unit_of_work import Command
from ledger.bank_statements import Statement, StatementLine


@dataclass(frozen=True, kw_only=True)
class OpenBankAccount(Command):
    name: str
    account: str  # the ledger account: an active asset of sub-type bank
    iban: str | None = None
    currency: str | None = None  # the functional currency when not given


@dataclass(frozen=True, kw_only=True)
class RenameBankAccount(Command):
    bank_account_id: UUID
    name: str


@dataclass(frozen=True, kw_only=True)
class CloseBankAccount(Command):
    """Close a bank account. What it still has is read by the way in from the read models (the
    write side has no query): the lines left unmatched and the books' balance on its account."""

    bank_account_id: UUID
    unmatched_lines: int
    book_balance: str


@dataclass(frozen=True, kw_only=True)
class SaveCsvMapping(Command):
    name: str
    settings: str  # the column mapping as a JSON object (the edge checks its fields)


@dataclass(frozen=True, kw_only=True)
class AddBankRule(Command):
    name: str
    contains: str
    account: str
    direction: str = "any"  # in, out or any


@dataclass(frozen=True, kw_only=True)
class RemoveBankRule(Command):
    name: str


# The file's lines in order, then the statement they belong to (its period and balances; lines
# left out). Called again when the import is retried: a reader over the file, not the lines held.
StatementParts = Callable[[], Iterable[StatementLine | Statement]]


@dataclass(frozen=True, kw_only=True)
class ImportBankStatement(Command):
    bank_account: str  # its name
    read: StatementParts
    digest: str  # SHA-256 of the file: the same file is recognised
    filename: str | None = None
    accept_mismatch: bool = False  # import a statement whose balances do not agree (reported)
    force: bool = False  # import a file already imported (its known lines are not added again)
    bank_account_id: UUID | None = None  # found by id when given (a renamed account's id is its first name's)


@dataclass(frozen=True, kw_only=True)
class MatchInput:
    kind: str  # invoice, account
    target: str  # the invoice's id, or the account's code
    amount: str  # the part of the line it explains, signed as on the statement
    fee: str = "0"  # what the bank kept of a customer's payment (a bank fee)


@dataclass(frozen=True, kw_only=True)
class MatchBankLine(Command):
    line_id: UUID
    items: tuple[MatchInput, ...]
    rule: str | None = None  # the rule that decided it
    score: int = 100
    auto: bool = False
    rate: str | None = None  # for a line in a foreign currency booked to an account


@dataclass(frozen=True, kw_only=True)
class MatchBankLines(Command):
    """Several matches decided together (auto-reconciliation): all recorded in one transaction, or none."""

    matches: tuple[MatchBankLine, ...]


@dataclass(frozen=True, kw_only=True)
class UnmatchBankLine(Command):
    line_id: UUID
    reason: str = "unmatched"

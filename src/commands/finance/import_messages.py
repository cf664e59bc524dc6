"""The import commands (ADR 0035): a file already read at the edge (``api/imports``) into rows that
keep their line numbers, with the file's name and SHA-256 digest. Amounts travel as the strings
the file had; the domain parses them, and every problem names the line and the field.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from commands.unit_of_work import Command
from ledger.imports import ImportProblem


@dataclass(frozen=True, kw_only=True)
class ImportSource:
    file_name: str
    digest: str  # SHA-256 of the file's bytes, hex
    lines: int  # lines in the file
    force: bool = False  # import bytes already imported once more
    # What the edge found wrong in the file's form (a decimal comma, a bad date), its rows left
    # out: the handler adds what it finds in the rest, so one refusal lists every problem.
    problems: tuple[ImportProblem, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)  # a file holds 100,000 of them
class OpeningBalanceRow:
    line: int
    account: str
    debit: str = "0"
    credit: str = "0"
    currency: str = ""  # the functional currency when empty
    value: str | None = None  # the functional value of a foreign-currency line
    party: str | None = None
    document: str | None = None


@dataclass(frozen=True, kw_only=True)
class ImportOpeningBalances(Command):
    """One opening entry dated ``on`` (required)."""

    source: ImportSource
    rows: Collection[OpeningBalanceRow]  # walked twice: a tuple, or the file read again (ADR 0051)
    against: str | None = None  # the opening-balance account; the suspense role's when not given


@dataclass(frozen=True, kw_only=True, slots=True)
class OpenItemRow:
    line: int
    kind: str  # invoice | bill
    party: str  # a customer's or supplier's name (created if missing), or its id
    number: str
    issue_date: date
    due_date: date
    currency: str
    amount: str  # the amount still open
    value: str | None = None  # its functional value (required in a foreign currency)


@dataclass(frozen=True, kw_only=True)
class ImportOpenItems(Command):
    source: ImportSource
    rows: Collection[OpenItemRow]  # walked three times: a tuple, or the file read again (ADR 0051)
    against: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PostingRow:
    line: int
    account: str  # the account's code
    amount: str  # signed, in ``currency``
    currency: str
    value: str | None = None  # signed functional value, for a foreign-currency line


@dataclass(frozen=True, kw_only=True, slots=True)
class TransactionRow:
    line: int
    on: date
    memo: str
    postings: tuple[PostingRow, ...]


@dataclass(frozen=True, kw_only=True)
class AccountRow:
    """An account the file declares (``account NAME  ; type:Asset, subtype:bank, parent:10``)."""

    line: int
    code: str
    name: str
    type: str  # asset, liability, equity, income or expense
    subtype: str = "other"
    parent: str | None = None
    currency: str | None = None


@dataclass(frozen=True, kw_only=True)
class ImportJournal(Command):
    source: ImportSource
    transactions: tuple[TransactionRow, ...]
    functional_currency: str | None = None  # what the file says its functional currency is
    accounts: tuple[AccountRow, ...] = ()  # the accounts it declares
    template: str | None = None  # the chart template the file's books started from

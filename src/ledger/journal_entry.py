"""Manual journal entries by an accountant (accruals, reclassifications, corrections),
and their reversals. A correction names what it corrects."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.journal import JournalLine, Posting, balanced, reverse
from ledger.money import to_decimal

POSTED, REVERSED = "posted", "reversed"


@dataclass(frozen=True, slots=True)
class EntryLine:
    account: str
    debit: Decimal
    credit: Decimal
    currency: str
    rate: Decimal = Decimal(1)
    party_id: str | None = None
    cost_center: str | None = None
    project_id: str | None = None
    tax_code: str | None = None
    memo: str = ""


def make_entry_line(
    account: str,
    currency: str,
    debit: str | Decimal = "0",
    credit: str | Decimal = "0",
    rate: str | Decimal = "1",
    **dims: str | None,
) -> EntryLine:
    dr, cr, fx = to_decimal(debit), to_decimal(credit), to_decimal(rate)
    if dr < 0 or cr < 0 or (dr == 0) == (cr == 0):
        raise InvalidValue(f"a line on {account} needs either a positive debit or a positive credit")
    return EntryLine(account, dr, cr, currency, fx, **dims)  # type: ignore[arg-type]


class JournalEntry(KeelAggregate):
    TOPIC = "keel.JournalEntry"

    if TYPE_CHECKING:
        status: str
        journal: list[JournalLine]
        posted_on: date

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.journalentry.Created.v1"

    class Posted(Created):
        TOPIC = "keel.journalentry.Posted.v1"
        memo: str
        corrects: str | None
        journal: list[JournalLine]

        def apply(self, entry: JournalEntry) -> None:
            entry.status = POSTED
            entry.journal = list(self.journal)
            entry.posted_on = self.effective_date

    class Reversed(Event):
        TOPIC = "keel.journalentry.Reversed.v1"
        reason: str
        journal: list[JournalLine]

        def apply(self, entry: JournalEntry) -> None:
            entry.status = REVERSED

    @classmethod
    def post(
        cls,
        entry_id: UUID,
        lines: list[EntryLine],
        memo: str,
        corrects: str | None,
        functional_currency: str,
        on: date,
        meta: Meta,
    ) -> JournalEntry:
        if len(lines) < 2:
            raise InvalidValue("a journal entry needs at least two lines")
        if not memo.strip():
            raise InvalidValue("a journal entry needs a memo saying why")
        by_currency: dict[str, list[EntryLine]] = defaultdict(list)
        for line in lines:
            by_currency[line.currency].append(line)
        journal: list[JournalLine] = []
        for currency, group in by_currency.items():
            rates = {ln.rate for ln in group}
            if len(rates) > 1:
                raise InvalidValue(f"all {currency} lines of one entry must use the same rate, got {sorted(rates)}")
            posting = Posting(currency, functional_currency, rates.pop())
            for ln in group:
                posting.add(
                    ln.account,
                    ln.debit - ln.credit,
                    document_id=str(entry_id),
                    party_id=ln.party_id,
                    cost_center=ln.cost_center,
                    project_id=ln.project_id,
                    tax_code=ln.tax_code,
                    memo=ln.memo or memo.strip(),
                )
            journal += posting.entry()  # each currency balances on its own, in amount and value
        return cls._create(
            cls.Posted,
            id=entry_id,
            memo=memo.strip(),
            corrects=corrects,
            journal=balanced(journal, functional_currency),
            **meta.stamp(on),
        )

    def reverse(self, reason: str, on: date, meta: Meta) -> None:
        if self.status != POSTED:
            raise InvalidTransition("this journal entry is already reversed")
        if on < self.posted_on:
            raise InvalidValue(f"a reversal dated {on} is before the entry it reverses ({self.posted_on})")
        if not reason.strip():
            raise InvalidValue("a reversal needs a reason")
        self.trigger_event(self.Reversed, reason=reason.strip(), journal=reverse(self.journal), **meta.stamp(on))

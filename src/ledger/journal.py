"""Journal lines and entries: the double-entry record each financial event carries.

A line's amount is signed: positive debits, negative credits. An entry is valid only
if every line is rounded to its currency's minor unit and the lines sum to zero in
every currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from ledger.accounts import account
from ledger.errors import InvalidValue, Unbalanced
from ledger.money import Money


@dataclass(frozen=True, slots=True)
class JournalLine:
    account: str
    amount: Decimal
    currency: str
    customer_id: str | None = None
    invoice_id: str | None = None
    memo: str = ""

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    def reversed(self) -> JournalLine:
        return replace(self, amount=-self.amount)


def debit(code: str, money: Money, **dims: str | None) -> JournalLine:
    return JournalLine(code, money.amount, money.currency, **dims)  # type: ignore[arg-type]


def credit(code: str, money: Money, **dims: str | None) -> JournalLine:
    return JournalLine(code, -money.amount, money.currency, **dims)  # type: ignore[arg-type]


def balanced(lines: Iterable[JournalLine]) -> list[JournalLine]:
    """Validate and return the lines of one entry, dropping zero lines.

    Raises Unbalanced unless the lines sum to zero per currency.
    """
    kept = [line for line in lines if line.amount != 0]
    if not kept:
        raise InvalidValue("a journal entry needs at least one non-zero line")
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in kept:
        account(line.account)
        if not line.money.is_rounded():
            raise InvalidValue(f"line {line.account} {line.money} is not rounded to the minor unit")
        totals[line.currency] += line.amount
    off = {cur: total for cur, total in totals.items() if total != 0}
    if off:
        detail = ", ".join(f"{total} {cur}" for cur, total in sorted(off.items()))
        raise Unbalanced(f"journal entry does not balance: off by {detail}")
    return kept


def reverse(lines: Iterable[JournalLine]) -> list[JournalLine]:
    return [line.reversed() for line in lines]

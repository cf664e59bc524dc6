"""Unrealised FX revaluation at period end.

On a closing date, every open foreign-currency balance on a monetary account — an open receivable
or payable (per document), customer credit, a bank account — is valued at the closing rate (the
rate table's in force that day). The differences to the value it carries are one journal entry on
the closing date, against the unrealised FX gain and loss roles (netted per currency); the same
entry reversed is dated the first day of the next month, so the books carry the documents at their
own rates again and a later settlement realises the whole difference (ADR 0033).

One revaluation per closing date: its id derives from the date, so asking twice records nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.fx import FxRate
from ledger.journal import JournalLine, balanced, reverse
from ledger.money import Money
from ledger.roles import Role, Roles

MONETARY_ROLES = frozenset({Role.RECEIVABLE.value, Role.PAYABLE.value, Role.CUSTOMER_CREDIT.value})


def revaluation_id(as_of: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:fx-revaluation:{as_of.isoformat()}")


def first_of_next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True, slots=True)
class Exposure:
    """One open foreign-currency balance: on an account, in a currency (per party and document
    for receivables and payables), with the value it carries in the functional currency."""

    account: str
    role: str
    currency: str
    amount: Decimal
    value: Decimal
    party_id: str | None = None
    document_id: str | None = None


def revaluation_lines(
    exposures: Iterable[Exposure],
    closing: Mapping[str, Decimal],
    functional_currency: str,
    roles: Roles,
    as_of: date,
) -> list[JournalLine]:
    """The entry that brings each exposure's value to its amount at the closing rate: one line per
    exposure that differs (amount 0, value the difference), then per currency one line on the
    unrealised gain (or loss) role with the net. Raises when nothing differs."""
    memo = f"Unrealised FX revaluation at {as_of.isoformat()}"
    lines: list[JournalLine] = []
    net: dict[str, Decimal] = {}
    for e in sorted(exposures, key=lambda x: (x.currency, x.account, x.party_id or "", x.document_id or "")):
        if e.amount == 0 or e.currency == functional_currency:
            continue
        rate = closing.get(e.currency)
        if rate is None:
            raise InvalidValue(f"no closing rate for {e.currency} on {as_of.isoformat()}")
        difference = Money(e.amount * rate, functional_currency).rounded().amount - e.value
        if not difference:
            continue
        zero = Money.zero(e.currency).amount
        lines.append(
            JournalLine(
                e.account, zero, e.currency, difference, e.party_id, e.document_id, memo=memo, role=e.role or ""
            )
        )
        net[e.currency] = net.get(e.currency, Decimal(0)) + difference
    for currency, total in sorted(net.items()):
        if not total:
            continue
        role = Role.FX_UNREALISED_GAIN if total > 0 else Role.FX_UNREALISED_LOSS
        zero = Money.zero(currency).amount
        lines.append(JournalLine(roles.code(role), zero, currency, -total, memo=memo, role=role.value))
    if not lines:
        raise InvalidValue(
            f"nothing to revalue on {as_of.isoformat()}: no open foreign-currency balance differs at the closing rates"
        )
    return balanced(lines, functional_currency)


class FxRevaluation(KeelAggregate):
    """One closing date's revaluation: the entry on that date, and its reversal on the first day of
    the next month (both recorded together)."""

    TOPIC = "keel.FxRevaluation"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        as_of: date
        reverse_on: date

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.fxrevaluation.Created.v1"

    class Posted(Created):
        TOPIC = "keel.fxrevaluation.Posted.v1"
        reverse_on: date
        rates: list[FxRate]  # the closing rates used, as the table had them
        journal: list[JournalLine]

        def apply(self, revaluation: FxRevaluation) -> None:
            revaluation.as_of = self.effective_date
            revaluation.reverse_on = self.reverse_on

    class Reversed(Event):
        TOPIC = "keel.fxrevaluation.Reversed.v1"
        journal: list[JournalLine]

    @classmethod
    def post(cls, as_of: date, rates: list[FxRate], journal: list[JournalLine], meta: Meta) -> FxRevaluation:
        reverse_on = first_of_next_month(as_of)
        revaluation = cls._create(
            cls.Posted,
            id=revaluation_id(as_of),
            reverse_on=reverse_on,
            rates=rates,
            journal=journal,
            **meta.stamp(as_of),
        )
        undone = reverse(journal, f"Reversal of the unrealised FX revaluation at {as_of.isoformat()}")
        revaluation.trigger_event(cls.Reversed, journal=undone, **meta.stamp(reverse_on))
        return revaluation

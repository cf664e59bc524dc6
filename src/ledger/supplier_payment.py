"""Money we paid a supplier, settling one or more of their bills exactly, and — when the bank line
that showed it is unmatched — that payment taken back (ADR 0037). Kept apart from ``payables`` (the
suppliers and their bills) only for size; the stored topics are what they were."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.journal import JournalLine, Posting, reverse
from ledger.money import Money
from ledger.payables import Bill, Supplier
from ledger.roles import Role, Roles


@dataclass(frozen=True, slots=True)
class BillAllocation:
    bill_id: UUID
    amount: Decimal


class SupplierPayment(KeelAggregate):
    """Money we paid a supplier, settling one or more of their bills exactly."""

    TOPIC = "keel.SupplierPayment"

    if TYPE_CHECKING:
        supplier_id: UUID
        allocations: list[BillAllocation]
        journal: list[JournalLine]
        paid_on: date
        reversed: bool

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.supplierpayment.Created.v1"

    class Made(Created):
        TOPIC = "keel.supplierpayment.Made.v1"
        supplier_id: UUID
        amount: Decimal
        currency: str
        rate: Decimal
        reference: str
        allocations: list[BillAllocation]
        journal: list[JournalLine]

        def apply(self, payment: SupplierPayment) -> None:
            payment.supplier_id, payment.allocations = self.supplier_id, list(self.allocations)
            payment.journal, payment.paid_on, payment.reversed = list(self.journal), self.effective_date, False

    class Reversed(Event):
        """The payment taken back (its bank line unmatched): the bills are owed again and the
        journal undoes the payment's (payables, bank, FX difference)."""

        TOPIC = "keel.supplierpayment.Reversed.v1"
        reason: str
        journal: list[JournalLine]

        def apply(self, payment: SupplierPayment) -> None:
            payment.reversed = True

    @classmethod
    def make(
        cls,
        payment_id: UUID,
        supplier: Supplier,
        rate: Decimal,
        allocations: list[tuple[Bill, Money]],
        reference: str,
        functional_currency: str,
        on: date,
        meta: Meta,
        roles: Roles,
        bank_account: str | None = None,
    ) -> SupplierPayment:
        if not allocations:
            raise InvalidValue("a supplier payment settles at least one bill")
        currency = allocations[0][1].currency
        total = Money.zero(currency)
        memo = f"Payment to {supplier.name} {reference}".strip()
        party = str(supplier.id)
        posting = Posting(currency, functional_currency, rate, roles)
        seen: set[UUID] = set()
        for bill, part in allocations:
            if bill.id in seen:
                raise InvalidValue(f"bill {bill.supplier_reference} appears twice in the payment")
            if bill.supplier_id != supplier.id:
                raise InvalidValue(f"bill {bill.supplier_reference} belongs to another supplier")
            seen.add(bill.id)
            total += part
            posting.post(
                Role.PAYABLE,
                part.amount,
                value=bill.value_of(part, functional_currency),
                party_id=party,
                document_id=str(bill.id),
                memo=memo,
            )
        posting.post(Role.BANK, -total.amount, code=roles.bank_account(bank_account), party_id=party, memo=memo)
        journal = posting.fx_difference(party_id=party, memo=memo).entry()
        return cls._create(
            cls.Made,
            id=payment_id,
            supplier_id=supplier.id,
            amount=total.amount,
            currency=currency,
            rate=rate,
            reference=reference.strip(),
            allocations=[BillAllocation(b.id, m.amount) for b, m in allocations],
            journal=journal,
            **meta.stamp(on),
        )

    def reverse(self, reason: str, on: date, meta: Meta) -> list[BillAllocation]:
        """Take the payment back; return the bills' parts, for the caller to reverse on each bill."""
        if self.reversed:
            raise InvalidTransition(f"supplier payment {self.id} was already reversed")
        if on < self.paid_on:
            raise InvalidValue(f"a reversal dated {on} is before the payment ({self.paid_on})")
        memo = f"Reversal of supplier payment: {reason.strip() or 'reversed'}"[:200]
        journal = reverse(self.journal, memo)
        self.trigger_event(self.Reversed, reason=reason.strip() or "reversed", journal=journal, **meta.stamp(on))
        return list(self.allocations)

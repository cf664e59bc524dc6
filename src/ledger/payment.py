"""Payment: money received from a customer, allocated to invoices; the rest is customer credit.

Allocations can later be taken back (un-allocated) into customer credit, and customer
credit applied to other invoices. A payment in a foreign currency is valued at its own
rate; the receivable it clears is valued at the invoice's rate; the difference is realised
FX gain or loss. A bank fee deducted from the transfer is an expense, not a discount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.invoice import Invoice
from ledger.journal import JournalLine, Posting, reverse
from ledger.money import Money
from ledger.roles import Role, Roles


@dataclass(frozen=True, slots=True)
class Allocation:
    invoice_id: UUID
    amount: Decimal


class Payment(KeelAggregate):
    TOPIC = "keel.Payment"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        customer_id: UUID
        amount: Money
        rate: Decimal
        allocated: dict[UUID, Decimal]
        credit: Money
        received_on: date
        journal: list[JournalLine]  # every line it posted so far: a reversal undoes exactly these
        reversed: bool

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.payment.Created.v1"

    class Received(Created):
        TOPIC = "keel.payment.Received.v1"
        class_version = 2
        customer_id: UUID
        amount: Decimal
        currency: str
        rate: Decimal
        bank_fee: Decimal
        reference: str
        allocations: list[Allocation]
        credit: Decimal
        journal: list[JournalLine]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 payments were at par and had no bank fee."""
            state["rate"] = Decimal(1)
            state["bank_fee"] = Decimal(0)

        def apply(self, payment: Payment) -> None:
            payment.customer_id = self.customer_id
            payment.amount = Money(self.amount, self.currency)
            payment.rate = self.rate
            payment.allocated = {a.invoice_id: a.amount for a in self.allocations}
            payment.credit = Money(self.credit, self.currency)
            payment.received_on = self.effective_date
            payment.journal, payment.reversed = list(self.journal), False

    class Unallocated(Event):
        TOPIC = "keel.payment.Unallocated.v1"
        invoice_id: UUID
        amount: Decimal
        journal: list[JournalLine]

        def apply(self, payment: Payment) -> None:
            left = payment.allocated[self.invoice_id] - self.amount
            payment.allocated = {**payment.allocated, self.invoice_id: left}
            payment.credit += Money(self.amount, payment.credit.currency)
            payment.journal = [*payment.journal, *self.journal]

    class Reversed(Event):
        """The payment taken back as if it never was (its bank line unmatched): what is still
        allocated leaves the invoices (they are owed again), the credit it left leaves the
        customer, and the journal undoes every line the payment posted — bank, fee, receivables,
        credit, FX difference."""

        TOPIC = "keel.payment.Reversed.v1"
        reason: str
        allocations: list[Allocation]  # what each invoice had of it when it was taken back
        credit: Decimal  # the customer credit it still held
        journal: list[JournalLine]

        def apply(self, payment: Payment) -> None:
            payment.allocated = {a: Decimal(0) for a in payment.allocated}
            payment.credit = Money.zero(payment.credit.currency)
            payment.reversed = True

    @classmethod
    def receive(
        cls,
        payment_id: UUID,
        customer_id: UUID,
        amount: Money,
        rate: Decimal,
        bank_fee: Money,
        allocations: list[tuple[Invoice, Money]],
        reference: str,
        functional_currency: str,
        on: date,
        meta: Meta,
        roles: Roles,
        bank_account: str | None = None,
    ) -> Payment:
        if amount.amount <= 0 or not amount.is_rounded():
            raise InvalidValue(f"a payment must be a positive amount in minor units, got {amount}")
        if bank_fee.amount < 0 or not bank_fee.is_rounded() or bank_fee >= amount:
            raise InvalidValue(f"a bank fee must be zero or more and less than the payment, got {bank_fee}")
        seen: set[UUID] = set()
        allocated = Money.zero(amount.currency)
        for invoice, part in allocations:
            if invoice.id in seen:
                raise InvalidValue(f"invoice {invoice.label} appears twice in the allocations")
            seen.add(invoice.id)
            allocated += part
        if allocated > amount:
            raise InvalidValue(f"allocations total {allocated}, more than the {amount} received")
        memo = f"Payment {reference}".strip()
        party = str(customer_id)
        posting = Posting(amount.currency, functional_currency, rate, roles)
        bank = roles.bank_account(bank_account)
        posting.post(Role.BANK, (amount - bank_fee).amount, code=bank, party_id=party, memo=memo)
        if bank_fee.amount:
            posting.post(Role.BANK_FEES, bank_fee.amount, party_id=party, memo=memo)
        for invoice, part in allocations:
            value = -invoice.value_of(part, functional_currency)
            doc = str(invoice.id)
            posting.post(Role.RECEIVABLE, -part.amount, value=value, party_id=party, document_id=doc, memo=memo)
        if amount != allocated:
            posting.post(Role.CUSTOMER_CREDIT, -(amount - allocated).amount, party_id=party, memo=memo)
        journal = posting.fx_difference(party_id=party, memo=memo).entry()
        return cls._create(
            cls.Received,
            id=payment_id,
            customer_id=customer_id,
            amount=amount.amount,
            currency=amount.currency,
            rate=rate,
            bank_fee=bank_fee.amount,
            reference=reference.strip(),
            allocations=[Allocation(inv.id, m.amount) for inv, m in allocations],
            credit=(amount - allocated).amount,
            journal=journal,
            **meta.stamp(on),
        )

    def credit_value_of(self, amount: Money, functional_currency: str) -> Decimal:
        """Customer credit from this payment is valued at the payment's rate."""
        return Money(amount.amount * self.rate, functional_currency).rounded().amount

    def unallocate(
        self, invoice: Invoice, amount: Money, functional_currency: str, on: date, meta: Meta, roles: Roles
    ) -> None:
        """Take (part of) an allocation back: the invoice is owed again, the customer holds credit."""
        held = Money(self.allocated.get(invoice.id, Decimal(0)), self.amount.currency)
        if amount.currency != held.currency or amount.amount <= 0 or not amount.is_rounded():
            raise InvalidValue(f"un-allocation must be a positive {held.currency} amount in minor units, got {amount}")
        if amount > held:
            raise InvalidTransition(f"this payment has only {held} allocated to invoice {invoice.label}")
        if on < self.received_on:
            raise InvalidValue(f"an un-allocation dated {on} is before the payment ({self.received_on})")
        party = str(self.customer_id)
        memo = f"Un-allocated from {invoice.label}"
        posting = Posting(amount.currency, functional_currency, self.rate, roles)
        value = invoice.value_of(amount, functional_currency)
        doc = str(invoice.id)
        posting.post(Role.RECEIVABLE, amount.amount, value=value, party_id=party, document_id=doc, memo=memo)
        posting.post(Role.CUSTOMER_CREDIT, -amount.amount, party_id=party, memo=memo)
        journal = posting.fx_difference(party_id=party, memo=memo).entry()
        self.trigger_event(
            self.Unallocated, invoice_id=invoice.id, amount=amount.amount, journal=journal, **meta.stamp(on)
        )

    def reverse(self, reason: str, on: date, meta: Meta) -> list[Allocation]:
        """Take the whole payment back; return what each invoice had of it, for the caller to
        un-apply there (the customer's credit is taken by the caller too)."""
        if self.reversed:
            raise InvalidTransition(f"payment {self.id} was already reversed")
        if on < self.received_on:
            raise InvalidValue(f"a reversal dated {on} is before the payment ({self.received_on})")
        held = [Allocation(i, a) for i, a in self.allocated.items() if a > 0]
        memo = f"Reversal of payment: {reason.strip() or 'reversed'}"[:200]
        self.trigger_event(
            self.Reversed,
            reason=reason.strip() or "reversed",
            allocations=held,
            credit=self.credit.amount,
            journal=reverse(self.journal, memo),
            **meta.stamp(on),
        )
        return held

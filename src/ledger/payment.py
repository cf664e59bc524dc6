"""Payment: money received from a customer, allocated to invoices; the rest is customer credit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from ledger import posting
from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.journal import JournalLine
from ledger.money import Money


@dataclass(frozen=True, slots=True)
class Allocation:
    invoice_id: UUID
    amount: Decimal


class Payment(KeelAggregate):
    TOPIC = "keel.Payment"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        customer_id: UUID
        amount: Money
        allocations: list[Allocation]
        credit: Money

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.payment.Created.v1"

    class Received(Created):
        TOPIC = "keel.payment.Received.v1"
        customer_id: UUID
        amount: Decimal
        currency: str
        reference: str
        allocations: list[Allocation]
        credit: Decimal
        journal: list[JournalLine]

        def apply(self, payment: Payment) -> None:
            payment.customer_id = self.customer_id
            payment.amount = Money(self.amount, self.currency)
            payment.allocations = list(self.allocations)
            payment.credit = Money(self.credit, self.currency)

    @classmethod
    def receive(
        cls,
        payment_id: UUID,
        customer_id: UUID,
        amount: Money,
        allocations: list[tuple[UUID, Money]],
        reference: str,
        on: date,
        meta: Meta,
    ) -> Payment:
        if amount.amount <= 0 or not amount.is_rounded():
            raise InvalidValue(f"a payment must be a positive amount in minor units, got {amount}")
        seen: set[UUID] = set()
        allocated = Money.zero(amount.currency)
        for invoice_id, part in allocations:
            if invoice_id in seen:
                raise InvalidValue(f"invoice {invoice_id} appears twice in the allocations")
            seen.add(invoice_id)
            allocated += part
        if allocated > amount:
            raise InvalidValue(f"allocations total {allocated}, more than the {amount} received")
        journal = posting.payment_received(customer_id, amount, allocations, reference)
        return cls._create(
            cls.Received,
            id=payment_id,
            customer_id=customer_id,
            amount=amount.amount,
            currency=amount.currency,
            reference=reference.strip(),
            allocations=[Allocation(i, m.amount) for i, m in allocations],
            credit=(amount - allocated).amount,
            journal=journal,
            **meta.stamp(on),
        )

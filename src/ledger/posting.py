"""Posting rules: which balanced journal lines a business event records.

The rules run when the event is recorded and their result is stored in the event, so
a later change of these rules never rewrites posted history.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from ledger.accounts import BANK, CUSTOMER_CREDIT, RECEIVABLES, SERVICE_REVENUE, TAX_PAYABLE
from ledger.journal import JournalLine, balanced, credit, debit
from ledger.money import Money


def invoice_issued(invoice_id: UUID, customer_id: UUID, number: str, net: Money, tax: Money) -> list[JournalLine]:
    """Receivable for the gross amount; revenue for the net; output tax for the tax."""
    dims = {"customer_id": str(customer_id), "invoice_id": str(invoice_id), "memo": f"Invoice {number}"}
    return balanced(
        [
            debit(RECEIVABLES, net + tax, **dims),
            credit(SERVICE_REVENUE, net, **dims),
            credit(TAX_PAYABLE, tax, **dims),
        ]
    )


def payment_received(
    customer_id: UUID,
    received: Money,
    allocations: Sequence[tuple[UUID, Money]],
    reference: str,
) -> list[JournalLine]:
    """Cash in; each allocation clears that invoice's receivable; the rest is customer credit."""
    customer = str(customer_id)
    memo = f"Payment {reference}".strip()
    lines = [debit(BANK, received, customer_id=customer, memo=memo)]
    allocated = Money.zero(received.currency)
    for invoice_id, amount in allocations:
        lines.append(credit(RECEIVABLES, amount, customer_id=customer, invoice_id=str(invoice_id), memo=memo))
        allocated += amount
    lines.append(credit(CUSTOMER_CREDIT, received - allocated, customer_id=customer, memo=memo))
    return balanced(lines)

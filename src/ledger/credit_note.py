"""Credit note: takes back all or part of an issued invoice (its own gap-free number).

What the credit note takes back first reduces what the customer still owes on the
invoice; anything beyond that (the invoice was already paid) becomes customer credit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.invoice import Invoice
from ledger.invoice_lines import InvoiceLine, document_posting, taxes
from ledger.journal import JournalLine, Posting
from ledger.money import Money
from ledger.roles import Role, Roles


class CreditNote(KeelAggregate):
    TOPIC = "keel.CreditNote"

    if TYPE_CHECKING:
        invoice_id: UUID
        customer_id: UUID
        number: str
        total: Money

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.creditnote.Created.v1"

    class Issued(Created):
        TOPIC = "keel.creditnote.Issued.v1"
        invoice_id: UUID
        customer_id: UUID
        number: str
        currency: str
        rate: Decimal
        lines: list[InvoiceLine]
        net: Decimal
        tax: Decimal
        to_credit: Decimal  # the part that became customer credit
        reason: str
        journal: list[JournalLine]

        def apply(self, note: CreditNote) -> None:
            note.invoice_id = self.invoice_id
            note.customer_id = self.customer_id
            note.number = self.number
            note.total = Money(self.net + self.tax, self.currency)

    @classmethod
    def issue(
        cls,
        credit_note_id: UUID,
        invoice: Invoice,
        number: str,
        lines: list[InvoiceLine],
        reason: str,
        functional_currency: str,
        on: date,
        meta: Meta,
        roles: Roles,
    ) -> CreditNote:
        """Issue the note and record it on the invoice (both saved together)."""
        if not lines:
            raise InvalidValue("a credit note needs at least one line")
        if not reason.strip():
            raise InvalidValue("a credit note needs a reason")
        result = taxes(lines, invoice.currency)
        gross = result.net + result.tax
        if gross.amount <= 0:
            raise InvalidValue("a credit note must take back a positive amount")
        excess = invoice.credit(credit_note_id, gross, on, meta)
        posting = Posting(invoice.currency, functional_currency, invoice.rate, roles)
        memo = f"Credit note {number} on {invoice.label}"
        party, document = str(invoice.customer_id), str(invoice.id)
        document_posting(posting, lines, result, gross - excess, party, document, memo, -1, invoice.project_id)
        posting.post(Role.CUSTOMER_CREDIT, -excess.amount, party_id=party, document_id=document, memo=memo)
        return cls._create(
            cls.Issued,
            id=credit_note_id,
            invoice_id=invoice.id,
            customer_id=invoice.customer_id,
            number=number,
            currency=invoice.currency,
            rate=invoice.rate,
            lines=list(lines),
            net=result.net.amount,
            tax=result.tax.amount,
            to_credit=excess.amount,
            reason=reason.strip(),
            journal=posting.entry(),
            **meta.stamp(on),
        )

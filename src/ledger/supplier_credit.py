"""Supplier credit notes: a supplier takes back all or part of one of its bills.

A credit note is identified by the supplier's own reference (its id derives from the supplier and
that reference, so the same note cannot be recorded twice). It reverses the bill's expense (or
asset) and input tax lines it names, at the bill's rate, against payables. What it takes back first
reduces what is still owed on the bill; anything beyond that (the bill was already paid) becomes
*supplier credit*: a debit balance with the supplier, kept on the payables account as the note's
own open item, used later against another bill of the same supplier and currency or refunded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.journal import JournalLine, Posting
from ledger.money import Money
from ledger.payables import Bill, BillLine, bill_lines_posting, bill_taxes
from ledger.policy import TEXT, check_text
from ledger.roles import Role, Roles


def supplier_credit_note_id(supplier_id: UUID, reference: str) -> UUID:
    """One credit note per supplier and reference: the supplier's own numbering identifies it."""
    return uuid5(NAMESPACE_URL, f"keel:supplier-credit-note:{supplier_id}:{reference.strip()}")


class SupplierCreditNote(KeelAggregate):
    TOPIC = "keel.SupplierCreditNote"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        bill_id: UUID
        supplier_id: UUID
        supplier_reference: str
        currency: str
        rate: Decimal
        received_on: date
        total: Money
        credit: Money  # supplier credit not yet used or refunded
        credit_value: Decimal  # its value in the functional currency, at the bill's rate

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.suppliercreditnote.Created.v1"

    class Received(Created):
        TOPIC = "keel.suppliercreditnote.Received.v1"
        bill_id: UUID
        supplier_id: UUID
        supplier_reference: str
        currency: str
        rate: Decimal
        lines: list[BillLine]
        net: Decimal
        tax: Decimal
        to_credit: Decimal  # the part that became supplier credit
        credit_value: Decimal
        reason: str
        journal: list[JournalLine]

        def apply(self, note: SupplierCreditNote) -> None:
            note.bill_id = self.bill_id
            note.supplier_id = self.supplier_id
            note.supplier_reference = self.supplier_reference
            note.currency = self.currency
            note.rate = self.rate
            note.received_on = self.effective_date
            note.total = Money(self.net + self.tax, self.currency)
            note.credit = Money(self.to_credit, self.currency)
            note.credit_value = self.credit_value

    class CreditApplied(Event):
        """Supplier credit of this note settled part of another bill of the supplier."""

        TOPIC = "keel.suppliercreditnote.CreditApplied.v1"
        bill_id: UUID
        amount: Decimal
        value: Decimal
        journal: list[JournalLine]

        def apply(self, note: SupplierCreditNote) -> None:
            note.credit -= Money(self.amount, note.currency)
            note.credit_value -= self.value

    class CreditRefunded(Event):
        """The supplier paid supplier credit of this note back to the bank."""

        TOPIC = "keel.suppliercreditnote.CreditRefunded.v1"
        amount: Decimal
        value: Decimal
        rate: Decimal
        reference: str
        journal: list[JournalLine]

        def apply(self, note: SupplierCreditNote) -> None:
            note.credit -= Money(self.amount, note.currency)
            note.credit_value -= self.value

    @classmethod
    def receive(
        cls,
        supplier_reference: str,
        bill: Bill,
        supplier_name: str,
        lines: list[BillLine],
        reason: str,
        functional_currency: str,
        on: date,
        meta: Meta,
        roles: Roles,
    ) -> SupplierCreditNote:
        """Record the note and take it into account on the bill (both saved together)."""
        reference = check_text(supplier_reference.strip(), TEXT, "reference")
        if not reference:
            raise InvalidValue("reference: a supplier credit note needs the supplier's own reference")
        if not lines:
            raise InvalidValue("lines: a supplier credit note needs at least one line")
        note_id = supplier_credit_note_id(bill.supplier_id, reference)
        result = bill_taxes(lines, bill.currency)
        gross = result.net + result.tax
        if gross.amount <= 0:
            raise InvalidValue("a supplier credit note must take back a positive amount")
        excess = bill.take_credit(note_id, gross, on, meta)
        party, memo = (
            str(bill.supplier_id),
            f"Credit note {reference} from {supplier_name} on bill {bill.supplier_reference}",
        )
        dims: dict[str, Any] = {"party_id": party, "memo": memo}
        posting = Posting(bill.currency, functional_currency, bill.rate, roles)
        bill_lines_posting(posting, lines, result, -1, document_id=str(bill.id), **dims)
        posting.post(Role.PAYABLE, (gross - excess).amount, document_id=str(bill.id), **dims)
        posting.post(Role.PAYABLE, excess.amount, document_id=str(note_id), **dims)
        journal = posting.entry()
        credit_value = sum(
            (ln.value for ln in journal if ln.role == Role.PAYABLE.value and ln.document_id == str(note_id)),
            Decimal(0),
        )
        return cls._create(
            cls.Received,
            id=note_id,
            bill_id=bill.id,
            supplier_id=bill.supplier_id,
            supplier_reference=reference,
            currency=bill.currency,
            rate=bill.rate,
            lines=list(lines),
            net=result.net.amount,
            tax=result.tax.amount,
            to_credit=excess.amount,
            credit_value=credit_value,
            reason=reason.strip(),
            journal=journal,
            **meta.stamp(on),
        )

    def _take(self, amount: Money, functional_currency: str, what: str) -> Decimal:
        """Check the note's supplier credit covers ``amount``; its value, pro rata (all of what is
        left takes all of its value, so the note's item ends at zero on both axes)."""
        if amount.currency != self.currency or amount.amount <= 0 or not amount.is_rounded():
            raise InvalidValue(f"amount: {what} must be a positive {self.currency} amount, got {amount}")
        if amount > self.credit:
            raise InvalidTransition(
                f"credit note {self.supplier_reference} leaves {self.credit} of supplier credit, less than {amount}"
            )
        if amount == self.credit:
            return self.credit_value
        return Money(self.credit_value * amount.amount / self.credit.amount, functional_currency).rounded().amount

    def _check_date(self, on: date, what: str) -> None:
        if on < self.received_on:
            raise InvalidValue(
                f"{what} dated {on} is before credit note {self.supplier_reference} ({self.received_on})"
            )

    def apply_to(self, bill: Bill, amount: Money, functional_currency: str, on: date, meta: Meta, roles: Roles) -> None:
        """Settle part of another bill of the same supplier with this note's credit (FX realised
        between the note's rate and the bill's)."""
        if bill.supplier_id != self.supplier_id:
            raise InvalidValue(f"bill {bill.supplier_reference} belongs to another supplier")
        if bill.id == self.bill_id:
            raise InvalidValue(
                f"credit note {self.supplier_reference} already counts against bill {bill.supplier_reference}"
            )
        self._check_date(on, "applying supplier credit")
        value = self._take(amount, functional_currency, "supplier credit to apply")
        bill.check_settlement(amount, on, "supplier credit")
        dims: dict[str, Any] = {
            "party_id": str(self.supplier_id),
            "memo": f"Supplier credit {self.supplier_reference} applied to bill {bill.supplier_reference}",
        }
        posting = Posting(bill.currency, functional_currency, bill.rate, roles)
        posting.post(Role.PAYABLE, amount.amount, document_id=str(bill.id), **dims)
        posting.post(Role.PAYABLE, -amount.amount, value=-value, document_id=str(self.id), **dims)
        journal = posting.fx_difference(**dims).entry()
        bill.trigger_event(bill.SupplierCreditApplied, credit_note_id=self.id, amount=amount.amount, **meta.stamp(on))
        self.trigger_event(
            self.CreditApplied, bill_id=bill.id, amount=amount.amount, value=value, journal=journal, **meta.stamp(on)
        )

    def refund(
        self,
        amount: Money,
        rate: Decimal,
        reference: str,
        functional_currency: str,
        on: date,
        meta: Meta,
        roles: Roles,
        bank_account: str | None = None,
    ) -> None:
        """The supplier pays the credit back into the bank (FX realised at the refund's rate)."""
        self._check_date(on, "the refund")
        value = self._take(amount, functional_currency, "the refund")
        memo = f"Refund of supplier credit {self.supplier_reference} {reference.strip()}".strip()
        dims: dict[str, Any] = {"party_id": str(self.supplier_id), "memo": memo}
        posting = Posting(amount.currency, functional_currency, rate, roles)
        posting.post(Role.BANK, amount.amount, code=roles.bank_account(bank_account), **dims)
        posting.post(Role.PAYABLE, -amount.amount, value=-value, document_id=str(self.id), **dims)
        journal = posting.fx_difference(**dims).entry()
        self.trigger_event(
            self.CreditRefunded,
            amount=amount.amount,
            value=value,
            rate=rate,
            reference=reference.strip(),
            journal=journal,
            **meta.stamp(on),
        )

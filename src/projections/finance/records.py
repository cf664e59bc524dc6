"""One document as recorded, from the documents read model: a credit note, a customer payment
(with what is allocated to each invoice now and the credit left) and a supplier payment. Each
carries its aggregate's version; amounts are the recorded ones, to the digit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from projections.engine.db import ViewDatabase
from projections.engine.sql import as_date


def _date(value: object) -> date:
    found = as_date(value)
    assert found is not None
    return found


@dataclass(frozen=True)
class CreditNoteLineView:
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    tax_inclusive: bool
    amount: Decimal


@dataclass(frozen=True)
class CreditNoteView:
    id: str
    invoice_id: str
    customer_id: str
    number: str
    issued_on: date
    currency: str
    net: Decimal
    tax: Decimal
    total: Decimal
    to_credit: Decimal
    reason: str
    lines: list[CreditNoteLineView]
    version: int


def credit_notes_of(db: ViewDatabase, invoice_id: str) -> list[CreditNoteView]:
    """The credit notes issued against an invoice, in the order they were issued."""
    with db.read() as cur:
        cur.execute("SELECT id FROM credit_notes WHERE invoice_id = %s ORDER BY issued_on, number", (invoice_id,))
        ids = [str(row[0]) for row in cur.fetchall()]
    found = (get_credit_note(db, i) for i in ids)
    return [note for note in found if note is not None]


def get_credit_note(db: ViewDatabase, credit_note_id: str) -> CreditNoteView | None:
    with db.read() as cur:
        cur.execute(
            "SELECT invoice_id, customer_id, number, issued_on, currency, net, tax, to_credit, reason, version"
            " FROM credit_notes WHERE id = %s",
            (credit_note_id,),
        )
        r = cur.fetchone()
        if r is None:
            return None
        cur.execute(
            "SELECT description, quantity, unit_price, discount_percent, tax_rate, tax_inclusive, amount"
            " FROM credit_note_lines WHERE credit_note_id = %s ORDER BY line_no",
            (credit_note_id,),
        )
        lines = [
            CreditNoteLineView(
                ln[0], Decimal(ln[1]), Decimal(ln[2]), Decimal(ln[3]), Decimal(ln[4]), bool(ln[5]), Decimal(ln[6])
            )
            for ln in cur.fetchall()
        ]
    net, tax = Decimal(r[5]), Decimal(r[6])
    return CreditNoteView(
        credit_note_id,
        str(r[0]),
        str(r[1]),
        r[2],
        _date(r[3]),
        r[4],
        net,
        tax,
        net + tax,
        Decimal(r[7]),
        r[8],
        lines,
        int(r[9]),
    )


@dataclass(frozen=True)
class PaymentAllocationView:
    invoice_id: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentDetailView:
    id: str
    customer_id: str
    received_on: date
    currency: str
    amount: Decimal  # as received, bank fee included
    rate: Decimal
    allocations: list[PaymentAllocationView]  # what is allocated now, in the payment's order; none taken back whole
    credit: Decimal
    version: int
    reversed_on: date | None = None  # taken back (its bank line unmatched): nothing of it stands


def get_payment(db: ViewDatabase, payment_id: str) -> PaymentDetailView | None:
    with db.read() as cur:
        cur.execute(
            "SELECT customer_id, received_on, currency, amount, rate, credit, version, reversed_on FROM payments"
            " WHERE id = %s",
            (payment_id,),
        )
        r = cur.fetchone()
        if r is None:
            return None
        cur.execute(
            "SELECT invoice_id, amount FROM payment_allocations WHERE payment_id = %s ORDER BY line_no", (payment_id,)
        )
        allocations = [PaymentAllocationView(str(a[0]), Decimal(a[1])) for a in cur.fetchall()]
    return PaymentDetailView(
        payment_id,
        str(r[0]),
        _date(r[1]),
        r[2],
        Decimal(r[3]),
        Decimal(r[4]),
        [a for a in allocations if a.amount != 0],
        Decimal(r[5]),
        int(r[6]),
        as_date(r[7]),
    )


@dataclass(frozen=True)
class BillAllocationView:
    bill_id: str
    amount: Decimal


@dataclass(frozen=True)
class SupplierPaymentView:
    id: str
    supplier_id: str
    paid_on: date
    currency: str
    amount: Decimal
    rate: Decimal
    reference: str
    allocations: list[BillAllocationView]
    version: int
    reversed_on: date | None = None


def get_supplier_payment(db: ViewDatabase, payment_id: str) -> SupplierPaymentView | None:
    with db.read() as cur:
        cur.execute(
            "SELECT supplier_id, paid_on, currency, amount, rate, reference, version, reversed_on"
            " FROM supplier_payments WHERE id = %s",
            (payment_id,),
        )
        r = cur.fetchone()
        if r is None:
            return None
        cur.execute(
            "SELECT bill_id, amount FROM supplier_payment_allocations WHERE payment_id = %s ORDER BY line_no",
            (payment_id,),
        )
        allocations = [BillAllocationView(str(a[0]), Decimal(a[1])) for a in cur.fetchall()]
    return SupplierPaymentView(
        payment_id,
        str(r[0]),
        _date(r[1]),
        r[2],
        Decimal(r[3]),
        Decimal(r[4]),
        r[5],
        allocations,
        int(r[6]),
        as_date(r[7]),
    )

"""Money received from a customer, as every context that records it decides it: a payment typed in
(``sales``) and a bank line matched to open invoices (``finance``, reconciliation) take the same
path, so a matched line is the payment the accountant would have typed — and the way back, when a
match is taken back (issue 18, ADR 0034).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from commands.posting import open_books, rate_on
from commands.unit_of_work import UnitOfWork
from ledger.books import Books
from ledger.customer import Customer
from ledger.errors import InvalidValue
from ledger.events import Meta
from ledger.invoice import Invoice
from ledger.journal_entry import JournalEntry, make_entry_line
from ledger.money import Money, to_decimal
from ledger.payment import Payment
from ledger.roles import Role


@dataclass
class Receipt:
    """What recording a customer payment changed: save them all in one commit."""

    payment: Payment
    customer: Customer
    invoices: list[Invoice]
    books: Books | None  # new Books to save, if the books were opened by this payment

    def aggregates(self) -> list[Payment | Customer | Invoice | Books | None]:
        return [self.payment, self.customer, *self.invoices, self.books]


def receive_payment(
    uow: UnitOfWork,
    *,
    payment_id: UUID,
    customer_id: UUID,
    amount: str,
    allocations: Sequence[tuple[UUID, str]],
    reference: str,
    on: date,
    meta: Meta,
    currency: str | None = None,
    rate: str | None = None,
    bank_fee: str = "0",
    bank_account: str | None = None,
) -> Receipt:
    """A customer payment allocated to invoices (the rest becomes customer credit), decided but not saved."""
    uow.ensure_new(payment_id, "payment")
    customer = uow.load(Customer, customer_id)
    books, new_books = open_books(uow, on, meta, "this payment")
    currency = currency or customer.currency
    fx = rate_on(uow, currency, rate, books, on)
    received = Money(to_decimal(amount), currency)
    invoices: list[tuple[Invoice, Money]] = []
    for invoice_id, part_of in allocations:
        invoice = uow.load(Invoice, invoice_id)
        if invoice.customer_id != customer.id:
            raise InvalidValue(f"invoice {invoice.label} belongs to another customer")
        part = Money(to_decimal(part_of), currency)
        invoice.apply_payment(payment_id, part, on, meta)
        invoices.append((invoice, part))
    fc = books.functional_currency
    fee = Money(to_decimal(bank_fee), currency)
    chart = uow.chart()
    bank = chart.bank_account(bank_account)
    payment = Payment.receive(
        payment_id, customer.id, received, fx, fee, invoices, reference, fc, on, meta, chart.roles, bank
    )
    customer.add_credit(payment.credit, payment.credit_value_of(payment.credit, fc), payment.id, on, meta)
    return Receipt(payment, customer, [inv for inv, _ in invoices], new_books)


@dataclass
class Reversal:
    """What taking a recorded payment back changed: save them all in one commit."""

    payment: Payment
    customer: Customer
    invoices: list[Invoice]
    fee_entry: JournalEntry | None

    def aggregates(self) -> list[Payment | Customer | Invoice | JournalEntry | None]:
        return [self.payment, self.customer, *self.invoices, self.fee_entry]


def reverse_payment(
    uow: UnitOfWork, payment_id: UUID, bank_account: str, fee_entry_id: UUID, reason: str, on: date, meta: Meta
) -> Reversal:
    """A payment taken back with the events Keel already has: each allocation un-allocated (the
    invoices are owed again), the whole amount paid back out of the bank as a refund of the credit
    that leaves, and the bank fee it recorded reversed by a journal entry (bank fees to the bank)."""
    payment = uow.load(Payment, payment_id)
    customer = uow.load(Customer, payment.customer_id)
    books, _ = open_books(uow, on, meta, "taking this payment back")
    fc = books.functional_currency
    roles = uow.chart().roles
    invoices: list[Invoice] = []
    for invoice_id, held in payment.allocated.items():
        if held <= 0:
            continue
        invoice = uow.load(Invoice, invoice_id)
        part = Money(held, payment.amount.currency)
        invoice.unapply_payment(payment.id, part, on, meta)
        payment.unallocate(invoice, part, fc, on, meta, roles)
        customer.add_credit(part, payment.credit_value_of(part, fc), payment.id, on, meta)
        invoices.append(invoice)
    customer.refund_credit(payment.amount, fc, payment.rate, reason, on, meta, roles, bank_account)
    fee = _fee_of(uow, payment)
    entry = None
    if fee:
        lines = [
            make_entry_line(bank_account, payment.amount.currency, debit=fee, rate=payment.rate),
            make_entry_line(roles.code(Role.BANK_FEES), payment.amount.currency, credit=fee, rate=payment.rate),
        ]
        entry = JournalEntry.post(fee_entry_id, lines, f"{reason}: its bank fee reversed", None, fc, on, meta)
    return Reversal(payment, customer, invoices, entry)


def _fee_of(uow: UnitOfWork, payment: Payment) -> Decimal:
    first = next(iter(uow.events_of(payment.id)))
    return Decimal(getattr(first, "bank_fee", 0) or 0)

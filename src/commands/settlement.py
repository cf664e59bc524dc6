"""Money received from a customer, as every context that records it decides it: a payment typed in
(``sales``) and a bank line matched to open invoices (``finance``, reconciliation) take the same
path, so a matched line is the payment the accountant would have typed — and the way back, when a
match is taken back (issue 18, ADR 0034). Money paid to a supplier likewise: ``keel bills pay``
and a bank line matched to bills take ``pay_bills``; an unmatch reverses either kind (ADR 0037).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from commands.posting import open_books, rate_on
from commands.unit_of_work import UnitOfWork
from ledger.books import Books
from ledger.customer import Customer
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import Meta
from ledger.invoice import Invoice
from ledger.money import Money, to_decimal
from ledger.payables import Bill, Supplier
from ledger.payment import Payment
from ledger.supplier_payment import SupplierPayment


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
    """What taking a recorded customer payment back changed: save them all in one commit."""

    payment: Payment
    customer: Customer | None  # when the payment had left credit, which leaves with it
    invoices: list[Invoice]

    def aggregates(self) -> list[Payment | Customer | Invoice | None]:
        return [self.payment, self.customer, *self.invoices]


def reverse_payment(uow: UnitOfWork, payment_id: UUID, reason: str, on: date, meta: Meta) -> Reversal:
    """A customer payment taken back as such (``Payment.Reversed``): its journal undone, what it
    allocated un-applied on each invoice (owed again), the credit it left taken off the customer."""
    payment = uow.load(Payment, payment_id)
    books, _ = open_books(uow, on, meta, "taking this payment back")
    customer = None
    if payment.credit.amount > 0:
        customer = uow.load(Customer, payment.customer_id)
        if customer.available_credit(payment.credit.currency) < payment.credit:
            raise InvalidTransition(
                f"the {payment.credit} of credit this payment left was used since; take that back first"
            )
        customer.use_credit(payment.credit, books.functional_currency, payment.id, on, meta)
    invoices = []
    for held in payment.reverse(reason, on, meta):
        invoice = uow.load(Invoice, held.invoice_id)
        invoice.unapply_payment(payment.id, Money(held.amount, payment.amount.currency), on, meta)
        invoices.append(invoice)
    return Reversal(payment, customer, invoices)


@dataclass
class Payout:
    """What paying a supplier's bills changed: save them all in one commit."""

    payment: SupplierPayment
    bills: list[Bill]
    books: Books | None

    def aggregates(self) -> list[SupplierPayment | Bill | Books | None]:
        return [self.payment, *self.bills, self.books]


def pay_bills(
    uow: UnitOfWork,
    *,
    payment_id: UUID,
    supplier_id: UUID,
    allocations: Sequence[tuple[UUID, str]],
    reference: str,
    on: date,
    meta: Meta,
    rate: str | None = None,
    bank_account: str | None = None,
) -> Payout:
    """A payment to a supplier settling bills exactly, decided but not saved: the path a typed
    supplier payment (``keel bills pay``) and a bank line matched to bills both take."""
    uow.ensure_new(payment_id, "supplier payment")
    supplier = uow.load(Supplier, supplier_id)
    books, new_books = open_books(uow, on, meta, "this supplier payment")
    bills: list[tuple[Bill, Money]] = []
    for bill_id, amount in allocations:
        bill = uow.load(Bill, bill_id)
        part = Money(to_decimal(amount), bill.currency)
        bill.apply_payment(payment_id, part, on, meta)
        bills.append((bill, part))
    currency = bills[0][0].currency if bills else supplier.currency
    if any(b.currency != currency for b, _ in bills):
        raise InvalidValue("one supplier payment settles bills of one currency")
    fx = rate_on(uow, currency, rate, books, on)
    chart = uow.chart()
    bank = chart.bank_account(bank_account)
    fc = books.functional_currency
    payment = SupplierPayment.make(payment_id, supplier, fx, bills, reference, fc, on, meta, chart.roles, bank)
    return Payout(payment, [b for b, _ in bills], new_books)


def reverse_supplier_payment(uow: UnitOfWork, payment_id: UUID, reason: str, on: date, meta: Meta) -> Payout:
    """A supplier payment taken back (``SupplierPayment.Reversed``): the bills are owed again."""
    payment = uow.load(SupplierPayment, payment_id)
    open_books(uow, on, meta, "taking this supplier payment back")
    bills = []
    for part in payment.reverse(reason, on, meta):
        bill = uow.load(Bill, part.bill_id)
        bill.reverse_payment(payment.id, Money(part.amount, bill.currency), on, meta)
        bills.append(bill)
    return Payout(payment, bills, None)

"""The sales handlers: customers, invoices, credit notes, payments and customer credit.

An invoice takes its number when it is issued, from the year's sequence of its series, in the
same save; a credit note too. Payments settle invoices and leave any excess as customer credit.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from commands.posting import functional_currency, open_books, rate_on
from commands.sales import messages as m
from commands.settlement import receive_payment
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.books import Books
from ledger.company import Address
from ledger.credit_note import CreditNote
from ledger.customer import Customer
from ledger.errors import InvalidValue, NotFound
from ledger.events import Meta
from ledger.invoice import Invoice
from ledger.invoice_lines import InvoiceLine, make_line
from ledger.money import Money, to_decimal
from ledger.payment import Payment
from ledger.payment_expectations import PaymentExpectation, payment_expectation_id
from ledger.sealed_documents import SealedDocument, seal_id
from ledger.sequence import NumberSequence, invoice_series, sequence_id


def _next_number(
    uow: UnitOfWork, series: str, document_id: UUID, on: date, meta: Meta, books: Books
) -> tuple[str, NumberSequence]:
    try:
        sequence = uow.load(NumberSequence, sequence_id(series))
    except NotFound:
        sequence = NumberSequence.start(series, on, meta)
    return sequence.take(document_id, on, meta, in_date_order=books.numbers_in_date_order), sequence


def _lines(inputs: tuple[m.LineInput, ...], default_rate: str) -> list[InvoiceLine]:
    return [
        make_line(
            ln.description,
            ln.quantity,
            ln.unit_price,
            ln.tax_rate if ln.tax_rate is not None else default_rate,
            ln.tax_inclusive,
            ln.discount_percent,
            ln.service_code,
        )
        for ln in inputs
    ]


# -- customers -----------------------------------------------------------------


def register_customer(uow: UnitOfWork, c: m.RegisterCustomer) -> CommandResult:
    uow.ensure_new(c.customer_id, "customer")
    currency = c.currency or functional_currency(uow)
    customer = Customer.register(c.customer_id, c.name, c.payment_terms_days, currency, c.on or uow.today(), c.meta)
    return uow.commit(customer)


def rename_customer(uow: UnitOfWork, c: m.RenameCustomer) -> CommandResult:
    customer = uow.load(Customer, c.customer_id, c.expected_version)
    customer.rename(c.name, c.on or uow.today(), c.meta)
    return uow.commit(customer)


def set_billing_email(uow: UnitOfWork, c: m.SetBillingEmail) -> CommandResult:
    customer = uow.load(Customer, c.customer_id, c.expected_version)
    customer.set_billing_email(c.email, c.on or uow.today(), c.meta)
    return uow.commit(customer)


def change_payment_terms(uow: UnitOfWork, c: m.ChangePaymentTerms) -> CommandResult:
    customer = uow.load(Customer, c.customer_id, c.expected_version)
    customer.change_payment_terms(c.payment_terms_days, c.on or uow.today(), c.meta)
    return uow.commit(customer)


def expect_payment_delay(uow: UnitOfWork, c: m.ExpectPaymentDelay) -> CommandResult:
    """Finance's expected delay for a customer from ``on``; a merged duplicate's may only be cleared
    (its open items keep its own until then)."""
    customer = uow.load(Customer, c.customer_id)
    on = c.on or uow.today()
    if c.days is not None:
        customer.check_active()
    if on < customer.registered_on:
        raise InvalidValue(f"on: {on} is before customer {customer.name} was registered ({customer.registered_on})")
    try:
        expectation = uow.load(PaymentExpectation, payment_expectation_id(c.customer_id), c.expected_version)
    except NotFound:
        expectation = PaymentExpectation.open(c.customer_id, on, c.meta)
    expectation.expect(c.days, c.reason, on, c.meta)
    return uow.commit(expectation)


def set_billing_details(uow: UnitOfWork, c: m.SetBillingDetails) -> CommandResult:
    customer = uow.load(Customer, c.customer_id, c.expected_version)
    address = Address(c.street, c.city, c.postal_code, c.country)
    customer.set_billing_details(address, c.vat_id, c.email, c.on or uow.today(), c.meta)
    return uow.commit(customer)


def seal_document(uow: UnitOfWork, c: m.SealDocument) -> CommandResult:
    uow.ensure_new(seal_id(c.document_id), "sealed document")
    on = c.on or uow.today()
    sealed = SealedDocument.seal(c.document_id, c.kind, c.number, c.pdf_sha256, c.ubl_sha256, c.renderer, on, c.meta)
    return uow.commit(sealed)


# -- invoices ------------------------------------------------------------------


def draft_invoice(uow: UnitOfWork, c: m.DraftInvoice) -> CommandResult:
    uow.ensure_new(c.invoice_id, "invoice")
    customer = uow.load(Customer, c.customer_id)
    customer.check_active()
    on = c.on or uow.today()
    customer.check_known_on(on, "an invoice")
    lines = _lines(c.lines, c.tax_percent)
    currency = c.currency or customer.currency
    invoice = Invoice.draft(c.invoice_id, customer.id, currency, lines, on, c.meta, series=c.series)
    return uow.commit(invoice)


def issue_invoice(uow: UnitOfWork, c: m.IssueInvoice) -> CommandResult:
    invoice = uow.load(Invoice, c.invoice_id, c.expected_version)
    customer = uow.load(Customer, invoice.customer_id)
    on = c.on or uow.today()
    books, new_books = open_books(uow, on, c.meta, "issuing this invoice")
    rate = rate_on(uow, invoice.currency, c.rate, books, on)
    number, sequence = _next_number(uow, invoice_series(on, invoice.series), invoice.id, on, c.meta, books)
    invoice.issue(number, on, customer.payment_terms_days, books.functional_currency, rate, c.meta, uow.chart().roles)
    return uow.commit(invoice, sequence, new_books)


def mark_sent(uow: UnitOfWork, c: m.MarkInvoiceSent) -> CommandResult:
    invoice = uow.load(Invoice, c.invoice_id, c.expected_version)
    invoice.mark_sent(c.to, c.on or uow.today(), c.meta)
    return uow.commit(invoice)


def void_invoice(uow: UnitOfWork, c: m.VoidInvoice) -> CommandResult:
    invoice = uow.load(Invoice, c.invoice_id, c.expected_version)
    on = c.on or uow.today()
    _, new_books = open_books(uow, on, c.meta, "voiding this invoice")
    invoice.void(c.reason, on, c.meta)
    return uow.commit(invoice, new_books)


def issue_credit_note(uow: UnitOfWork, c: m.IssueCreditNote) -> CommandResult:
    uow.ensure_new(c.credit_note_id, "credit note")
    invoice = uow.load(Invoice, c.invoice_id)
    customer = uow.load(Customer, invoice.customer_id)
    on = c.on or uow.today()
    books, new_books = open_books(uow, on, c.meta, "this credit note")
    if c.lines:
        lines = _lines(c.lines, "0")
    elif not invoice.credited.is_zero() or not invoice.written_off.is_zero():
        raise InvalidValue(f"invoice {invoice.label} was partly credited or written off; list the lines to credit")
    else:
        lines = list(invoice.lines)
    number, sequence = _next_number(uow, invoice_series(on, "CN"), c.credit_note_id, on, c.meta, books)
    fc = books.functional_currency
    roles = uow.chart().roles
    note = CreditNote.issue(c.credit_note_id, invoice, number, lines, c.reason, fc, on, c.meta, roles)
    excess = Money(note.pending_events[0].to_credit, invoice.currency)  # type: ignore[attr-defined]
    customer.add_credit(excess, invoice.value_of(excess, fc), note.id, on, c.meta)
    return uow.commit(note, invoice, sequence, customer, new_books)


def write_off(uow: UnitOfWork, c: m.WriteOffInvoice) -> CommandResult:
    invoice = uow.load(Invoice, c.invoice_id, c.expected_version)
    on = c.on or uow.today()
    books, new_books = open_books(uow, on, c.meta, "this write-off")
    invoice.write_off(c.reason, books.functional_currency, on, c.meta, uow.chart().roles)
    return uow.commit(invoice, new_books)


# -- payments ------------------------------------------------------------------


def record_payment(uow: UnitOfWork, c: m.RecordPayment) -> CommandResult:
    receipt = receive_payment(
        uow,
        payment_id=c.payment_id,
        customer_id=c.customer_id,
        amount=c.amount,
        allocations=[(a.invoice_id, a.amount) for a in c.allocations],
        reference=c.reference,
        on=c.on or uow.today(),
        meta=c.meta,
        currency=c.currency,
        rate=c.rate,
        bank_fee=c.bank_fee,
        bank_account=c.bank_account,
    )
    return uow.commit(receipt.payment, *receipt.aggregates()[1:])


def unallocate(uow: UnitOfWork, c: m.UnallocatePayment) -> CommandResult:
    payment = uow.load(Payment, c.payment_id)
    invoice = uow.load(Invoice, c.invoice_id)
    customer = uow.load(Customer, payment.customer_id)
    on = c.on or uow.today()
    books, new_books = open_books(uow, on, c.meta, "this un-allocation")
    fc = books.functional_currency
    amount = Money(to_decimal(c.amount), payment.amount.currency)
    invoice.unapply_payment(payment.id, amount, on, c.meta)
    payment.unallocate(invoice, amount, fc, on, c.meta, uow.chart().roles)
    customer.add_credit(amount, payment.credit_value_of(amount, fc), payment.id, on, c.meta)
    return uow.commit(payment, invoice, customer, new_books)


def apply_credit(uow: UnitOfWork, c: m.ApplyCustomerCredit) -> CommandResult:
    customer = uow.load(Customer, c.customer_id)
    invoice = uow.load(Invoice, c.invoice_id)
    if invoice.customer_id != customer.id:
        raise InvalidValue(f"invoice {invoice.label} belongs to another customer")
    on = c.on or uow.today()
    books, new_books = open_books(uow, on, c.meta, "applying credit")
    fc = books.functional_currency
    amount = Money(to_decimal(c.amount), invoice.currency)
    invoice.check_settlement(amount, on, "applying credit")
    value = customer.use_credit(amount, fc, invoice.id, on, c.meta)
    invoice.apply_customer_credit(amount, value, fc, on, c.meta, uow.chart().roles)
    return uow.commit(invoice, customer, new_books)


def refund_credit(uow: UnitOfWork, c: m.RefundCustomerCredit) -> CommandResult:
    customer = uow.load(Customer, c.customer_id)
    on = c.on or uow.today()
    books, new_books = open_books(uow, on, c.meta, "this refund")
    currency = c.currency or customer.currency
    rate = rate_on(uow, currency, c.rate, books, on)
    amount = Money(to_decimal(c.amount), currency)
    chart = uow.chart()
    bank = chart.bank_account(c.bank_account)
    customer.refund_credit(amount, books.functional_currency, rate, c.reference, on, c.meta, chart.roles, bank)
    return uow.commit(customer, new_books)


HANDLERS: Handlers = {
    m.RegisterCustomer: register_customer,
    m.RenameCustomer: rename_customer,
    m.SetBillingEmail: set_billing_email,
    m.ChangePaymentTerms: change_payment_terms,
    m.ExpectPaymentDelay: expect_payment_delay,
    m.SetBillingDetails: set_billing_details,
    m.SealDocument: seal_document,
    m.DraftInvoice: draft_invoice,
    m.IssueInvoice: issue_invoice,
    m.MarkInvoiceSent: mark_sent,
    m.VoidInvoice: void_invoice,
    m.IssueCreditNote: issue_credit_note,
    m.WriteOffInvoice: write_off,
    m.RecordPayment: record_payment,
    m.UnallocatePayment: unallocate,
    m.ApplyCustomerCredit: apply_credit,
    m.RefundCustomerCredit: refund_credit,
}

"""Payables: suppliers, their bills, and what is paid to them."""

from __future__ import annotations

from commands.finance import messages as m
from commands.posting import open_books, rate_on
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.errors import InvalidValue
from ledger.money import Money, to_decimal
from ledger.payables import Bill, Supplier, SupplierPayment, make_bill_line


def register_supplier(uow: UnitOfWork, c: m.RegisterSupplier) -> CommandResult:
    uow.ensure_new(c.supplier_id, "supplier")
    currency = c.currency or uow.default_functional_currency
    supplier = Supplier.register(c.supplier_id, c.name, c.payment_terms_days, currency, c.on or uow.today(), c.meta)
    return uow.commit(supplier)


def record_bill(uow: UnitOfWork, c: m.RecordBill) -> CommandResult:
    uow.ensure_new(c.bill_id, "bill")
    supplier = uow.load(Supplier, c.supplier_id)
    on = c.on or uow.today()
    books, new_books = open_books(uow, on, c.meta, "this bill")
    currency = c.currency or supplier.currency
    rate = rate_on(uow, currency, c.rate, books, on)
    chart = uow.chart()
    lines = [
        make_bill_line(
            ln.description, ln.account, ln.amount, ln.tax_rate, ln.tax_inclusive, ln.cost_center, chart=chart.accounts
        )
        for ln in c.lines
    ]
    bill = Bill.record(
        c.bill_id,
        supplier,
        c.supplier_reference,
        currency,
        rate,
        lines,
        c.due_date,
        books.functional_currency,
        on,
        c.meta,
        chart.roles,
    )
    return uow.commit(bill, new_books)


def void_bill(uow: UnitOfWork, c: m.VoidBill) -> CommandResult:
    bill = uow.load(Bill, c.bill_id)
    on = c.on or uow.today()
    _, new_books = open_books(uow, on, c.meta, "voiding this bill")
    bill.void(c.reason, on, c.meta)
    return uow.commit(bill, new_books)


def pay_supplier(uow: UnitOfWork, c: m.PaySupplier) -> CommandResult:
    uow.ensure_new(c.payment_id, "supplier payment")
    supplier = uow.load(Supplier, c.supplier_id)
    on = c.on or uow.today()
    books, new_books = open_books(uow, on, c.meta, "this supplier payment")
    bills: list[tuple[Bill, Money]] = []
    for a in c.allocations:
        bill = uow.load(Bill, a.bill_id)
        part = Money(to_decimal(a.amount), bill.currency)
        bill.apply_payment(c.payment_id, part, on, c.meta)
        bills.append((bill, part))
    currency = bills[0][0].currency if bills else supplier.currency
    if any(b.currency != currency for b, _ in bills):
        raise InvalidValue("one supplier payment settles bills of one currency")
    rate = rate_on(uow, currency, c.rate, books, on)
    chart = uow.chart()
    bank = chart.bank_account(c.bank_account)
    fc = books.functional_currency
    payment = SupplierPayment.make(c.payment_id, supplier, rate, bills, c.reference, fc, on, c.meta, chart.roles, bank)
    return uow.commit(payment, *(b for b, _ in bills), new_books)


HANDLERS: Handlers = {
    m.RegisterSupplier: register_supplier,
    m.RecordBill: record_bill,
    m.VoidBill: void_bill,
    m.PaySupplier: pay_supplier,
}

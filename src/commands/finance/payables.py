"""Payables: suppliers, their bills, and what is paid to them."""

from __future__ import annotations

from commands.finance import messages as m
from commands.posting import open_books, rate_on
from commands.settlement import pay_bills
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.payables import Bill, Supplier, make_bill_line


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
    payout = pay_bills(
        uow,
        payment_id=c.payment_id,
        supplier_id=c.supplier_id,
        allocations=[(a.bill_id, a.amount) for a in c.allocations],
        reference=c.reference,
        on=c.on or uow.today(),
        meta=c.meta,
        rate=c.rate,
        bank_account=c.bank_account,
    )
    return uow.commit(payout.payment, *payout.bills, payout.books)


HANDLERS: Handlers = {
    m.RegisterSupplier: register_supplier,
    m.RecordBill: record_bill,
    m.VoidBill: void_bill,
    m.PaySupplier: pay_supplier,
}

"""Supplier credit notes: received against a bill, their credit used on later bills or refunded."""

from __future__ import annotations

from commands.finance import messages as m
from commands.posting import open_books, rate_on
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.errors import InvalidValue
from ledger.money import Money, to_decimal
from ledger.payables import Bill, Supplier, make_bill_line
from ledger.supplier_credit import SupplierCreditNote, supplier_credit_note_id


def receive_credit_note(uow: UnitOfWork, c: m.ReceiveSupplierCreditNote) -> CommandResult:
    bill = uow.load(Bill, c.bill_id)
    reference = c.supplier_reference.strip()
    if not reference:
        raise InvalidValue("reference: a supplier credit note needs the supplier's own reference")
    note_id = supplier_credit_note_id(bill.supplier_id, reference)
    uow.ensure_new(note_id, f"supplier credit note {reference[:40]!r} of this supplier")
    supplier = uow.load(Supplier, bill.supplier_id)
    on = c.on or uow.today()
    books, new_books = open_books(uow, on, c.meta, "this supplier credit note")
    chart = uow.chart()
    if c.lines:
        lines = [
            make_bill_line(
                ln.description,
                ln.account,
                ln.amount,
                ln.tax_rate,
                ln.tax_inclusive,
                ln.cost_center,
                chart=chart.accounts,
            )
            for ln in c.lines
        ]
    elif not bill.credited.is_zero():
        raise InvalidValue(f"lines: bill {bill.supplier_reference} was partly credited; list the lines to credit")
    else:
        lines = list(bill.lines)
    fc = books.functional_currency
    note = SupplierCreditNote.receive(reference, bill, supplier.name, lines, c.reason, fc, on, c.meta, chart.roles)
    return uow.commit(note, bill, new_books)


def apply_supplier_credit(uow: UnitOfWork, c: m.ApplySupplierCredit) -> CommandResult:
    note = uow.load(SupplierCreditNote, c.credit_note_id, label="supplier credit note")
    bill = uow.load(Bill, c.bill_id)
    on = c.on or uow.today()
    books, new_books = open_books(uow, on, c.meta, "applying supplier credit")
    amount = Money(to_decimal(c.amount), note.currency)
    note.apply_to(bill, amount, books.functional_currency, on, c.meta, uow.chart().roles)
    return uow.commit(note, bill, new_books)


def refund_supplier_credit(uow: UnitOfWork, c: m.RefundSupplierCredit) -> CommandResult:
    note = uow.load(SupplierCreditNote, c.credit_note_id, label="supplier credit note")
    on = c.on or uow.today()
    books, new_books = open_books(uow, on, c.meta, "this refund")
    rate = rate_on(uow, note.currency, c.rate, books, on)
    amount = Money(to_decimal(c.amount), note.currency)
    chart = uow.chart()
    bank = chart.bank_account(c.bank_account)
    fc = books.functional_currency
    note.refund(amount, rate, c.reference, fc, on, c.meta, chart.roles, bank)
    return uow.commit(note, new_books)


HANDLERS: Handlers = {
    m.ReceiveSupplierCreditNote: receive_credit_note,
    m.ApplySupplierCredit: apply_supplier_credit,
    m.RefundSupplierCredit: refund_supplier_credit,
}

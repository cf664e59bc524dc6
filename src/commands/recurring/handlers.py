"""The recurring-invoice handlers. A period's invoice is drafted (and issued, when the subscription
issues automatically) in one transaction, dated the period's first day: billed in advance. Its id
derives from the subscription and the period, so the same period is refused a second time
(``AlreadyExists``) on every worker, rerun and rebuild."""

from __future__ import annotations

from commands.posting import open_books, rate_on
from commands.recurring import messages as m
from commands.sales.handlers import _lines, _next_number
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.customer import Customer
from ledger.errors import InvalidValue
from ledger.recurring import RecurringInvoice, invoice_id_for_period
from ledger.sequence import invoice_series


def set_up(uow: UnitOfWork, c: m.SetUpRecurringInvoice) -> CommandResult:
    uow.ensure_new(c.recurring_id, "recurring invoice")
    customer = uow.load(Customer, c.customer_id)
    customer.check_active()
    on = c.on or uow.today()
    sub = RecurringInvoice.set_up(
        c.recurring_id,
        customer.id,
        c.name,
        c.currency or customer.currency,
        c.frequency,
        c.start,
        c.anchor,
        c.end,
        c.auto_issue,
        _lines(c.lines, c.tax_percent),
        on,
        c.meta,
        c.payment_terms_days,
    )
    return uow.commit(sub)


def change_lines(uow: UnitOfWork, c: m.ChangeRecurringLines) -> CommandResult:
    sub = uow.load(RecurringInvoice, c.recurring_id)
    sub.change_lines(c.effective_from, _lines(c.lines, c.tax_percent), c.on or uow.today(), c.meta)
    return uow.commit(sub)


def pause(uow: UnitOfWork, c: m.PauseRecurringInvoice) -> CommandResult:
    sub = uow.load(RecurringInvoice, c.recurring_id)
    sub.pause(c.paused_from, c.on or uow.today(), c.meta)
    return uow.commit(sub)


def resume(uow: UnitOfWork, c: m.ResumeRecurringInvoice) -> CommandResult:
    sub = uow.load(RecurringInvoice, c.recurring_id)
    sub.resume(c.resumed_from, c.on or uow.today(), c.meta)
    return uow.commit(sub)


def end(uow: UnitOfWork, c: m.EndRecurringInvoice) -> CommandResult:
    sub = uow.load(RecurringInvoice, c.recurring_id)
    sub.end_on(c.end, c.on or uow.today(), c.meta)
    return uow.commit(sub)


def bill_period(uow: UnitOfWork, c: m.BillRecurringPeriod) -> CommandResult:
    uow.ensure_new(invoice_id_for_period(c.recurring_id, c.period_start), "invoice for this period")
    sub = uow.load(RecurringInvoice, c.recurring_id)
    period = next((p for p in sub.owed(c.period_start) if p.start == c.period_start), None)
    if period is None:
        raise InvalidValue(f"period_start: {c.period_start} begins no period of {sub.name} to bill")
    on = period.start
    invoice = sub.bill(period, on, c.meta)
    if not sub.auto_issue:
        return uow.commit(sub, invoice)
    customer = uow.load(Customer, sub.customer_id)
    books, new_books = open_books(uow, on, c.meta, "issuing this recurring invoice")
    rate = rate_on(uow, invoice.currency, None, books, on)
    number, sequence = _next_number(uow, invoice_series(on, invoice.series), invoice.id, on, c.meta, books)
    terms = customer.payment_terms_days if sub.payment_terms_days is None else sub.payment_terms_days
    invoice.issue(number, on, terms, books.functional_currency, rate, c.meta, uow.chart().roles)
    return uow.commit(sub, invoice, sequence, new_books)


HANDLERS: Handlers = {
    m.SetUpRecurringInvoice: set_up,
    m.ChangeRecurringLines: change_lines,
    m.PauseRecurringInvoice: pause,
    m.ResumeRecurringInvoice: resume,
    m.EndRecurringInvoice: end,
    m.BillRecurringPeriod: bill_period,
}

"""Schedules and the outbox: intents keyed by their cause, outcomes per attempt."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from commands.automation import messages as m
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.customer import Customer
from ledger.errors import InvalidTransition, InvalidValue, NotFound
from ledger.invoice import ISSUED, Invoice
from ledger.outbox import Message, cause_id
from ledger.schedules import Schedule, schedule_id

INVOICE_MAIL = "invoice-mail"


def check_cron(cron: str, timezone: str) -> None:
    """A five-field cron expression and an IANA time zone, else InvalidValue naming the field."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(f"timezone: unknown time zone {timezone[:60]!r}") from None
    if len(cron) > 100 or len(cron.split()) != 5:
        raise InvalidValue(f"cron: five fields (minute hour day month weekday) expected, got {cron[:100]!r}")
    try:
        CronSim(cron, datetime(2026, 1, 1, tzinfo=zone))
    except CronSimError as exc:
        raise InvalidValue(f"cron: {str(exc).lower()} in {cron!r}") from None


def set_schedule(uow: UnitOfWork, c: m.SetSchedule) -> CommandResult:
    check_cron(c.cron, c.timezone)
    on = c.on or uow.today()
    sid = schedule_id(c.kind)
    if uow.exists(sid):
        schedule = uow.load(Schedule, sid)
        schedule.change(c.cron, c.timezone, c.enabled, on, c.meta)
    else:
        schedule = Schedule.set_up(c.kind, c.cron, c.timezone, c.enabled, on, c.meta)
    return uow.commit(schedule)


def queue_message(uow: UnitOfWork, c: m.QueueMessage) -> CommandResult:
    uow.ensure_new(cause_id(c.kind, c.cause), f"{c.kind} message for {c.cause}")
    message = Message.queue(c.kind, c.cause, c.to, c.subject, c.body, c.reference, c.at, c.meta)
    return uow.commit(message)


def queue_invoice_mail(uow: UnitOfWork, c: m.QueueInvoiceMail) -> CommandResult:
    cause = str(c.invoice_id)
    uow.ensure_new(cause_id(INVOICE_MAIL, cause), f"{INVOICE_MAIL} message for {cause}")
    invoice = uow.load(Invoice, c.invoice_id)
    if invoice.status != ISSUED or invoice.number is None:
        raise InvalidTransition(f"only an issued invoice is e-mailed; {invoice.label} is {invoice.status}")
    customer = uow.load(Customer, invoice.customer_id)
    if not customer.billing_email:
        raise NotFound(f"{customer.name} has no billing e-mail address")
    total = invoice.total
    body = (
        f"Dear {customer.name},\n\nplease find attached invoice {invoice.number} of {invoice.issue_date}"
        f" for {total.amount} {total.currency}, due on {invoice.due_date}.\n"
        f"Please quote {invoice.number} with your payment.\n"
    )
    message = Message.queue(
        INVOICE_MAIL, cause, customer.billing_email, f"Invoice {invoice.number}", body, cause, c.at, c.meta
    )
    return uow.commit(message)


def record_delivery(uow: UnitOfWork, c: m.RecordDelivery) -> CommandResult:
    message = uow.load(Message, c.message_id)
    message.delivered(c.attempt, c.at.astimezone(UTC), c.meta)
    invoice = None
    if message.kind == INVOICE_MAIL and message.reference:
        # The invoice says it was sent, in the same transaction: its list shows the day.
        try:
            invoice = uow.load(Invoice, _record_id(message.reference))
            if invoice.sent_on is None:
                invoice.mark_sent(message.to, max(c.at.date(), invoice.issue_date or c.at.date()), c.meta)
            else:
                invoice = None
        except (NotFound, InvalidTransition, InvalidValue):
            invoice = None  # voided or gone meanwhile: the e-mail went anyway
    return uow.commit(message, invoice)


def _record_id(reference: str) -> UUID:
    try:
        return UUID(reference)
    except ValueError:
        raise NotFound(f"no record {reference[:40]!r}") from None


def record_delivery_failure(uow: UnitOfWork, c: m.RecordDeliveryFailure) -> CommandResult:
    message = uow.load(Message, c.message_id)
    message.failed(c.attempt, c.error, c.at.astimezone(UTC), c.meta)
    return uow.commit(message)


HANDLERS: Handlers = {
    m.SetSchedule: set_schedule,
    m.QueueMessage: queue_message,
    m.QueueInvoiceMail: queue_invoice_mail,
    m.RecordDelivery: record_delivery,
    m.RecordDeliveryFailure: record_delivery_failure,
}

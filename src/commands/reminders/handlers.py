"""Reminders: the dunning policy, staff addresses, and one reminder per cause with its e-mail.

Each ``Remind*`` command records the reminder and queues its message in one transaction, both with
ids derived from the cause, so a cause is reminded once however often the worker sees it. What the
worker read from the read models is checked again here against the log (an invoice paid, a customer
opted out, a follow-up done meanwhile is not reminded).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from commands.posting import functional_currency
from commands.reminders import messages as m
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.activities import FollowUp
from ledger.customer import Customer
from ledger.dunning import TEMPLATES, DunningLevel, DunningPolicy, policy_id
from ledger.errors import InvalidTransition, InvalidValue, NotFound
from ledger.expenses import SUBMITTED, ExpenseClaim
from ledger.invoice import ISSUED, Invoice
from ledger.invoice_lines import InvoiceLine
from ledger.money import Money, to_decimal
from ledger.outbox import Message, cause_id
from ledger.reminders import (
    APPROVAL,
    DEFAULT_APPROVAL_DAYS,
    DUNNING,
    FOLLOW_UP,
    Reminder,
    ReminderSettings,
    reminder_id,
    settings_id,
)

# The outbox's message kinds (api.worker.mail renders the dunning one's attachment: the invoice PDF).
DUNNING_MAIL, FOLLOW_UP_MAIL, APPROVAL_MAIL = "dunning-mail", "follow-up-mail", "approval-mail"


class NotDueYet(InvalidTransition):
    """Not owed on this day, but may be later: the worker leaves the cause for a later run."""


def dunning_cause(invoice_id: UUID, level: int) -> str:
    return f"{invoice_id}#{level}"


def fee_invoice_id(invoice_id: UUID, level: int) -> UUID:
    return cause_id("dunning-fee", dunning_cause(invoice_id, level))


# -- the policy --------------------------------------------------------------------------------


def _policy(uow: UnitOfWork, c: Any) -> DunningPolicy:
    if uow.exists(policy_id()):
        return uow.load(DunningPolicy, policy_id())
    return DunningPolicy.start(c.on or uow.today(), c.meta)


def set_dunning_levels(uow: UnitOfWork, c: m.SetDunningLevels) -> CommandResult:
    currency = functional_currency(uow)
    levels = []
    for i, level in enumerate(c.levels):
        fee = _amount(level.fee, f"levels[{i}].fee") if level.fee is not None else None
        levels.append(
            DunningLevel(level.number, level.name.strip(), level.days_after_due, level.template, fee or None, currency)
        )
    policy = _policy(uow, c)
    # Levels alone leave the minimum and the grace as they were: setting one never resets the other.
    minimum = policy.minimum_open if c.minimum_open is None else _amount(c.minimum_open, "minimum_open")
    try:  # an amount of the functional currency, storable in its minor units
        Money(minimum, currency).to_minor()
    except InvalidValue as exc:
        raise InvalidValue(f"minimum_open: {exc}") from None
    if not Money(minimum, currency).is_rounded():
        raise InvalidValue(f"minimum_open: more decimals than {currency} has")
    grace = policy.grace_days if c.grace_days is None else c.grace_days
    policy.set_levels(levels, minimum, grace, c.on or uow.today(), c.meta)
    return uow.commit(policy)


def _amount(text: str, field: str) -> Decimal:
    try:
        return to_decimal(text)
    except InvalidValue as exc:
        raise InvalidValue(f"{field}: {exc}") from None


def set_customer_dunning(uow: UnitOfWork, c: m.SetCustomerDunning) -> CommandResult:
    uow.load(Customer, c.customer_id)  # an unknown customer is a 404
    policy = _policy(uow, c)
    policy.opt(c.customer_id, c.reminded, c.on or uow.today(), c.meta)
    return uow.commit(policy)


def _settings(uow: UnitOfWork, c: Any) -> ReminderSettings:
    if uow.exists(settings_id()):
        return uow.load(ReminderSettings, settings_id())
    return ReminderSettings.start(c.on or uow.today(), c.meta)


def set_staff_address(uow: UnitOfWork, c: m.SetStaffAddress) -> CommandResult:
    settings = _settings(uow, c)
    settings.set_address(c.person, c.email, c.on or uow.today(), c.meta)
    return uow.commit(settings)


def set_approval_wait(uow: UnitOfWork, c: m.SetApprovalWait) -> CommandResult:
    settings = _settings(uow, c)
    settings.set_approval_days(c.days, c.on or uow.today(), c.meta)
    return uow.commit(settings)


# -- dunning -----------------------------------------------------------------------------------


def remind_dunning(uow: UnitOfWork, c: m.RemindDunning) -> CommandResult:
    cause = dunning_cause(c.invoice_id, c.level)
    uow.ensure_new(reminder_id(DUNNING, cause), f"dunning reminder {cause}")
    if not uow.exists(policy_id()):
        raise InvalidTransition("no dunning levels are set")
    policy = uow.load(DunningPolicy, policy_id())
    level = policy.level(c.level)
    invoice = uow.load(Invoice, c.invoice_id)
    if invoice.status != ISSUED or invoice.due_date is None or invoice.number is None:
        raise InvalidTransition(f"only an issued invoice is reminded of; {invoice.label} is {invoice.status}")
    open_amount = invoice.outstanding
    if open_amount.amount <= 0:
        raise InvalidTransition(f"{invoice.label} is settled")
    if invoice.customer_id in policy.opted_out:
        raise InvalidTransition("the customer asked not to be reminded")
    later = [n.number for n in policy.levels if n.number > c.level]
    if any(uow.exists(reminder_id(DUNNING, dunning_cause(c.invoice_id, n))) for n in later):
        raise InvalidTransition(f"{invoice.label} was reminded at a higher level already")
    days = (c.as_of - invoice.due_date).days
    if days < level.days_after_due or days <= 0:
        raise NotDueYet(
            f"{invoice.label} is {days} days past due; level {level.number} comes at {level.days_after_due}"
        )
    customer = uow.load(Customer, invoice.customer_id)
    if not customer.billing_email:
        raise NotDueYet(f"{customer.name} has no billing e-mail address yet")
    fee = level.fee_money
    fee_invoice = None
    if fee is not None:
        line = InvoiceLine(f"Reminder fee: {level.name}, invoice {invoice.number}", Decimal(1), fee.amount)
        fee_invoice = Invoice.draft(
            fee_invoice_id(c.invoice_id, c.level), invoice.customer_id, fee.currency, [line], c.as_of, c.meta
        )
    body = _dunning_body(level, customer.name, invoice, open_amount, days, fee)
    subject = f"{level.name}: invoice {invoice.number}"
    message = Message.queue(DUNNING_MAIL, cause, customer.billing_email, subject, body, str(invoice.id), c.at, c.meta)
    reminder = Reminder.record(
        DUNNING,
        cause,
        subject_id=str(invoice.id),
        subject=invoice.number,
        party=str(invoice.customer_id),
        recipient=message.to,
        message_id=message.id,
        on=c.as_of,
        meta=c.meta,
        level=level.number,
        level_name=level.name,
        open_amount=open_amount.amount,
        currency=open_amount.currency,
        fee=fee.amount if fee else None,
        fee_invoice_id=fee_invoice.id if fee_invoice else None,
    )
    return uow.commit(reminder, message, fee_invoice)


def _dunning_body(
    level: DunningLevel, customer: str, invoice: Invoice, open_amount: Money, days: int, fee: Money | None
) -> str:
    total = invoice.total
    charged = f"\nA reminder fee of {fee.amount} {fee.currency} is invoiced separately." if fee else ""
    text = TEMPLATES[level.template].format(
        customer=customer,
        number=invoice.number,
        issue_date=invoice.issue_date,
        total=f"{total.amount} {total.currency}",
        due_date=invoice.due_date,
        open=f"{open_amount.amount} {open_amount.currency}",
        days=days,
        fee=charged,
    )
    return text + f"\nPlease quote {invoice.number} with your payment. The invoice is attached.\n"


# -- staff reminders ---------------------------------------------------------------------------


def _address(uow: UnitOfWork, person: str) -> str:
    # No address yet is "not yet": once one is set, the next run sends what is still owed.
    if not uow.exists(settings_id()):
        raise NotDueYet(f"no e-mail address is set for {person}")
    address = uow.load(ReminderSettings, settings_id()).address_of(person)
    if not address:
        raise NotDueYet(f"no e-mail address is set for {person}")
    return address


def remind_follow_up(uow: UnitOfWork, c: m.RemindFollowUp) -> CommandResult:
    # A follow-up keeps only its status: its owner, due date and note are read from its events.
    state: dict[str, Any] = {}
    for event in uow.events_of(c.followup_id):
        state |= {k: getattr(event, k) for k in ("owner", "due", "note") if hasattr(event, k)}
    if not state:
        raise NotFound(f"no follow-up {c.followup_id}")
    followup = uow.load(FollowUp, c.followup_id)
    if followup.status != "open":
        raise InvalidTransition(f"this follow-up is {followup.status}")
    due, owner, note = state["due"], str(state["owner"]), str(state.get("note", ""))
    if due > c.as_of:
        raise NotDueYet(f"the follow-up is due on {due}")
    cause = f"{c.followup_id}@{due}"
    uow.ensure_new(reminder_id(FOLLOW_UP, cause), f"follow-up reminder {cause}")
    to = _address(uow, owner)
    headline = " ".join(note.split())[:120]  # a note spans lines and may hold tabs; a subject is one line
    subject = f"Follow-up due {due}: {headline or 'no note'}"
    body = f"Hello {owner},\n\na follow-up of yours is due on {due}:\n\n{note[:2000]}\n\n(follow-up {c.followup_id})\n"
    message = Message.queue(FOLLOW_UP_MAIL, cause, to, subject, body, "", c.at, c.meta)
    reminder = Reminder.record(
        FOLLOW_UP,
        cause,
        subject_id=str(c.followup_id),
        subject=headline,
        party=owner,
        recipient=to,
        message_id=message.id,
        on=c.as_of,
        meta=c.meta,
    )
    return uow.commit(reminder, message)


def remind_approval(uow: UnitOfWork, c: m.RemindApproval) -> CommandResult:
    claim = uow.load(ExpenseClaim, c.claim_id)
    approver = claim.next_approver
    if claim.status != SUBMITTED or approver is None:
        raise InvalidTransition(f"the claim is {claim.status}, not waiting for approval")
    cause = f"{c.claim_id}@{approver}"
    uow.ensure_new(reminder_id(APPROVAL, cause), f"approval reminder {cause}")
    # Waiting since it was submitted, or since its last approval step.
    waiting_since: date = max(getattr(e, "effective_date", date.min) for e in uow.events_of(c.claim_id))
    days = (
        uow.load(ReminderSettings, settings_id()).approval_days if uow.exists(settings_id()) else DEFAULT_APPROVAL_DAYS
    )
    waited = (c.as_of - waiting_since).days
    if waited < days:
        raise NotDueYet(f"the claim has waited {waited} days; approvers are reminded after {days}")
    to = _address(uow, approver)
    details = claim.details
    what = f"{details.description} ({details.amount} {claim.currency}) by {claim.employee}"
    body = (
        f"Hello {approver},\n\nan expense claim has waited {waited} days for your approval:\n\n{what}\n\n"
        f"keel expenses approve {str(c.claim_id)[:8]}\n"
    )
    message = Message.queue(
        APPROVAL_MAIL, cause, to, f"Expense claim waiting for approval: {what}"[:200], body, "", c.at, c.meta
    )
    reminder = Reminder.record(
        APPROVAL,
        cause,
        subject_id=str(c.claim_id),
        subject=what,
        party=approver,
        recipient=to,
        message_id=message.id,
        on=c.as_of,
        meta=c.meta,
    )
    return uow.commit(reminder, message)


HANDLERS: Handlers = {
    m.SetDunningLevels: set_dunning_levels,
    m.SetCustomerDunning: set_customer_dunning,
    m.SetStaffAddress: set_staff_address,
    m.SetApprovalWait: set_approval_wait,
    m.RemindDunning: remind_dunning,
    m.RemindFollowUp: remind_follow_up,
    m.RemindApproval: remind_approval,
}

"""The job kinds Keel runs: billing triggers, invoice e-mails, the outbox. Each cause's effect is an
event keyed by the cause, so each is done once (see ``jobs.py`` for adding a kind)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

from api.worker.jobs import Context, JobKind, Outcome, registry
from api.worker.mail import build
from api.worker.recurring import RECURRING
from api.worker.reminders import REMINDER_KINDS
from api.worker.sales_rules import SALES_RULES
from api.worker.sequences import SEQUENCE_KINDS
from api.worker.webhooks import WEBHOOKS
from commands.automation.handlers import INVOICE_MAIL
from commands.messages import QueueInvoiceMail, RecordDelivery, RecordDeliveryFailure, RunBilling, VetSequenceStep
from ledger.enrollments import KIND as SEQUENCE
from ledger.errors import AlreadyExists, DomainError, NotFound
from ledger.outbox import QUEUED, Message, cause_id
from projections.automation.outbox import active_projects, due_messages, issued_invoices

PAGE = 500
MAIL_WINDOW_DAYS = 30  # invoices issued this long before the run are e-mailed; older ones never


# -- billing triggers: retainers begun, approved time, by project -----------------------------


def billing_due(ctx: Context) -> Iterator[str]:
    for project_id, _, start in active_projects(ctx.keel.views):
        if start is None or start <= ctx.as_of:
            yield f"{project_id}@{ctx.as_of}"


def billing_run(ctx: Context, cause: str) -> Outcome:
    # The invoices' ids derive from the project and the month or period billed (ledger.projects),
    # so a second run for another day of the same month drafts nothing new.
    project, _, day = cause.partition("@")
    meta = ctx.meta("billing", cause)
    try:
        result = ctx.keel.app.handle(RunBilling(meta=meta, project_id=UUID(project), as_of=ctx.as_of))
    except DomainError as exc:
        return Outcome("skipped", str(exc))
    if not result.position:
        return Outcome("skipped", "nothing owed")
    return Outcome("done", f"invoices drafted for project {project} as of {day} (position {result.position})")


# -- invoice e-mails: an issued invoice, to the customer's billing address ---------------------


def invoice_mail_due(ctx: Context) -> Iterator[str]:
    start, after = ctx.as_of - timedelta(days=MAIL_WINDOW_DAYS), ""
    while page := issued_invoices(ctx.keel.views, start, ctx.as_of, after, PAGE):
        yield from (str(i) for i in page)
        after = str(page[-1])


def invoice_mail_run(ctx: Context, cause: str) -> Outcome:
    command = QueueInvoiceMail(meta=ctx.meta(INVOICE_MAIL, cause), invoice_id=UUID(cause), at=ctx.now)
    try:
        result = ctx.keel.app.handle(command)
    except AlreadyExists:
        return Outcome("skipped", "queued before")
    except NotFound as exc:  # no billing address yet: asked again each run while the invoice is recent
        return Outcome("deferred", str(exc))
    except DomainError as exc:  # voided meanwhile: that does not change
        return Outcome("skipped", str(exc))
    return Outcome("done", f"queued message {result.id}")


# -- the outbox: queued messages whose next attempt has come -----------------------------------


def outbox_enabled(ctx: Context) -> str | None:
    return None if ctx.mailer is not None else "KEEL_SMTP_URL is not set: messages stay queued"


def outbox_due(ctx: Context) -> Iterator[str]:
    # The cause is one attempt at one message: each attempt is taken once, by one worker.
    after = ""
    while page := due_messages(ctx.keel.views, ctx.now, after, PAGE):
        yield from (f"{message_id}#{attempts + 1}" for message_id, attempts in page)
        after = str(page[-1][0])


def outbox_run(ctx: Context, cause: str) -> Outcome:
    ident, _, number = cause.partition("#")
    attempt = int(number)
    try:
        message = ctx.keel.app.get(Message, UUID(ident))
    except NotFound:
        return Outcome("skipped", "no such message")
    # The log, not the read model, decides: delivered or tried meanwhile by another worker → nothing.
    if message.attempts + 1 != attempt or not message.due(ctx.now):
        return Outcome("skipped", f"attempt {attempt} is not due (after {message.attempts}, {message.status})")
    assert ctx.mailer is not None
    if ctx.mailer.down:  # one failed connection per run is recorded; the rest wait for the next run
        return Outcome("deferred", f"SMTP unreachable: {ctx.mailer.down}")
    meta = ctx.meta("outbox", cause)
    if message.kind == SEQUENCE:  # a reply or an unsubscribe since it was queued withdraws it
        waits = _earlier_step_waiting(ctx, message)
        if waits:
            return Outcome("deferred", waits)
        vetted = ctx.keel.app.handle(VetSequenceStep(meta=meta, message_id=message.id, at=ctx.now))
        if vetted.position:
            return Outcome("skipped", "withdrawn: its sequence stopped before it was sent")
    try:
        ctx.mailer.send(build(ctx.keel, message, ctx.mailer.sender))
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        ctx.keel.app.handle(
            RecordDeliveryFailure(meta=meta, message_id=message.id, attempt=attempt, error=error, at=ctx.now)
        )
        return Outcome("failed", f"attempt {attempt} failed, queued for a retry: {error}")
    ctx.keel.app.handle(RecordDelivery(meta=meta, message_id=message.id, attempt=attempt, at=ctx.now))
    return Outcome("done", f"delivered to {message.to}")


def _earlier_step_waiting(ctx: Context, message: Message) -> str:
    """A sequence's step waits while the step before it is still queued (after an outage, steps go
    out in their turn, never the case study before the greeting)."""
    enrollment, _, number = message.cause.partition("#")
    if not number.isdigit() or int(number) == 0:
        return ""
    try:
        before = ctx.keel.app.get(Message, cause_id(SEQUENCE, f"{enrollment}#{int(number) - 1}"))
    except NotFound:
        return ""
    return f"step {int(number)} is still queued" if before.status == QUEUED else ""


BILLING = JobKind(
    "billing",
    "Draft what active projects owe: retainer months begun, approved time (keel billing run)",
    "0 6 * * *",
    billing_due,
    billing_run,
)
INVOICE_MAILS = JobKind(
    INVOICE_MAIL,
    f"Queue an e-mail for each invoice issued in the last {MAIL_WINDOW_DAYS} days to a customer with a billing address",
    "*/5 * * * *",
    invoice_mail_due,
    invoice_mail_run,
)
OUTBOX = JobKind(
    "outbox",
    "Send queued e-mails by SMTP; failed attempts are retried with back-off",
    "* * * * *",
    outbox_due,
    outbox_run,
    outbox_enabled,
)


def default_kinds() -> dict[str, JobKind]:
    """Every kind, in the order a pass runs them (billing drafts before invoices are mailed, rules
    before the sequences they start, replies read before the steps they stop, mail queued before
    the outbox sends)."""
    return registry(BILLING, RECURRING, INVOICE_MAILS, SALES_RULES, *SEQUENCE_KINDS, *REMINDER_KINDS, OUTBOX, WEBHOOKS)

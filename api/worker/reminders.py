"""The reminder job kinds: dunning (overdue invoices, by level, to the customer), follow-ups due (to
their owner) and expense claims waiting for approval (to the approver). Each cause's effect is a
``Reminder`` and its message, recorded together with ids derived from the cause (ADR 0043), so a
rerun, a second worker or a rebuild followed by a rerun records nothing new."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from uuid import UUID

from api.worker.jobs import Context, JobKind, Outcome
from commands.messages import CommandResult, RemindApproval, RemindDunning, RemindFollowUp
from commands.reminders.handlers import NotDueYet, dunning_cause
from ledger.dunning import DunningLevel, OpenInvoice, owed_level
from ledger.errors import AlreadyExists, DomainError
from ledger.money import to_minor
from ledger.reminders import DEFAULT_APPROVAL_DAYS, ReminderSettings, settings_id
from projections.reminders.due import claims_waiting, follow_ups_due, overdue_invoices
from projections.reminders.reminders import dunning_policy

PAGE = 500
DUNNING, FOLLOW_UPS, APPROVALS = "dunning", "follow-up-reminders", "approval-reminders"


def _record(handle: Callable[[], CommandResult]) -> Outcome:
    try:
        result = handle()
    except AlreadyExists:
        return Outcome("skipped", "reminded before")
    except NotDueYet as exc:  # may be owed on a later day: the cause stays open
        return Outcome("deferred", str(exc))
    except DomainError as exc:  # paid, opted out, no address: nothing to remind of
        return Outcome("skipped", str(exc))
    return Outcome("done", f"reminder {result.id}")


# -- dunning -----------------------------------------------------------------------------------


def dunning_due(ctx: Context) -> Iterator[str]:
    """(invoice, level) pairs owed on ``ctx.as_of``: the highest level each overdue invoice reached,
    unless that level or a higher one was sent, its customer opted out or a grace holds."""
    policy = dunning_policy(ctx.keel.views)
    if not policy.levels:
        return
    levels = [
        DunningLevel(x.number, x.name, x.days_after_due, x.template, x.fee, x.fee_currency) for x in policy.levels
    ]
    minimum = to_minor(policy.minimum_open, ctx.keel.functional_currency)
    after = ""
    while page := overdue_invoices(ctx.keel.views, ctx.as_of, after, PAGE):
        for item in page:
            state = OpenInvoice(item.due_date, item.open_minor, item.last_payment, item.opted_out, item.reminded_levels)
            level = owed_level(levels, state, ctx.as_of, minimum, policy.grace_days)
            if level is not None:
                yield dunning_cause(item.invoice_id, level.number)
        after = str(page[-1].invoice_id)


def dunning_run(ctx: Context, cause: str) -> Outcome:
    invoice, _, level = cause.partition("#")
    command = RemindDunning(
        meta=ctx.meta(DUNNING, cause), invoice_id=UUID(invoice), level=int(level), as_of=ctx.as_of, at=ctx.now
    )
    return _record(lambda: ctx.keel.app.handle(command))


# -- follow-ups due, to their owner ------------------------------------------------------------


def follow_ups_due_causes(ctx: Context) -> Iterator[str]:
    after = ""
    while page := follow_ups_due(ctx.keel.views, ctx.as_of, after, PAGE):
        yield from (f"{followup}@{due}" for followup, due in page)
        after = str(page[-1][0])


def follow_up_run(ctx: Context, cause: str) -> Outcome:
    followup, _, _ = cause.partition("@")
    command = RemindFollowUp(meta=ctx.meta(FOLLOW_UPS, cause), followup_id=UUID(followup), as_of=ctx.as_of, at=ctx.now)
    return _record(lambda: ctx.keel.app.handle(command))


# -- expense claims waiting for approval, to the approver --------------------------------------


def _approval_days(ctx: Context) -> int:
    if settings_id() in ctx.keel.app.repository:
        return ctx.keel.app.get(ReminderSettings, settings_id()).approval_days
    return DEFAULT_APPROVAL_DAYS


def approvals_due(ctx: Context) -> Iterator[str]:
    days, after = _approval_days(ctx), ""
    while page := claims_waiting(ctx.keel.views, ctx.as_of, days, after, PAGE):
        yield from (f"{claim}@{approver}" for claim, approver in page)
        after = str(page[-1][0])


def approval_run(ctx: Context, cause: str) -> Outcome:
    claim, _, _ = cause.partition("@")
    command = RemindApproval(meta=ctx.meta(APPROVALS, cause), claim_id=UUID(claim), as_of=ctx.as_of, at=ctx.now)
    return _record(lambda: ctx.keel.app.handle(command))


DUNNING_KIND = JobKind(
    DUNNING,
    "Remind customers of overdue invoices by dunning level, the invoice attached (keel dunning levels)",
    "0 8 * * *",
    dunning_due,
    dunning_run,
)
FOLLOW_UP_KIND = JobKind(
    FOLLOW_UPS, "Remind each owner of their follow-ups due", "0 7 * * *", follow_ups_due_causes, follow_up_run
)
APPROVAL_KIND = JobKind(
    APPROVALS,
    "Remind approvers of expense claims waiting longer than the set days",
    "0 7 * * *",
    approvals_due,
    approval_run,
)
REMINDER_KINDS = (DUNNING_KIND, FOLLOW_UP_KIND, APPROVAL_KIND)

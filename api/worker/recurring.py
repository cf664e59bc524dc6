"""The ``recurring`` job kind: each period of a recurring invoice that has begun by the run's date
is a cause (``<subscription>@<period start>``); its effect is the invoice whose id derives from both
(``ledger.recurring.invoice_id_for_period``), so a rerun, a second worker or a rebuild and a rerun
drafts nothing new, and a run after missed ones drafts one invoice per missed period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

from api.worker.jobs import Context, JobKind, Outcome
from commands.messages import BillRecurringPeriod
from ledger.errors import AlreadyExists, DomainError, NotFound
from ledger.recurring import RecurringInvoice
from projections.automation.recurring import open_subscriptions

PAGE = 500


def recurring_due(ctx: Context) -> Iterator[str]:
    after = ""
    while page := open_subscriptions(ctx.keel.views, after, PAGE):
        for ident in page:
            try:
                sub = ctx.keel.app.get(RecurringInvoice, ident)
            except NotFound:  # the read model is ahead of nothing: skip
                continue
            # Periods up to the last one billed are done; the ids refuse them anyway.
            for period in sub.owed(ctx.as_of):
                if sub.last_billed is None or period.start > sub.last_billed:
                    yield f"{ident}@{period.key}"
        after = str(page[-1])


def recurring_run(ctx: Context, cause: str) -> Outcome:
    ident, _, start = cause.partition("@")
    command = BillRecurringPeriod(
        meta=ctx.meta("recurring", cause), recurring_id=UUID(ident), period_start=date.fromisoformat(start)
    )
    try:
        result = ctx.keel.app.handle(command)
    except AlreadyExists:
        return Outcome("skipped", "invoiced before")
    except DomainError as exc:  # a closed period, a missing exchange rate: bill it by hand
        return Outcome("skipped", str(exc))
    return Outcome("done", f"invoice for the period from {start} (position {result.position})")


RECURRING = JobKind(
    "recurring",
    "Invoice each period of a recurring invoice once it has begun, once per period",
    "0 6 * * *",
    recurring_due,
    recurring_run,
)

"""The ``sales-rules`` job kind: each cause an active rule owes as of the run's date is one job
(``<rule id>/<cause>``); its effect is the rule's firing, whose id derives from both
(``ledger.sales_rules.firing_id``), so a rerun, a second worker or a rebuild and a rerun does
nothing twice (ADR 0067)."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from api.worker.jobs import Context, JobKind, Outcome
from commands.messages import FireSalesRule
from ledger.errors import AlreadyExists, DomainError, InvalidTransition, NotFound
from ledger.rule_firings import RuleFiring
from ledger.sales_rules import KIND
from projections.automation.sales_rule_queries import owed_causes


def sales_rules_due(ctx: Context) -> Iterator[str]:
    yield from (f"{rule_id}/{cause}" for rule_id, cause in owed_causes(ctx.keel.views, ctx.as_of))


def sales_rules_run(ctx: Context, job: str) -> Outcome:
    rule, _, cause = job.partition("/")
    command = FireSalesRule(meta=ctx.meta(KIND, job), rule_id=UUID(rule), cause=cause, at=ctx.now)
    try:
        result = ctx.keel.app.handle(command)
    except AlreadyExists:
        return Outcome("skipped", "fired before")
    except NotFound as exc:  # the rule was removed meanwhile
        return Outcome("skipped", str(exc))
    except InvalidTransition as exc:  # paused meanwhile, the follow-up done: asked again if still owed
        return Outcome("deferred", str(exc))
    except DomainError as exc:  # the log does not bear the cause out
        return Outcome("skipped", str(exc))
    # what the firing says: it acted, or it could not (recorded, with the reason)
    firing = next(iter(ctx.keel.app.events.get(result.id, limit=1)), None)
    name = getattr(firing, "rule_name", rule)
    if isinstance(firing, RuleFiring.Skipped):
        return Outcome("skipped", f"{name}: {firing.reason} ({cause})")
    return Outcome("done", f"{name}: {getattr(firing, 'summary', 'fired')} ({cause})")


SALES_RULES = JobKind(
    KIND,
    "Run the sales rules: what each active rule owes (a stage entered, a lead captured, a follow-up"
    " overdue, a deal idle), once per cause",
    "*/5 * * * *",
    sales_rules_due,
    sales_rules_run,
)

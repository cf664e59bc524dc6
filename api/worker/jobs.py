"""What a job kind is: ``due(ctx) -> causes`` and ``run(ctx, cause) -> outcome``.

Adding a kind (dunning, recurring invoices, webhooks) is one ``JobKind`` in ``kinds.default_kinds``:
``due`` lists the causes owed at ``ctx.as_of`` (a generator: pages, never the whole set at once),
``run`` does one, idempotently — its effect must be an event whose id derives from the cause
(``ledger.outbox.cause_id``), so doing it again is refused by the store and reported as skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from ledger.events import Meta

if TYPE_CHECKING:
    from api.system import Keel
    from api.worker.mail import Mailer

# done: the effect was recorded; skipped: nothing to do, ever (recorded before, refused by a rule);
# deferred: not now (the mail server is down), the cause is free again for the next run.
# "failed": an attempt that was made and failed, recorded in the log with its retry (the cause, one
# attempt, is finished; the next attempt is a cause of its own) — counted with the failures.
Result = Literal["done", "skipped", "deferred", "failed"]
ACTOR = "keel-worker"


@dataclass(frozen=True)
class Context:
    """What a job sees: the system, the business date it runs for, the log's clock now."""

    keel: Keel
    as_of: date
    now: datetime
    mailer: Mailer | None = None
    memo: dict[str, Any] = field(default_factory=dict)  # what a kind remembers within one run

    def meta(self, kind: str, cause: str) -> Meta:
        # The command id names the cause: the log says which job and cause recorded each event.
        return Meta(actor=ACTOR, command_id=f"{kind}:{cause}"[:200])


@dataclass(frozen=True)
class Outcome:
    result: Result
    note: str = ""


@dataclass(frozen=True)
class JobKind:
    name: str
    description: str
    default_cron: str  # in UTC, until a schedule is recorded
    due: Callable[[Context], Iterable[str]]
    run: Callable[[Context, str], Outcome]
    enabled_when: Callable[[Context], str | None] = field(default=lambda ctx: None)  # why not, or None


def registry(*kinds: JobKind) -> dict[str, JobKind]:
    found: dict[str, JobKind] = {}
    for kind in kinds:
        if kind.name in found:
            raise ValueError(f"job kind {kind.name} registered twice")
        found[kind.name] = kind
    return found

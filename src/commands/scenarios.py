"""A scenario's assumptions as the commands they stand for (ADR 0066), and what those would record.

Each assumption is the command a person would send if it came true — a hire is a planned cost, a
customer's slower payments an expected payment delay, a lost deal a lost deal — run through the
real handler on the real aggregates by ``KeelApplication.would_record``, nothing saved. So a
scenario can assume only what the books would accept: winning a deal already lost is refused as
the command would be, naming the assumption. A deal won in a scenario is a deal certain to close
on the date (probability 100 % from its stage, expected close that day), not ``WinDeal``: a won
deal leaves the pipeline, and the forecast would lose its cash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEventProtocol

from commands import messages as m
from commands.application import KeelApplication
from commands.dry_run import Refused
from commands.unit_of_work import Command
from ledger.crm import Deal
from ledger.errors import DomainError, InvalidValue, NotFound
from ledger.events import Meta
from ledger.project_terms import month_of
from ledger.projects import Project
from ledger.scenarios import Assumption

LOST, WON = "lost", "won"


def planned_cost_id(scenario_id: UUID, number: int) -> UUID:
    """The id of the planned cost the ``number``-th assumption (from 1) makes: the same every time
    the scenario is built, so its read models agree from one build to the next."""
    return uuid5(NAMESPACE_URL, f"keel:scenario:{scenario_id}:{number}")


def commands_for(
    app: KeelApplication, scenario_id: UUID, name: str, on: date, number: int, a: Assumption
) -> list[Command]:
    meta = Meta(actor=f"scenario:{name}", command_id=f"scenario:{scenario_id}:{number}")
    if a.kind in ("hire", "recurring_cost"):
        assert a.amount is not None and a.start is not None
        cost = planned_cost_id(scenario_id, number)
        label = f"{a.name} (hire)" if a.kind == "hire" else a.name
        plan = m.PlanCost(meta=meta, on=on, name=label, amount=str(a.amount), start=a.start, end=a.end)
        return [m.PlanCost(**{**vars(plan), "planned_cost_id": cost})]
    assert a.subject is not None
    if a.kind == "payment_delay":
        return [m.ExpectPaymentDelay(meta=meta, on=on, customer_id=a.subject, days=a.days)]
    if a.kind == "lose_deal":
        return [m.LoseDeal(meta=meta, on=on, deal_id=a.subject, reason=f"scenario {name}")]
    if a.kind == "write_off":
        return [m.WriteOffInvoice(meta=meta, on=on, invoice_id=a.subject, reason=f"scenario {name}")]
    if a.kind == "leaver":
        assert a.end is not None
        return [m.EndPlannedCost(meta=meta, on=on, planned_cost_id=a.subject, end=a.end)]
    assert a.start is not None
    if a.kind == "retainer_price":
        assert a.amount is not None
        return [m.RepriceRetainer(meta=meta, on=on, project_id=a.subject, monthly_fee=str(a.amount), start=a.start)]
    slip = m.UpdateDeal(meta=meta, on=on, deal_id=a.subject, expected_close=a.start)
    if a.kind == "slip_deal":
        return [slip]
    stage = _deal(app, a.subject).stage  # win_deal: certain, from the stage it is in
    return [slip, m.MoveDeal(meta=meta, on=on, deal_id=a.subject, stage=stage, probability="100")]


@dataclass(frozen=True)
class Hypothesis:
    """An assumption and the events it would record."""

    number: int  # from 1, in the scenario's order
    assumption: Assumption
    events: list[DomainEventProtocol[UUID]]


def hypothetical_events(
    app: KeelApplication, scenario_id: UUID, name: str, on: date, assumptions: Sequence[Assumption]
) -> list[Hypothesis]:
    """The events the scenario's assumptions would record on the books as they stand, each on
    what the ones before it decided; a refused one raises ``InvalidValue`` naming it."""
    commands: list[Command] = []
    counts: list[int] = []
    for number, a in enumerate(assumptions, 1):
        try:
            made = commands_for(app, scenario_id, name, on, number, a)
        except DomainError as error:
            raise _named(number, a, error) from None
        commands += made
        counts.append(len(made))
    try:
        recorded = app.would_record(commands)
    except Refused as refused:
        number = next(n for n, end in enumerate(accumulate(counts), 1) if refused.index < end)
        raise _named(number, assumptions[number - 1], refused.error) from None
    found, at = [], 0
    for number, (a, count) in enumerate(zip(assumptions, counts, strict=True), 1):
        found.append(Hypothesis(number, a, [e for events in recorded[at : at + count] for e in events]))
        at += count
    return found


def became_real(app: KeelApplication, a: Assumption) -> str | None:
    """What the books now say that the assumption assumed, if they do: the deal it loses (or wins,
    or slips) was closed that way; the retainer's fee it sets from a month is the books' own."""
    if a.kind in ("lose_deal", "win_deal", "slip_deal") and a.subject is not None:
        status = _deal(app, a.subject).status
        if status in (LOST, WON) and (status == LOST) == (a.kind == "lose_deal"):
            return f"the deal was {status}"
    if a.kind == "retainer_price" and a.subject is not None and a.start is not None:
        with app.unit_of_work() as uow:
            project = uow.load(Project, a.subject, label="project")
        month = month_of(a.start)
        if project.retainer_fees.get(month) == a.amount:
            return f"the books' fee from {month} is {a.amount}"
    return None


def _deal(app: KeelApplication, deal_id: UUID) -> Deal:
    with app.unit_of_work() as uow:
        return uow.load(Deal, deal_id, label="deal")


class AssumptionRefused(InvalidValue):
    """The books would refuse assumption ``number`` (from 1), after those before it."""

    def __init__(self, message: str, number: int) -> None:
        super().__init__(message)
        self.number = number


def _named(number: int, a: Assumption, error: DomainError) -> AssumptionRefused:
    kind = "not found" if isinstance(error, NotFound) else "refused"
    return AssumptionRefused(f"assumption {number} ({a.kind}): {kind}: {error}", number)

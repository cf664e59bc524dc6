"""Planned costs as recorded (payroll, rent: ``ledger.planned_costs``), with both time axes.

``planned_costs`` holds a row per plan, end and cancellation (the plan as it stood then) and
``planned_cost_steps`` a row per amount from a day on; each row with the business date the
decision was made on and its log position and time. The costs as of D known at K are those rows
dated by D and recorded by K, replayed in log order. Only the cash forecast pays them out:
nothing here is in the books.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ledger.money import from_minor, to_minor
from ledger.planned_costs import PlannedCost, pay_days
from projections.engine.db import ViewDatabase
from projections.engine.projection import Fact
from projections.engine.sql import Cursor, as_date

_AXES = "effective_date DATE NOT NULL, position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL"
_PLAN = "cost_id, name, currency, frequency, pay_day, starts, ends, cost_center, cancelled"


class PlannedCostsProjection:
    name = "planned_costs"
    schema_version = 1
    tables = ("planned_costs", "planned_cost_steps")
    folds = (PlannedCost.Event,)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            "CREATE TABLE planned_costs (cost_id TEXT NOT NULL, name TEXT NOT NULL, currency TEXT NOT NULL,"
            " frequency TEXT NOT NULL, pay_day INTEGER NOT NULL, starts DATE NOT NULL, ends DATE,"
            f" cost_center TEXT, cancelled BOOLEAN NOT NULL, {_AXES}, PRIMARY KEY (cost_id, position))"
        )
        cur.execute(
            "CREATE TABLE planned_cost_steps (cost_id TEXT NOT NULL, effective_from DATE NOT NULL,"
            f" amount_minor BIGINT NOT NULL, {_AXES}, PRIMARY KEY (cost_id, position))"
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e = fact.event
            at = (e.effective_date, fact.position, fact.recorded_at)
            cost_id = str(e.originator_id)
            if isinstance(e, PlannedCost.Planned):
                plan = (cost_id, e.name, e.currency, e.frequency, e.pay_day, e.start, e.end, e.cost_center, False)
                cur.execute(
                    f"INSERT INTO planned_costs ({_PLAN}, effective_date, position, recorded_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (*plan, *at),
                )
                self._step(cur, cost_id, e.start, to_minor(e.amount, e.currency), at)
            elif isinstance(e, PlannedCost.Revised):
                cur.execute("SELECT currency FROM planned_costs WHERE cost_id = %s LIMIT 1", (cost_id,))
                row = cur.fetchone()
                assert row is not None  # a revision follows its plan
                self._step(cur, cost_id, e.effective_from, to_minor(e.amount, str(row[0])), at)
            elif isinstance(e, PlannedCost.Ended | PlannedCost.Cancelled):
                # The plan as it stood, with its new end or cancelled: a row of its own.
                ends, cancelled = ("%s", "cancelled") if isinstance(e, PlannedCost.Ended) else ("ends", "TRUE")
                cur.execute(
                    f"INSERT INTO planned_costs ({_PLAN}, effective_date, position, recorded_at)"
                    f" SELECT cost_id, name, currency, frequency, pay_day, starts, {ends}, cost_center, {cancelled},"
                    " %s, %s, %s FROM planned_costs WHERE cost_id = %s ORDER BY position DESC LIMIT 1",
                    (*([e.end] if isinstance(e, PlannedCost.Ended) else []), *at, cost_id),
                )

    @staticmethod
    def _step(cur: Cursor, cost_id: str, since: date, minor: int, at: tuple[object, ...]) -> None:
        cur.execute(
            "INSERT INTO planned_cost_steps (cost_id, effective_from, amount_minor, effective_date, position,"
            " recorded_at) VALUES (%s, %s, %s, %s, %s, %s)",
            (cost_id, since, minor, *at),
        )


@dataclass(frozen=True)
class CostStep:
    effective_from: date
    amount: Decimal  # a month's payment from that day on


@dataclass(frozen=True)
class PlannedCostView:
    id: str
    name: str
    currency: str
    frequency: str  # monthly, quarterly or yearly, from the start's month
    pay_day: int  # 31: the month's last day
    start: date
    end: date | None
    cost_center: str | None
    steps: list[CostStep]  # the amount of the payments from each day on, oldest first

    def amount_on(self, day: date) -> Decimal | None:
        """The amount of a payment on ``day`` (None: before the start or after the end)."""
        if self.end is not None and day > self.end:
            return None
        found = [step.amount for step in self.steps if step.effective_from <= day]
        return found[-1] if found else None

    def payments(self, first: date, last: date) -> list[tuple[date, Decimal]]:
        """Each payment from ``first`` to ``last`` (both included): its day and amount."""
        last = last if self.end is None else min(last, self.end)
        found = []
        for day in pay_days(self.frequency, self.pay_day, self.start, first, last):
            amount = self.amount_on(day)
            if amount is not None:
                found.append((day, amount))
        return found


def planned_costs(db: ViewDatabase, as_of: date, known_at: datetime | None = None) -> list[PlannedCostView]:
    """Every planned cost decided by ``as_of`` as known at ``known_at`` (None: now), cancelled ones
    left out, by name. Plans, ends and revisions are replayed in log order: a revision replaces
    the amounts from its day on, an end drops those after it."""
    known, params = (" AND recorded_at <= %s", [as_of, known_at]) if known_at else ("", [as_of])
    with db.read() as cur:
        cur.execute(f"SELECT position, {_PLAN} FROM planned_costs WHERE effective_date <= %s{known}", params)
        changes: list[tuple[int, tuple[object, ...] | None, tuple[object, ...] | None]] = [
            (int(r[0]), tuple(r[1:]), None) for r in cur.fetchall()
        ]
        cur.execute(
            "SELECT position, cost_id, effective_from, amount_minor FROM planned_cost_steps"
            f" WHERE effective_date <= %s{known}",
            params,
        )
        changes += [(int(r[0]), None, tuple(r[1:])) for r in cur.fetchall()]
    plans: dict[str, tuple[object, ...]] = {}
    steps: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for _, plan, step in sorted(changes, key=lambda c: c[0]):
        if plan is not None:
            cost_id, ends = str(plan[0]), as_date(plan[6])
            plans[cost_id] = plan
            if ends is not None:
                steps[cost_id] = [s for s in steps[cost_id] if s[0] <= ends]
        elif step is not None:
            cost_id, since = str(step[0]), as_date(step[1])
            assert since is not None
            steps[cost_id] = [*(s for s in steps[cost_id] if s[0] < since), (since, int(str(step[2])))]
    found = []
    for cost_id, (_, name, currency, frequency, pay_day, starts, last, center, cancelled) in plans.items():
        first = as_date(starts)
        if first is None or cancelled:
            continue
        amounts = [CostStep(since, from_minor(minor, str(currency))) for since, minor in steps[cost_id]]
        view = PlannedCostView(
            cost_id, str(name), str(currency), str(frequency), int(str(pay_day)), first, as_date(last),
            None if center is None else str(center), amounts,
        )  # fmt: skip
        found.append(view)
    return sorted(found, key=lambda c: (c.name, c.id))

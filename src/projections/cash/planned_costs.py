"""Planned costs as recorded (payroll, rent: ``ledger.planned_costs``), with both time axes.

``planned_costs`` holds a row per plan and end (name, pay day, start, end) and
``planned_cost_steps`` a row per monthly amount from a day on. A revision replaces the amounts
from its day on, so the amount of a payment on D as known at K is the step of the highest
position recorded by K among those in force on or before D; the plan is its row of the highest
position recorded by K. Only the cash forecast pays them out: nothing here is in the books.
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

_AXES = "position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL"


class PlannedCostsProjection:
    name = "planned_costs"
    schema_version = 1
    tables = ("planned_costs", "planned_cost_steps")
    folds = (PlannedCost.Event,)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            "CREATE TABLE planned_costs (cost_id TEXT NOT NULL, name TEXT NOT NULL, currency TEXT NOT NULL,"
            " pay_day INTEGER NOT NULL, starts DATE NOT NULL, ends DATE, cost_center TEXT,"
            f" {_AXES}, PRIMARY KEY (cost_id, position))"
        )
        cur.execute(
            "CREATE TABLE planned_cost_steps (cost_id TEXT NOT NULL, effective_from DATE NOT NULL,"
            f" amount_minor BIGINT NOT NULL, {_AXES}, PRIMARY KEY (cost_id, position))"
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e, at = fact.event, (fact.position, fact.recorded_at)
            cost_id = str(e.originator_id)
            if isinstance(e, PlannedCost.Planned):
                plan = (cost_id, e.name, e.currency, e.pay_day, e.starts, e.ends, e.cost_center, *at)
                _insert_plan(cur, plan)
                _insert_step(cur, (cost_id, e.starts, to_minor(e.amount, e.currency), *at))
            elif isinstance(e, PlannedCost.Revised):
                cur.execute("SELECT currency FROM planned_costs WHERE cost_id = %s LIMIT 1", (cost_id,))
                row = cur.fetchone()
                assert row is not None  # a revision follows its plan
                _insert_step(cur, (cost_id, e.effective_from, to_minor(e.amount, str(row[0])), *at))
            elif isinstance(e, PlannedCost.Ended):
                cur.execute(
                    "INSERT INTO planned_costs (cost_id, name, currency, pay_day, starts, ends, cost_center,"
                    " position, recorded_at) SELECT cost_id, name, currency, pay_day, starts, %s, cost_center, %s, %s"
                    " FROM planned_costs WHERE cost_id = %s ORDER BY position DESC LIMIT 1",
                    (e.ends, *at, cost_id),
                )


def _insert_plan(cur: Cursor, row: tuple[object, ...]) -> None:
    cur.execute(
        "INSERT INTO planned_costs (cost_id, name, currency, pay_day, starts, ends, cost_center, position,"
        " recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        row,
    )


def _insert_step(cur: Cursor, row: tuple[object, ...]) -> None:
    cur.execute(
        "INSERT INTO planned_cost_steps (cost_id, effective_from, amount_minor, position, recorded_at)"
        " VALUES (%s, %s, %s, %s, %s)",
        row,
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
    pay_day: int
    starts: date
    ends: date | None
    cost_center: str | None
    steps: list[CostStep]  # the monthly amount from each day on, oldest first

    def amount_on(self, day: date) -> Decimal | None:
        """The amount of a payment on ``day`` (None: before the start)."""
        found = [step.amount for step in self.steps if step.effective_from <= day]
        return found[-1] if found else None

    def payments(self, first: date, last: date) -> list[tuple[date, Decimal]]:
        """Each payment from ``first`` to ``last`` (both included): its day and amount."""
        last = last if self.ends is None else min(last, self.ends)
        found = []
        for day in pay_days(self.pay_day, max(first, self.starts), last):
            amount = self.amount_on(day)
            if amount is not None:
                found.append((day, amount))
        return found


def planned_costs(db: ViewDatabase, known_at: datetime | None = None) -> list[PlannedCostView]:
    """Every planned cost as known at ``known_at`` (None: now), by name."""
    known, params = (" WHERE recorded_at <= %s", [known_at]) if known_at else ("", [])
    with db.read() as cur:
        cur.execute(
            "SELECT cost_id, name, currency, pay_day, starts, ends, cost_center, position FROM planned_costs"
            f"{known} ORDER BY cost_id, position",
            params,
        )
        plans = {str(r[0]): r for r in cur.fetchall()}  # each cost's last row wins
        cur.execute(
            f"SELECT cost_id, effective_from, amount_minor, position FROM planned_cost_steps{known}"
            " ORDER BY cost_id, position",
            params,
        )
        steps: dict[str, list[tuple[date, int]]] = defaultdict(list)
        for cost_id, since, minor, _ in cur.fetchall():
            day = as_date(since)
            assert day is not None
            # A step replaces those in force from its day on (a revision): what was after it goes.
            kept = [s for s in steps[str(cost_id)] if s[0] < day]
            steps[str(cost_id)] = [*kept, (day, int(minor))]
    found = []
    for cost_id, (_, name, currency, pay_day, starts, ends, cost_center, _) in plans.items():
        first = as_date(starts)
        assert first is not None
        amounts = [CostStep(since, from_minor(minor, str(currency))) for since, minor in steps[cost_id]]
        found.append(
            PlannedCostView(cost_id, str(name), str(currency), int(pay_day), first, as_date(ends), cost_center, amounts)
        )
    return sorted(found, key=lambda c: (c.name, c.id))

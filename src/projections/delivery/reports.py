"""Margins, budget burn, utilisation and work in progress, as of a date and as known at a moment.

Margins are read from the general ledger's project dimension (revenue, labour, expenses), so
they reconcile with the books for the same ``as_of`` / ``known_at`` by construction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ledger.accounts import AccountType
from ledger.errors import InvalidValue
from ledger.money import Money
from ledger.policy import check_window
from ledger.roles import Role
from projections.engine.db import ViewDatabase
from projections.engine.sql import Cursor, as_date
from projections.finance.chart import types_known
from projections.finance.general_ledger import YEAR_CLOSE_TOPIC
from projections.finance.scope import ReportScope

GROUPS = ("project", "customer", "cost_center", "month")


@dataclass(frozen=True)
class MarginRow:
    key: str
    name: str
    revenue: Decimal
    labour: Decimal
    expenses: Decimal

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.labour - self.expenses

    @property
    def margin_percent(self) -> Decimal | None:
        return (self.margin * 100 / self.revenue).quantize(Decimal("0.1")) if self.revenue else None


@dataclass(frozen=True)
class Margins:
    scope: ReportScope
    by: str
    rows: list[MarginRow]


@dataclass(frozen=True)
class BurnRow:
    project_id: str
    name: str
    budget_hours: Decimal
    actual_hours: Decimal
    planned_hours: Decimal
    budget_amount: Decimal
    actual_cost: Decimal

    @property
    def hours_burn_percent(self) -> Decimal | None:
        return (self.actual_hours * 100 / self.budget_hours).quantize(Decimal("0.1")) if self.budget_hours else None

    @property
    def cost_burn_percent(self) -> Decimal | None:
        return (self.actual_cost * 100 / self.budget_amount).quantize(Decimal("0.1")) if self.budget_amount else None


@dataclass(frozen=True)
class BudgetBurn:
    scope: ReportScope
    rows: list[BurnRow]


@dataclass(frozen=True)
class UtilisationRow:
    person: str
    capacity_hours: Decimal
    billable_hours: Decimal
    total_hours: Decimal
    planned_hours: Decimal

    @property
    def utilisation_percent(self) -> Decimal | None:
        return (
            (self.billable_hours * 100 / self.capacity_hours).quantize(Decimal("0.1")) if self.capacity_hours else None
        )


@dataclass(frozen=True)
class Utilisation:
    scope: ReportScope
    rows: list[UtilisationRow]


@dataclass(frozen=True)
class WipRow:
    project_id: str
    name: str
    hours: Decimal
    value: Decimal
    currency: str


@dataclass(frozen=True)
class WorkInProgress:
    scope: ReportScope
    rows: list[WipRow]


def _position(cur: Cursor) -> int:
    cur.execute("SELECT MIN(position) FROM keel_tracking WHERE projection IN ('work', 'general_ledger')")
    row = cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _known(alias: str, column: str, known_at: datetime | None) -> tuple[str, list[Any]]:
    return (f" AND {alias}.{column} <= %s", [known_at]) if known_at else ("", [])


def margins(
    db: ViewDatabase,
    start: date,
    end: date,
    functional_currency: str,
    known_at: datetime | None = None,
    by: str = "project",
) -> Margins:
    """Revenue, labour (hours x the cost rate of the day worked), expenses charged, margin and margin %."""
    check_window(start, end)
    if by not in GROUPS:
        raise ValueError(f"margins are grouped by {', '.join(GROUPS)}, not {by!r}")
    kg, kp = _known("g", "recorded_at", known_at)
    key_sql = {
        "project": "g.project_id",
        "customer": "p.customer_id",
        "cost_center": "COALESCE(p.cost_center, '')",
        "month": "SUBSTR(CAST(g.effective_date AS TEXT), 1, 7)",
    }[by]
    name_sql = {"project": "MAX(p.name)", "customer": "MAX(c.name)"}.get(by, key_sql)
    with db.read() as cur:
        cur.execute(
            f"SELECT {key_sql}, {name_sql}, g.account, g.role, SUM(g.value_minor) FROM gl_lines g"
            " LEFT JOIN work_projects p ON p.id = g.project_id LEFT JOIN customers c ON c.id = p.customer_id"
            f" WHERE g.project_id IS NOT NULL AND g.effective_date >= %s AND g.effective_date <= %s{kg}"
            f" AND g.event_topic <> %s GROUP BY {key_sql}, g.account, g.role",
            [start, end, *kp, YEAR_CLOSE_TOPIC],
        )
        rows = cur.fetchall()
        position = _position(cur)
        kinds = types_known(cur, known_at)
    acc: dict[str, list[Any]] = {}
    for key, name, code, role, minor in rows:
        kind = kinds.get(str(code))
        if kind not in (AccountType.INCOME, AccountType.EXPENSE):
            continue
        value = Money.from_minor(int(minor), functional_currency).amount
        entry = acc.setdefault(str(key), [str(name or key), Decimal(0), Decimal(0), Decimal(0)])
        if kind == AccountType.INCOME:
            entry[1] -= value
        elif role == Role.SALARIES:
            entry[2] += value
        else:
            entry[3] += value
    zero = Money.zero(functional_currency).amount
    result = [
        MarginRow(k, v[0], v[1] + zero, v[2] + zero, v[3] + zero)
        for k, v in sorted(acc.items(), key=lambda kv: kv[1][0])
    ]
    return Margins(ReportScope(end, known_at, position, start, functional_currency), by, result)


def _approved_hours(
    cur: Cursor, as_of: date, known_at: datetime | None, start: date | None = None
) -> list[tuple[Any, ...]]:
    kt, kp = _known("t", "approved_at", known_at)
    since, sp = (" AND t.day >= %s", [start]) if start else ("", [])
    cur.execute(
        "SELECT t.project_id, t.person, t.day, t.hours, t.billable, t.bill_rate, t.billed_on, t.billed_at"
        f" FROM project_time t WHERE t.approved_on IS NOT NULL AND t.approved_on <= %s AND t.day <= %s{since}{kt}",
        [as_of, as_of, *sp, *kp],
    )
    return cur.fetchall()


def planned_hours(cur: Cursor, as_of: date, known_at: datetime | None) -> list[tuple[Any, ...]]:
    ka, kp = _known("a", "recorded_at", known_at)
    cur.execute(
        "WITH a AS (SELECT a.project_id, a.person, a.week, a.hours, ROW_NUMBER() OVER ("
        "   PARTITION BY a.project_id, a.person, a.week ORDER BY a.effective_date DESC, a.position DESC) AS rn"
        f"   FROM allocations a WHERE a.effective_date <= %s{ka})"
        " SELECT project_id, person, week, hours FROM a WHERE rn = 1",
        [as_of, *kp],
    )
    return cur.fetchall()


def budget_burn(
    db: ViewDatabase, as_of: date, functional_currency: str, known_at: datetime | None = None
) -> BudgetBurn:
    """Per project: budget hours and money against approved hours, planned hours to date and cost to date."""
    kg, kp = _known("g", "recorded_at", known_at)
    with db.read() as cur:
        cur.execute(
            "SELECT id, name, budget_hours, budget_minor, currency FROM work_projects WHERE model IS NOT NULL"
            " AND drafted_on <= %s ORDER BY name",
            [as_of],
        )
        projects = cur.fetchall()
        hours: dict[str, Decimal] = defaultdict(Decimal)
        for project_id, _, _, h, *_ in _approved_hours(cur, as_of, known_at):
            hours[str(project_id)] += Decimal(h)
        planned: dict[str, Decimal] = defaultdict(Decimal)
        for project_id, _, week, h in planned_hours(cur, as_of, known_at):
            if (as_date(week) or as_of) <= as_of:
                planned[str(project_id)] += Decimal(h)
        cur.execute(
            "SELECT g.project_id, g.account, SUM(g.value_minor) FROM gl_lines g WHERE g.project_id IS NOT NULL"
            f" AND g.effective_date <= %s{kg} AND g.event_topic <> %s GROUP BY g.project_id, g.account",
            [as_of, *kp, YEAR_CLOSE_TOPIC],
        )
        cost: dict[str, Decimal] = defaultdict(Decimal)
        lines = cur.fetchall()
        kinds = types_known(cur, known_at)
        for project_id, code, minor in lines:
            if kinds.get(str(code)) == AccountType.EXPENSE:
                cost[str(project_id)] += Money.from_minor(int(minor), functional_currency).amount
        position = _position(cur)
    rows = [
        BurnRow(
            str(pid),
            name,
            Decimal(bh),
            hours[str(pid)],
            planned[str(pid)],
            Money.from_minor(int(bm), cur_ or functional_currency).amount,
            cost[str(pid)],
        )
        for pid, name, bh, bm, cur_ in projects
    ]
    return BudgetBurn(ReportScope(as_of, known_at, position, currency=functional_currency), rows)


MAX_UTILISATION_DAYS = 3660  # ten years: capacity is counted day by day


def utilisation(
    db: ViewDatabase, start: date, end: date, known_at: datetime | None = None, as_of: date | None = None
) -> Utilisation:
    """Per person: capacity (weekly capacity valid each working day / 5), billable and total hours worked in
    the period and approved by ``as_of`` (default: any time), planned hours (allocations of weeks starting in
    the period); utilisation = billable / capacity."""
    check_window(start, end)
    if end < start:
        raise InvalidValue(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    if (end - start).days > MAX_UTILISATION_DAYS:
        raise InvalidValue(f"utilisation covers at most {MAX_UTILISATION_DAYS} days at a time; narrow the dates")
    approved_by = as_of or date.max
    kt, kp = _known("pt", "recorded_at", known_at)
    with db.read() as cur:
        cur.execute(
            "SELECT pt.handle, pt.weekly_capacity, pt.effective_date, pt.position FROM people_terms pt"
            f" WHERE pt.effective_date <= %s{kt} ORDER BY pt.handle, pt.effective_date, pt.position",
            [end, *kp],
        )
        terms: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
        for handle, capacity, effective, _ in cur.fetchall():
            d = as_date(effective)
            assert d is not None
            terms[handle].append((d, Decimal(capacity)))
        billable: dict[str, Decimal] = defaultdict(Decimal)
        total: dict[str, Decimal] = defaultdict(Decimal)
        for _, person, day, h, is_billable, *_ in _approved_hours(cur, approved_by, known_at, start):
            if (as_date(day) or end) > end:
                continue
            total[person] += Decimal(h)
            if is_billable:
                billable[person] += Decimal(h)
        planned: dict[str, Decimal] = defaultdict(Decimal)
        for _, person, week, h in planned_hours(cur, end, known_at):
            w = as_date(week)
            if w is not None and start <= w <= end:
                planned[person] += Decimal(h)
        position = _position(cur)
    rows = []
    for person, history in sorted(terms.items()):
        capacity = Decimal(0)
        day = start
        while day <= end:
            valid = [c for eff, c in history if eff <= day]
            if valid and day.weekday() < 5:
                capacity += valid[-1] / 5
            day += timedelta(days=1)
        rows.append(
            UtilisationRow(
                person,
                *(v.quantize(Decimal("0.01")) for v in (capacity, billable[person], total[person], planned[person])),
            )
        )
    return Utilisation(ReportScope(as_of or end, known_at, position, start), rows)


def work_in_progress(db: ViewDatabase, as_of: date, known_at: datetime | None = None) -> WorkInProgress:
    """Approved billable time not yet invoiced, valued at its bill rate."""
    with db.read() as cur:
        rows = _approved_hours(cur, as_of, known_at)
        cur.execute("SELECT id, name, COALESCE(currency, 'EUR') FROM work_projects WHERE model = 'time_and_materials'")
        names = {str(r[0]): (r[1], r[2]) for r in cur.fetchall()}
        position = _position(cur)
    acc: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for project_id, _, _, h, is_billable, rate, billed_on, billed_at in rows:
        billed = billed_on is not None and (as_date(billed_on) or as_of) <= as_of
        if billed and known_at is not None and billed_at is not None:
            billed = (
                billed_at if isinstance(billed_at, datetime) else datetime.fromisoformat(str(billed_at))
            ) <= known_at
        if not is_billable or billed or str(project_id) not in names:  # only T&M time is billed by the hour
            continue
        entry = acc[str(project_id)]
        entry[0] += Decimal(h)
        entry[1] += Decimal(h) * Decimal(rate or 0)
    result = []
    for pid, (h, v) in sorted(acc.items(), key=lambda kv: names.get(kv[0], ("", ""))[0]):
        name, currency = names[pid]  # only the projects named above gather time
        result.append(WipRow(pid, name, h, Money(v, currency).rounded().amount, currency))
    return WorkInProgress(ReportScope(as_of, known_at, position), result)

"""Delivery lists: projects and people (with the terms in force on a date); a person's week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ledger.money import Money
from ledger.timesheets import monday_of, timesheet_id
from projections.engine.db import ViewDatabase
from projections.engine.pages import Page, fetch_page
from projections.engine.spans import spans_at
from projections.engine.sql import Row, as_date


@dataclass(frozen=True)
class ProjectView:
    id: str
    customer_id: str
    name: str
    status: str
    billing_model: str | None
    currency: str | None
    budget_hours: Decimal
    budget: Decimal | None
    start_date: date | None
    end_date: date | None
    cost_center: str
    deal_id: str | None
    drafted_on: date


_PROJECT = (
    "id, customer_id, name, status, model, currency, budget_hours, budget_minor, start_date, end_date, cost_center,"
    " deal_id, drafted_on"
)


def _project(r: Row) -> ProjectView:
    drafted = as_date(r[12])
    assert drafted is not None
    budget = Money.from_minor(int(r[7]), r[5]).amount if r[5] else None
    return ProjectView(
        str(r[0]),
        str(r[1]),
        r[2],
        r[3],
        r[4],
        r[5],
        Decimal(r[6]),
        budget,
        as_date(r[8]),
        as_date(r[9]),
        r[10],
        r[11],
        drafted,
    )


def list_projects(
    db: ViewDatabase,
    as_of: date,
    known_at: datetime | None = None,
    customer_id: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[ProjectView]:
    """The projects drafted by ``as_of`` as they stood then (configured, active or closed by that
    date), as known at ``known_at``, by draft date."""
    with db.read() as cur:
        at, params = spans_at(cur, as_of, known_at)
        where = [at]
        for column, value in (("customer_id", customer_id), ("status", status)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        select = f"SELECT project_id, {_PROJECT.removeprefix('id, ')}, drafted_on, project_id FROM project_spans"
        return fetch_page(cur, select, ["drafted_on", "project_id"], where, params, cursor, limit, _project)


def get_project(db: ViewDatabase, project_id: str) -> ProjectView | None:
    """A project as it stands now."""
    with db.read() as cur:
        cur.execute(f"SELECT {_PROJECT} FROM work_projects WHERE id = %s", (project_id,))
        row = cur.fetchone()
    return _project(row) if row else None


@dataclass(frozen=True)
class PersonView:
    handle: str
    name: str
    role: str
    cost_center: str
    weekly_capacity: Decimal
    cost_rate: Decimal
    bill_rate: Decimal
    terms_since: date


def list_people(
    db: ViewDatabase, on: date, cursor: str | None = None, limit: int = 100, handle: str | None = None
) -> Page[PersonView]:
    """People by handle, each with the terms in force on ``on`` (people hired later are left out)."""
    where = ["t.effective_date <= %s"]
    params: list[object] = [on]
    if handle:
        where.append("p.handle = %s")
        params.append(handle)
    latest = (
        "t.position = (SELECT MAX(u.position) FROM people_terms u WHERE u.handle = t.handle AND u.effective_date = ("
        "SELECT MAX(v.effective_date) FROM people_terms v WHERE v.handle = t.handle AND v.effective_date <= %s))"
    )
    params.append(on)

    def convert(r: Row) -> PersonView:
        since = as_date(r[7])
        assert since is not None
        return PersonView(r[0], r[1], r[2], r[3], Decimal(r[4]), Decimal(r[5]), Decimal(r[6]), since)

    with db.read() as cur:
        return fetch_page(
            cur,
            "SELECT handle, name, role, cost_center, weekly_capacity, cost_rate, bill_rate, effective_date, handle"
            " FROM (SELECT p.handle, p.name, t.role, t.cost_center, t.weekly_capacity, t.cost_rate, t.bill_rate,"
            " t.effective_date FROM people p JOIN people_terms t ON t.handle = p.handle"
            f" WHERE {' AND '.join(where)} AND {latest}) AS current_terms",
            ["handle"],
            [],
            params,
            cursor,
            limit,
            convert,
        )


@dataclass(frozen=True)
class TimesheetEntryView:
    entry_id: str
    day: date
    project_id: str
    hours: Decimal  # 0: withdrawn by a correction
    billable: bool
    note: str


@dataclass(frozen=True)
class TimesheetView:
    person: str
    week: date
    status: str
    total_hours: Decimal
    entries: list[TimesheetEntryView]  # by day, then entry id
    version: int


def get_timesheet(db: ViewDatabase, person: str, day: date) -> TimesheetView | None:
    """``person``'s timesheet of the week ``day`` falls in, as it stands now."""
    sheet_id = str(timesheet_id(person, monday_of(day)))
    with db.read() as cur:
        cur.execute("SELECT person, week, status, version FROM timesheets WHERE id = %s", (sheet_id,))
        row = cur.fetchone()
        if row is None:
            return None
        cur.execute(
            "SELECT entry_id, day, project_id, hours, billable, note FROM timesheet_entries WHERE timesheet_id = %s",
            (sheet_id,),
        )
        entries = [
            TimesheetEntryView(str(r[0]), _date(r[1]), str(r[2]), Decimal(r[3]), bool(r[4]), r[5])
            for r in cur.fetchall()
        ]
    entries.sort(key=lambda e: (e.day, e.entry_id))  # in Python: entry ids by code point, whatever the collation
    total = sum((e.hours for e in entries), Decimal(0))
    return TimesheetView(row[0], _date(row[1]), row[2], total, entries, int(row[3]))


def _date(value: object) -> date:
    found = as_date(value)
    assert found is not None
    return found

"""People's time as datasets: the approved timesheet entries (what utilisation, margins and billing
read) and the allocations in force (what was planned), as of the snapshot's date as known at its
moment."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from projections.engine.sql import as_date, as_datetime
from projections.exports.datasets import (
    LATEST_DAY,
    Batch,
    Column,
    Dataset,
    Snapshot,
    Sources,
    decimals,
    in_batches,
    known_moment,
)

TIME_COLUMNS = (
    Column("entry_id", "text", "The timesheet entry"),
    Column("timesheet_id", "text", "The week's timesheet it is on"),
    Column("person", "text", "Whose time (their handle)"),
    Column("project_id", "text", "The project it was spent on"),
    Column("project_name", "text", "The project's name today"),
    Column("customer_id", "text", "The project's customer"),
    Column("day", "date", "The day worked"),
    Column("hours", "decimal", "Hours"),
    Column("billable", "bool", "Whether the hours are billable"),
    Column("bill_rate", "decimal", "The rate it bills at, per hour, in the project's currency"),
    Column("approved_on", "date", "When the timesheet was approved"),
    Column("billed_on", "date", "When it was billed, if by the snapshot's date"),
    Column("invoice_id", "text", "The invoice that billed it, if by the snapshot's date"),
    Column("recorded_at", "timestamp", "When its approval was recorded (UTC)"),
)


def time_batches(sources: Sources, snapshot: Snapshot) -> Iterator[Batch]:
    """Every entry worked and approved by ``as_of``, its approval recorded by the snapshot's
    moment: the hours the utilisation and margin reports count, by day."""
    known = known_moment(sources, snapshot)
    if known is None:
        return
    as_of = snapshot.as_of or LATEST_DAY
    with sources.views.read() as cur:
        cur.execute(
            "SELECT t.entry_id, t.timesheet_id, t.person, t.project_id, p.name, p.customer_id, t.day, t.hours,"
            " t.billable, t.bill_rate, t.approved_on,"
            " CASE WHEN t.billed_on <= %s AND t.billed_at <= %s THEN t.billed_on END,"
            " CASE WHEN t.billed_on <= %s AND t.billed_at <= %s THEN t.invoice_id END, t.approved_at"
            " FROM project_time t LEFT JOIN work_projects p ON p.id = t.project_id"
            " WHERE t.approved_on <= %s AND t.day <= %s AND t.approved_at <= %s"
            " ORDER BY t.day, t.person, t.entry_id",
            [as_of, known, as_of, known, as_of, as_of, known],
        )
        rows = cur.fetchall()
    for c in in_batches(rows):
        yield [
            *c[:6],
            [as_date(d) for d in c[6]],
            decimals(c[7]),
            [bool(b) for b in c[8]],
            decimals(c[9]),
            *([as_date(d) for d in column] for column in c[10:12]),
            c[12],
            [as_datetime(t) for t in c[13]],
        ]


ALLOCATION_COLUMNS = (
    Column("project_id", "text", "The project"),
    Column("project_name", "text", "The project's name today"),
    Column("person", "text", "Who is allocated (their handle)"),
    Column("week", "date", "The week's Monday"),
    Column("hours", "decimal", "Hours planned that week"),
    Column("decided_on", "date", "The business date of the plan in force"),
    Column("recorded_at", "timestamp", "When that plan was recorded (UTC)"),
)


def allocation_batches(sources: Sources, snapshot: Snapshot) -> Iterator[Batch]:
    """The allocations in force on ``as_of`` as known at the snapshot's moment: per project, person
    and week, the latest plan dated by then (those set back to zero hours left out)."""
    known = known_moment(sources, snapshot)
    if known is None:
        return
    with sources.views.read() as cur:
        cur.execute(
            "WITH a AS (SELECT a.project_id, a.person, a.week, a.hours, a.effective_date, a.recorded_at,"
            "   ROW_NUMBER() OVER (PARTITION BY a.project_id, a.person, a.week"
            "   ORDER BY a.effective_date DESC, a.position DESC) AS rn"
            "   FROM allocations a WHERE a.effective_date <= %s AND a.recorded_at <= %s AND a.position <= %s)"
            " SELECT a.project_id, p.name, a.person, a.week, a.hours, a.effective_date, a.recorded_at"
            " FROM a LEFT JOIN work_projects p ON p.id = a.project_id WHERE a.rn = 1"
            " ORDER BY a.week, a.project_id, a.person",
            [snapshot.as_of or LATEST_DAY, known, snapshot.position],
        )
        rows: list[Any] = [r for r in cur.fetchall() if Decimal(r[4])]
    for c in in_batches(rows):
        yield [
            *c[:3],
            [as_date(d) for d in c[3]],
            decimals(c[4]),
            [as_date(d) for d in c[5]],
            [as_datetime(t) for t in c[6]],
        ]


TIMESHEETS = Dataset(
    "timesheets",
    "Every timesheet entry worked and approved by as_of (as known at known_at), with its billing then",
    TIME_COLUMNS,
    time_batches,
    ("work",),
)
ALLOCATIONS = Dataset(
    "allocations",
    "The allocations in force on as_of as known at known_at: hours per project, person and week",
    ALLOCATION_COLUMNS,
    allocation_batches,
    ("work",),
)

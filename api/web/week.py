"""The week grid of a timesheet (issue 20, ADR 0048): rows of projects, columns Monday to Sunday.

Every figure in it is the read model's (``GET /v1/timesheets/{person}/{week}``'s entries, summed
per cell, per row and per day on the server, never in the browser). Saving turns the cells a
person changed into the API's own time commands — ``POST /v1/time`` for an empty cell,
``…/entries/{entry_id}/correct`` for one that has time — after checking every changed cell first,
so a bad one refuses the whole form and nothing is written.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from api import schemas
from ledger.errors import InvalidValue
from ledger.events import Meta
from ledger.timesheets import MAX_HOURS_A_DAY, check_hours
from projections.delivery.lists import TimesheetView

_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def monday_of_week(week: str, today: date) -> date:
    """``2026-W40`` → its Monday; empty → this week's. Else ``InvalidValue``."""
    if not week:
        return today - timedelta(days=today.weekday())
    found = _WEEK.match(week)
    if not found:
        raise InvalidValue(f"week must be like 2026-W40, got {week[:20]!r}")
    try:
        return date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise InvalidValue(f"{week[:20]} is not a week of the calendar") from None


def iso_week(monday: date) -> str:
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}"


def cell_name(project_id: str, day: date) -> str:
    return f"h.{project_id}.{day.isoformat()}"


def shown(hours: Decimal) -> str:
    """Hours as a cell shows them: ``7.5``, ``6``, empty for none."""
    if not hours:
        return ""
    text = format(hours, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class Row:
    project_id: str
    name: str
    cells: list[tuple[str, date, str]]  # (field name, day, value shown)
    total: Decimal


@dataclass
class Grid:
    monday: date
    days: list[date]
    rows: list[Row]
    day_totals: list[Decimal]
    total: Decimal
    entries: dict[tuple[str, date], list[tuple[str, Decimal]]] = field(default_factory=dict)


def grid(monday: date, projects: Mapping[str, str], sheet: TimesheetView | None) -> Grid:
    """The grid of ``sheet`` (None: nothing logged that week) over ``projects`` (id → name: the
    projects active that week) and any project the week already has time on."""
    days = [monday + timedelta(days=n) for n in range(7)]
    entries: dict[tuple[str, date], list[tuple[str, Decimal]]] = {}
    for e in sheet.entries if sheet else ():
        entries.setdefault((e.project_id, e.day), []).append((e.entry_id, e.hours))
    names = dict(projects)
    for project_id, _ in entries:
        names.setdefault(project_id, project_id)
    rows = []
    for project_id, name in names.items():
        sums = [sum((h for _, h in entries.get((project_id, d), ())), Decimal(0)) for d in days]
        cells = [(cell_name(project_id, d), d, shown(s)) for d, s in zip(days, sums, strict=True)]
        rows.append(Row(project_id, name, cells, sum(sums, Decimal(0))))
    day_totals = [
        sum((h for (_, day), found in entries.items() if day == d for _, h in found), Decimal(0)) for d in days
    ]
    total = sheet.total_hours if sheet else Decimal(0)
    return Grid(monday, days, rows, day_totals, total, entries)


@dataclass
class Change:
    """What saving the grid sends: the commands in order, or the refusals by cell."""

    commands: list[Any] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def changes(week: Grid, person: str, form: Mapping[str, str], meta: Callable[[], Meta]) -> Change:
    """The API's commands for the cells ``form`` changed, each built by the API's request schema
    and its hours checked as the domain checks them; any refusal refuses the whole grid. ``meta``
    gives each command its own id."""
    out = Change()
    new_day_totals = list(week.day_totals)
    for row in week.rows:
        for name, day, was in row.cells:
            if name not in form:
                continue
            typed = form[name].strip()
            if typed == was or _same(typed, was):
                continue
            found = week.entries.get((row.project_id, day), [])
            try:
                built = _commands(person, row.project_id, day, typed or "0", found, meta)
                hours = _hours(typed or "0", logging=not found)
            except ValidationError as exc:
                out.errors[name] = _said(exc)
                continue
            except InvalidValue as exc:
                out.errors[name] = str(exc)
                continue
            index = week.days.index(day)
            new_day_totals[index] += hours - sum((h for _, h in found), Decimal(0))
            out.commands.extend(built)
    for day, total in zip(week.days, new_day_totals, strict=True):
        if total > MAX_HOURS_A_DAY:
            named = [n for row in week.rows for n, d, _ in row.cells if d == day and n in form]
            said = f"{person} would have {total} hours on {day}; a day has 24"
            out.errors.setdefault(named[0] if named else "form", said)
    return out


def _same(typed: str, was: str) -> bool:
    try:
        return Decimal(typed or "0") == Decimal(was or "0")
    except InvalidOperation:
        return False


def _hours(typed: str, logging: bool) -> Decimal:
    """The hours as the domain will check them: positive to log, ≥ 0 to correct, ≤ 24, hundredths."""
    value = Decimal(typed)
    if value < 0:
        raise InvalidValue(f"hours cannot be negative, got {typed}")
    return check_hours(value) if logging or value else value


def _commands(
    person: str, project_id: str, day: date, typed: str, found: list[tuple[str, Decimal]], meta: Callable[[], Meta]
) -> list[Any]:
    """A new cell is logged (``POST /v1/time``'s body); a cell with time corrects its first entry to
    the hours typed and any other entry of the cell to nothing (``…/correct``'s body)."""
    if not found:
        body = schemas.TimeBody.model_validate({"person": person, "day": day, "project_id": project_id, "hours": typed})
        return [body.to_command(meta())]
    monday = day - timedelta(days=day.weekday())
    first, *others = found
    commands = [schemas.CorrectTimeBody.model_validate({"hours": typed}).to_command(meta(), person, monday, first[0])]
    for entry_id, hours in others:
        if hours:
            nothing = schemas.CorrectTimeBody.model_validate({"hours": "0"})
            commands.append(nothing.to_command(meta(), person, monday, entry_id))
    return commands


def conditional(command: Any, version: int) -> Any:
    """``command`` on the timesheet's version the client saw (``If-Match``)."""
    return dataclasses.replace(command, expected_version=version)


def _said(exc: ValidationError) -> str:
    first = exc.errors()[0]
    if first.get("type") == "string_pattern_mismatch":
        return "hours must be a number such as 7.5 (at most two decimals)"
    return str(first.get("msg", "is not valid")).removeprefix("Value error, ")

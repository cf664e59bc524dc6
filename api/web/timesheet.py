"""The week timesheet (issue 20, ADR 0048): ``/timesheet?person=maria&week=2026-W40``.

People are not users: a user logs in, a person is an employee of the books (``/v1/people``). Who
reads timesheets (``read:work``) chooses whose week to see; the page starts on the person whose
handle is the user's login, else on the first person. Who records time (``write:work``) may enter
hours for anyone, as the API allows; others see the grid read-only. The grid is the API's
timesheet (``GET /v1/timesheets/{person}/{week}``) over the projects active that week (the API's
``projects`` list as of the week's Sunday, whose provenance the footer shows); saving sends the
API's time commands on the version the page showed; the week can be submitted for approval, and
a submitted week approved or rejected by someone else with ``write:work``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api import schemas
from api.answers import answer
from api.web.forms import Outcome, run, settle
from api.web.render import show
from api.web.rewind import controls, provenance
from api.web.visits import Refused, Visit, Visitor, checked_form, keel_of
from api.web.week import DAYS, changes, conditional, grid, iso_week, monday_of_week
from commands import messages as m
from ledger.access import READ_WORK, WRITE_WORK
from ledger.errors import InvalidValue
from projections.delivery import lists as work_lists
from projections.queries import Params, named

router = APIRouter(include_in_schema=False)
Handle = Annotated[str, Query(max_length=64)]
WeekParam = Annotated[str, Query(max_length=10)]


@router.get("/timesheet")
def timesheet(
    request: Request, visit: Visitor, person: Handle = "", week: WeekParam = "", saved: Annotated[int, Query()] = 0
) -> Response:
    visit.require(READ_WORK, "Timesheets")
    return _page(request, visit, person, week, notice=f"Saved {saved} change(s)." if saved else "")


@router.post("/timesheet")
async def save(request: Request, visit: Visitor) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and len(v) <= 200}
    checked_form(request, visit, form.get("csrf", ""))
    visit.require(WRITE_WORK, "Entering time")
    return await run_in_threadpool(_save, request, visit, form)


@router.post("/timesheet/{action}")
def decide(
    request: Request,
    visit: Visitor,
    action: str,
    person: Annotated[str, Form(max_length=64)],
    week: Annotated[str, Form(max_length=10)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Submit the week for approval, or approve or reject a submitted one: the API's routes."""
    checked_form(request, visit, csrf)
    visit.require(WRITE_WORK, "Submitting or approving a timesheet")
    keel = keel_of(request)
    monday = _monday(week, keel.app.today())
    builds = {
        "submit": lambda: m.SubmitTimesheet(meta=visit.meta(), person=person, week=monday),
        "approve": lambda: schemas.DateBody.model_validate({}).to_command(
            visit.meta(), m.ApproveTimesheet, person=person, week=monday
        ),
        "reject": lambda: schemas.ReasonBody.model_validate({"reason": reason}).to_command(
            visit.meta(), m.RejectTimesheet, person=person, week=monday
        ),
    }
    if action not in builds:
        raise Refused(404, "There is no such thing to do with a timesheet.")
    outcome = run(keel, builds[action], f"/v1/timesheets/{person}/{monday}/{action}")
    if outcome.ok:
        return RedirectResponse("/timesheet?" + urlencode({"person": person, "week": iso_week(monday)}), 303)
    return _page(request, visit, person, week, outcome=outcome, status=outcome.status)


def _save(request: Request, visit: Visit, form: dict[str, str]) -> Response:
    keel = keel_of(request)
    person, week = form.get("person", ""), form.get("week", "")
    try:
        version = int(form.get("version", ""))
    except ValueError:
        raise Refused(422, "The form lacks the timesheet's version it was made from; reload the page.") from None
    context = _context(request, visit, person, week)
    change = changes(context["grid"], context["person"], form, visit.meta)
    if change.errors:
        refused = Outcome(status=422, detail="Nothing was saved: " + "; ".join(change.errors.values()))
        refused.errors = change.errors
        return _page(request, visit, person, week, outcome=refused, typed=form, status=422)
    done = 0
    for command in change.commands:
        outcome = run(keel, partial(conditional, command, version), "/v1/time")
        if not outcome.ok:
            if done:
                said = f"{done} change(s) were saved before this one was refused: {outcome.detail}"
                outcome = replace(outcome, detail=said)
            typed = form if outcome.status != 412 else {}
            return _page(request, visit, person, week, outcome=outcome, typed=typed, status=outcome.status)
        assert outcome.result is not None
        version, done = outcome.result.version, done + 1
    if done:
        settle(keel, keel.app.head_position())
    query = {"person": context["person"], "week": iso_week(context["grid"].monday), "saved": str(done)}
    return RedirectResponse("/timesheet?" + urlencode(query), status_code=303)


def _monday(week: str, today: date) -> date:
    try:
        return monday_of_week(week, today)
    except InvalidValue as exc:
        raise Refused(422, str(exc)) from None


def _context(request: Request, visit: Visit, person: str, week: str) -> dict[str, Any]:
    """What the page shows: the people to choose from, the week's grid and the projects' provenance."""
    keel = keel_of(request)
    today = keel.app.today()
    monday = _monday(week, today)
    people = work_lists.list_people(keel.views, today, None, 1000).items  # GET /v1/people
    handles = [p.handle for p in people]
    person = person or (visit.user.login if visit.user.login in handles else (handles[0] if handles else ""))
    sunday = monday + timedelta(days=6)
    found = answer(keel, "projects", Params(as_of=sunday, filters=named(status="active"), limit=1000))
    projects = {p.id: p.name for p in found.result.items}
    sheet = work_lists.get_timesheet(keel.views, person, monday) if person else None  # GET /v1/timesheets/…
    for e in sheet.entries if sheet else ():  # a closed project the week has time on: its name
        if e.project_id not in projects and (project := work_lists.get_project(keel.views, e.project_id)):
            projects[e.project_id] = project.name
    _, time = controls(keel, {}, None)
    return {
        "title": "Timesheet",
        "people": [(p.handle, f"{p.name} ({p.handle})") for p in people],
        "person": person,
        "week": iso_week(monday),
        "previous": iso_week(monday - timedelta(days=7)),
        "next": iso_week(monday + timedelta(days=7)),
        "grid": grid(monday, projects, sheet),
        "day_names": DAYS,
        "sheet": sheet,
        "sheet_status": sheet.status if sheet else "not started",
        "version": sheet.version if sheet else 0,
        "api": f"/v1/timesheets/{person}/{monday.isoformat()}",
        "proof": provenance(found, "/v1/projects", time, as_of=sunday.isoformat(), status="active"),
    }


def _page(
    request: Request,
    visit: Visit,
    person: str,
    week: str,
    notice: str = "",
    outcome: Outcome | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = _context(request, visit, person, week)
    editable = visit.can(WRITE_WORK) and context["sheet_status"] in ("open", "not started") and bool(context["person"])
    context |= {
        "notice": notice,
        "outcome": outcome,
        "typed": typed or {},
        "conflict": status == 412,  # the API's If-Match refusal: the version changed
        "editable": editable,
        "can_work": visit.can(WRITE_WORK),
        "mine": context["person"] == visit.user.login,
    }
    return show(request, visit, "timesheet.html", status, **context)

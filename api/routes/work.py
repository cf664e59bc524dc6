from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response, status

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.deps import AS_CSV, AsOf, Cursor, ExpectedVersion, KeelDep, KnownAt, Limit, MetaDep, as_of_or_today, reads
from commands import messages as m
from ledger.errors import NotFound
from ledger.timesheets import monday_of, timesheet_id
from projections.delivery import lists as work_lists
from projections.engine.pages import Page
from projections.queries import Params, named

router = APIRouter(prefix="/v1", tags=["projects"])
WORK = ["work", "general_ledger"]
Week = Annotated[date, Path(description="The Monday the week starts on")]


@router.post("/people", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def hire(body: schemas.HireBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """A person with role, department, weekly capacity and rates, effective from ``terms.effective``."""
    return keel.app.handle(body.to_command(meta))


@router.post("/people/{handle}/terms", response_model=schemas.CommandAccepted)
def change_terms(handle: str, body: schemas.TermsIn, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """New terms from ``effective`` on (a raise in March changes costs from March, not before)."""
    return keel.app.handle(body.to_command(meta, handle))


@router.post("/projects", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def draft_project(body: schemas.ProjectBody, keel: KeelDep, meta: MetaDep, response: Response) -> m.CommandResult:
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/projects/{result.id}"
    return result


@router.put("/projects/{project_id}/configuration", response_model=schemas.CommandAccepted)
def configure_project(
    project_id: UUID, body: schemas.ConfigureProjectBody, keel: KeelDep, meta: MetaDep
) -> m.CommandResult:
    """Billing model (fixed fee with milestones, time and materials with rates, monthly retainer), budget,
    dates, department, and whether time needs an allocation first."""
    return keel.app.handle(body.to_command(meta, project_id))


@router.post("/projects/{project_id}/retainer-fee", response_model=schemas.CommandAccepted)
def reprice_retainer(project_id: UUID, body: schemas.RetainerFeeBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """A retainer's new monthly fee from the first day of a month on: billing drafts those months
    at it, the cash forecast expects it from the day it was agreed (``on``). A month invoiced
    already keeps its fee; a change that would reach one is refused."""
    return keel.app.handle(body.to_command(meta, project_id))


@router.post("/projects/{project_id}/activate", response_model=schemas.CommandAccepted)
def activate(project_id: UUID, keel: KeelDep, meta: MetaDep, body: schemas.DateBody | None = None) -> m.CommandResult:
    return keel.app.handle((body or schemas.DateBody()).to_command(meta, m.ActivateProject, project_id=project_id))


@router.post("/projects/{project_id}/close", response_model=schemas.CommandAccepted)
def close(project_id: UUID, keel: KeelDep, meta: MetaDep, body: schemas.OutcomeBody | None = None) -> m.CommandResult:
    return keel.app.handle((body or schemas.OutcomeBody()).to_command(meta, m.CloseProject, project_id=project_id))


@router.post("/projects/{project_id}/allocations", response_model=schemas.CommandAccepted)
def plan(project_id: UUID, body: schemas.AllocationBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """Planned hours for a person in a week (0 removes the plan); every change is kept."""
    return keel.app.handle(body.to_command(meta, project_id))


@router.post("/projects/{project_id}/milestones/{milestone}/complete", response_model=schemas.CommandAccepted)
def complete_milestone(
    project_id: UUID, milestone: str, keel: KeelDep, meta: MetaDep, body: schemas.DateBody | None = None
) -> m.CommandResult:
    """Completing a milestone drafts its invoice (once; the milestone is the cause). The result is the project."""
    body = body or schemas.DateBody()
    return keel.app.handle(body.to_command(meta, m.CompleteMilestone, project_id=project_id, milestone=milestone))


@router.post("/projects/{project_id}/billing-runs", response_model=schemas.CommandAccepted)
def run_billing(project_id: UUID, body: schemas.BillingRunBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """Draft what the billing model owes by ``as_of``: retainer months begun, approved billable time of the
    last complete month. Each cause drafts at most one invoice, ever; running twice adds nothing."""
    return keel.app.handle(body.to_command(meta, project_id))


@router.post("/time", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def log_time(body: schemas.TimeBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """Hours on a project on a day (billable or not), into the person's timesheet of that week."""
    return keel.app.handle(body.to_command(meta))


@router.post("/timesheets/{person}/{week}/entries/{entry_id}/correct", response_model=schemas.CommandAccepted)
def correct_time(
    person: str,
    week: Week,
    entry_id: str,
    body: schemas.CorrectTimeBody,
    keel: KeelDep,
    meta: MetaDep,
    expected: ExpectedVersion,
) -> m.CommandResult:
    """``If-Match``: the timesheet's version you saw."""
    return keel.app.handle(body.to_command(meta, person, week, entry_id, expected))


@router.post("/timesheets/{person}/{week}/submit", response_model=schemas.CommandAccepted)
def submit(person: str, week: Week, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    return keel.app.handle(m.SubmitTimesheet(meta=meta, person=person, week=week))


@router.post("/timesheets/{person}/{week}/approve", response_model=schemas.CommandAccepted)
def approve(
    person: str, week: Week, keel: KeelDep, meta: MetaDep, body: schemas.DateBody | None = None
) -> m.CommandResult:
    """Approve as the actor (never one's own): posts labour at each day's cost rate to the projects."""
    return keel.app.handle((body or schemas.DateBody()).to_command(meta, m.ApproveTimesheet, person=person, week=week))


@router.post("/timesheets/{person}/{week}/reject", response_model=schemas.CommandAccepted)
def reject(person: str, week: Week, body: schemas.ReasonBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    return keel.app.handle(body.to_command(meta, m.RejectTimesheet, person=person, week=week))


@router.get(
    "/projects",
    response_model=schemas.Page[schemas.Project],
    responses=JSON_OR_CSV,
    dependencies=[reads(*WORK, "customers"), AS_CSV],
)
async def list_projects(
    request: Request,
    keel: KeelDep,
    customer_id: UUID | None = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    project_status: Annotated[Literal["draft", "active", "closed"] | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    """Projects drafted by ``as_of`` as they stood then, as known at ``known_at``, by the date they
    were drafted."""
    filters = named(customer=str(customer_id) if customer_id else None, status=project_status)
    return await respond(request, keel, "projects", Params(as_of=as_of, filters=filters, cursor=cursor, limit=limit))


@router.get("/projects/{project_id}", response_model=schemas.Project, dependencies=[reads(*WORK)])
def get_project(project_id: UUID, keel: KeelDep) -> work_lists.ProjectView:
    found = work_lists.get_project(keel.views, str(project_id))
    if found is None:
        raise NotFound(f"project {project_id} not found")
    return found


@router.get("/people", response_model=schemas.Page[schemas.Person], dependencies=[reads(*WORK)])
def list_people(
    keel: KeelDep, as_of: AsOf = None, cursor: Cursor = None, limit: Limit = 100
) -> Page[work_lists.PersonView]:
    """People by handle, with the role, capacity and rates in force on ``as_of``."""
    return work_lists.list_people(keel.views, as_of_or_today(keel, as_of), cursor, limit)


@router.get("/people/{handle}", response_model=schemas.Person, dependencies=[reads(*WORK)])
def get_person(handle: Annotated[str, Path(max_length=64)], keel: KeelDep, as_of: AsOf = None) -> work_lists.PersonView:
    found = work_lists.list_people(keel.views, as_of_or_today(keel, as_of), handle=handle).items
    if not found:
        raise NotFound(f"nobody called {handle!r} was on the books on {as_of_or_today(keel, as_of).isoformat()}")
    return found[0]


@router.get("/timesheets/{person}/{week}", response_model=schemas.Timesheet, dependencies=[reads("work")])
def get_timesheet(
    person: Annotated[str, Path(max_length=64)], week: Week, keel: KeelDep, response: Response
) -> work_lists.TimesheetView:
    """One person's week as it stands now, its entries by day; the ETag is its version, for If-Match."""
    found = work_lists.get_timesheet(keel.views, person, week)
    if found is None:
        raise NotFound(f"timesheet {timesheet_id(person, monday_of(week))} not found")
    response.headers["ETag"] = f'"{found.version}"'
    return found

"""People, projects, allocations, timesheets and the billing triggers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from commands.delivery import messages as m
from commands.posting import functional_currency, open_books
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.customer import Customer
from ledger.errors import InvalidValue, NotFound, VersionConflict
from ledger.invoice import Invoice
from ledger.money import to_decimal
from ledger.people import Person, make_terms, person_id
from ledger.project_terms import ApprovedTime, Billing, Milestone, Rate
from ledger.projects import Project
from ledger.timesheets import Timesheet, check_hours, monday_of, timesheet_id

# -- people --------------------------------------------------------------------


def _terms(t: m.TermsInput) -> Any:
    return make_terms(t.effective, t.role, t.cost_center, t.weekly_capacity, t.cost_rate, t.bill_rate)


def _person(uow: UnitOfWork, handle: str) -> Person:
    return uow.load(Person, person_id(handle), label=f"person {handle}:")


def hire(uow: UnitOfWork, c: m.HirePerson) -> CommandResult:
    person = Person.hire(c.handle, c.name, _terms(c.terms), c.meta)
    uow.ensure_new(person.id, f"person {c.handle}:")
    return uow.commit(person)


def change_terms(uow: UnitOfWork, c: m.ChangeTerms) -> CommandResult:
    person = _person(uow, c.handle)
    person.change_terms(_terms(c.terms), c.meta)
    return uow.commit(person)


# -- projects ------------------------------------------------------------------


def _project(uow: UnitOfWork, project_id: Any) -> Project:
    return uow.load(Project, project_id)


def draft_project(uow: UnitOfWork, c: m.DraftProject) -> CommandResult:
    uow.ensure_new(c.project_id, "project")
    customer = uow.load(Customer, c.customer_id)
    customer.check_active()
    return uow.commit(Project.draft(c.project_id, customer.id, c.name, c.on or uow.today(), c.meta))


def configure_project(uow: UnitOfWork, c: m.ConfigureProject) -> CommandResult:
    project = _project(uow, c.project_id)
    currency = c.currency or functional_currency(uow)
    billing = Billing(
        model=c.model,
        currency=currency,
        tax_percent=to_decimal(c.tax_percent),
        milestones=[Milestone(ms.key.strip(), ms.name.strip(), to_decimal(ms.amount)) for ms in c.milestones],
        rates=[Rate(key.strip(), to_decimal(rate)) for key, rate in c.rates],
        monthly_fee=to_decimal(c.monthly_fee),
    )
    project.configure(
        billing,
        to_decimal(c.budget_hours),
        to_decimal(c.budget_amount),
        c.start,
        c.end,
        c.cost_center,
        c.requires_allocation,
        c.on or uow.today(),
        c.meta,
    )
    return uow.commit(project)


def activate_project(uow: UnitOfWork, c: m.ActivateProject) -> CommandResult:
    project = _project(uow, c.project_id)
    project.activate(c.on or uow.today(), c.meta)
    return uow.commit(project)


def close_project(uow: UnitOfWork, c: m.CloseProject) -> CommandResult:
    project = _project(uow, c.project_id)
    project.close(c.reason, c.on or uow.today(), c.meta)
    return uow.commit(project)


def plan(uow: UnitOfWork, c: m.PlanAllocation) -> CommandResult:
    project = _project(uow, c.project_id)
    _person(uow, c.person)
    project.plan(c.person, c.week, to_decimal(c.hours), c.on or uow.today(), c.meta)
    return uow.commit(project)


# -- time ----------------------------------------------------------------------


def log_time(uow: UnitOfWork, c: m.LogTime) -> CommandResult:
    hours = check_hours(c.hours)
    person = _person(uow, c.person)
    person.terms_on(c.day)  # refuses days before the person started
    project = _project(uow, c.project_id)
    project.check_time(c.person, c.day)
    week = monday_of(c.day)
    try:
        sheet = uow.load(Timesheet, timesheet_id(c.person, week), c.expected_version or None, label="timesheet")
    except NotFound:
        sheet = Timesheet.open(c.person, week, c.meta)
    else:
        if c.expected_version == 0:  # the client saw no timesheet for this week yet
            raise VersionConflict(f"{c.person}'s timesheet of {week} was started meanwhile", sheet.version)
    sheet.log(c.entry_id, c.day, project.id, hours, c.billable, c.note, c.meta)
    return uow.commit(sheet)


def correct_time(uow: UnitOfWork, c: m.CorrectTime) -> CommandResult:
    sheet = uow.load(Timesheet, timesheet_id(c.person, c.week), c.expected_version, label="timesheet")
    sheet.correct(c.entry_id, to_decimal(c.hours), c.billable, c.on or uow.today(), c.meta)
    return uow.commit(sheet)


def submit(uow: UnitOfWork, c: m.SubmitTimesheet) -> CommandResult:
    sheet = uow.load(Timesheet, timesheet_id(c.person, c.week), label="timesheet")
    sheet.submit(c.on or uow.today(), c.meta)
    return uow.commit(sheet)


def reject(uow: UnitOfWork, c: m.RejectTimesheet) -> CommandResult:
    sheet = uow.load(Timesheet, timesheet_id(c.person, c.week), label="timesheet")
    sheet.reject(c.meta.actor, c.reason, c.on or uow.today(), c.meta)
    return uow.commit(sheet)


def approve(uow: UnitOfWork, c: m.ApproveTimesheet) -> CommandResult:
    """Approval posts labour at the cost rate of each day worked and hands approved time to projects."""
    sheet = uow.load(Timesheet, timesheet_id(c.person, c.week), label="timesheet")
    person = _person(uow, c.person)
    on = c.on or uow.today()
    books, new_books = open_books(uow, sheet.week_end, c.meta, "labour of this week")
    costs: dict[str, tuple[Decimal, str]] = {}
    per_project: dict[Any, list[ApprovedTime]] = {}
    projects: dict[Any, Project] = {}
    for entry_id, e in sheet.entries.items():
        terms = person.terms_on(e["day"])
        costs[entry_id] = (terms.cost_rate, terms.cost_center)
        if e["hours"] <= 0:
            continue
        project = projects.get(e["project_id"]) or _project(uow, e["project_id"])
        projects[project.id] = project
        rate = project.bill_rate(person.handle, terms.role, terms.bill_rate)
        per_project.setdefault(project.id, []).append(
            ApprovedTime(entry_id, person.handle, e["day"], e["hours"], e["billable"], rate)
        )
    sheet.approve(c.meta.actor, costs, books.functional_currency, on, c.meta, uow.chart().roles)
    for project_id, entries in per_project.items():
        projects[project_id].record_approved_time(sheet.id, entries, sheet.week_end, c.meta)
    return uow.commit(sheet, *projects.values(), new_books)


# -- billing triggers ------------------------------------------------------------


def complete_milestone(uow: UnitOfWork, c: m.CompleteMilestone) -> CommandResult:
    project = _project(uow, c.project_id)
    invoice = project.complete_milestone(c.milestone, c.on or uow.today(), c.meta)
    _never_twice(uow, invoice)
    return uow.commit(project, invoice)


def reprice_retainer(uow: UnitOfWork, c: m.RepriceRetainer) -> CommandResult:
    project = _project(uow, c.project_id)
    project.reprice_retainer(to_decimal(c.monthly_fee), c.start, c.on or uow.today(), c.meta)
    return uow.commit(project)


def run_billing(uow: UnitOfWork, c: m.RunBilling) -> CommandResult:
    """Draft every invoice the project's billing model owes by ``as_of``; each once per cause."""
    project = _project(uow, c.project_id)
    on = c.on or uow.today()
    invoices = project.bill_retainer(c.as_of, on, c.meta)
    time_invoice = project.bill_time(c.as_of, on, c.meta)
    if time_invoice is not None:
        invoices.append(time_invoice)
    for invoice in invoices:
        _never_twice(uow, invoice)
    return uow.commit(project, *invoices)


def _never_twice(uow: UnitOfWork, invoice: Invoice) -> None:
    if uow.exists(invoice.id):
        raise InvalidValue(f"invoice {invoice.id} for this cause already exists")


HANDLERS: Handlers = {
    m.HirePerson: hire,
    m.ChangeTerms: change_terms,
    m.DraftProject: draft_project,
    m.ConfigureProject: configure_project,
    m.ActivateProject: activate_project,
    m.CloseProject: close_project,
    m.PlanAllocation: plan,
    m.LogTime: log_time,
    m.CorrectTime: correct_time,
    m.SubmitTimesheet: submit,
    m.ApproveTimesheet: approve,
    m.RejectTimesheet: reject,
    m.CompleteMilestone: complete_milestone,
    m.RunBilling: run_billing,
    m.RepriceRetainer: reprice_retainer,
}

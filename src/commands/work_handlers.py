"""People, projects, allocations, timesheets and the billing triggers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from commands import messages as m
from ledger.customer import Customer
from ledger.errors import InvalidValue, NotFound
from ledger.invoice import Invoice
from ledger.money import to_decimal
from ledger.people import Person, make_terms, person_id
from ledger.projects import ApprovedTime, Billing, Milestone, Project, Rate
from ledger.timesheets import Timesheet, check_hours, monday_of, timesheet_id

if TYPE_CHECKING:
    from commands.application import KeelApplication


def _today() -> date:
    from commands.application import today

    return today()


class WorkHandlers:
    def __init__(self, app: KeelApplication) -> None:
        self.app = app

    def handlers(self) -> dict[type[m.Command], Callable[[Any], m.CommandResult]]:
        return {
            m.HirePerson: self._hire,
            m.ChangeTerms: self._change_terms,
            m.DraftProject: self._draft_project,
            m.ConfigureProject: self._configure_project,
            m.ActivateProject: self._activate_project,
            m.CloseProject: self._close_project,
            m.PlanAllocation: self._plan,
            m.LogTime: self._log_time,
            m.CorrectTime: self._correct_time,
            m.SubmitTimesheet: self._submit,
            m.ApproveTimesheet: self._approve,
            m.RejectTimesheet: self._reject,
            m.CompleteMilestone: self._complete_milestone,
            m.RunBilling: self._run_billing,
        }

    # -- people --------------------------------------------------------------------

    @staticmethod
    def _terms(t: m.TermsInput) -> Any:
        return make_terms(t.effective, t.role, t.cost_center, t.weekly_capacity, t.cost_rate, t.bill_rate)

    def _person(self, handle: str) -> Person:
        return self.app._load(Person, person_id(handle), label=f"person {handle}:")

    def _hire(self, c: m.HirePerson) -> m.CommandResult:
        person = Person.hire(c.handle, c.name, self._terms(c.terms), c.meta)
        self.app._ensure_new(person.id, f"person {c.handle}:")
        return self.app._commit(person)

    def _change_terms(self, c: m.ChangeTerms) -> m.CommandResult:
        person = self._person(c.handle)
        person.change_terms(self._terms(c.terms), c.meta)
        return self.app._commit(person)

    # -- projects ------------------------------------------------------------------

    def _project(self, project_id: Any) -> Project:
        return self.app._load(Project, project_id)

    def _draft_project(self, c: m.DraftProject) -> m.CommandResult:
        self.app._ensure_new(c.project_id, "project")
        customer = self.app._load(Customer, c.customer_id)
        customer.check_active()
        return self.app._commit(Project.draft(c.project_id, customer.id, c.name, c.on or _today(), c.meta))

    def _configure_project(self, c: m.ConfigureProject) -> m.CommandResult:
        project = self._project(c.project_id)
        currency = c.currency or self.app.functional_currency()
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
            c.on or _today(),
            c.meta,
        )
        return self.app._commit(project)

    def _activate_project(self, c: m.ActivateProject) -> m.CommandResult:
        project = self._project(c.project_id)
        project.activate(c.on or _today(), c.meta)
        return self.app._commit(project)

    def _close_project(self, c: m.CloseProject) -> m.CommandResult:
        project = self._project(c.project_id)
        project.close(c.reason, c.on or _today(), c.meta)
        return self.app._commit(project)

    def _plan(self, c: m.PlanAllocation) -> m.CommandResult:
        project = self._project(c.project_id)
        self._person(c.person)
        project.plan(c.person, c.week, to_decimal(c.hours), c.on or _today(), c.meta)
        return self.app._commit(project)

    # -- time ----------------------------------------------------------------------

    def _log_time(self, c: m.LogTime) -> m.CommandResult:
        hours = check_hours(c.hours)
        person = self._person(c.person)
        person.terms_on(c.day)  # refuses days before the person started
        project = self._project(c.project_id)
        project.check_time(c.person, c.day)
        week = monday_of(c.day)
        try:
            sheet = self.app._load(Timesheet, timesheet_id(c.person, week), label="timesheet")
        except NotFound:
            sheet = Timesheet.open(c.person, week, c.meta)
        sheet.log(c.entry_id, c.day, project.id, hours, c.billable, c.note, c.meta)
        return self.app._commit(sheet)

    def _correct_time(self, c: m.CorrectTime) -> m.CommandResult:
        sheet = self.app._load(Timesheet, timesheet_id(c.person, c.week), label="timesheet")
        sheet.correct(c.entry_id, to_decimal(c.hours), c.billable, c.on or _today(), c.meta)
        return self.app._commit(sheet)

    def _submit(self, c: m.SubmitTimesheet) -> m.CommandResult:
        sheet = self.app._load(Timesheet, timesheet_id(c.person, c.week), label="timesheet")
        sheet.submit(c.on or _today(), c.meta)
        return self.app._commit(sheet)

    def _reject(self, c: m.RejectTimesheet) -> m.CommandResult:
        sheet = self.app._load(Timesheet, timesheet_id(c.person, c.week), label="timesheet")
        sheet.reject(c.meta.actor, c.reason, c.on or _today(), c.meta)
        return self.app._commit(sheet)

    def _approve(self, c: m.ApproveTimesheet) -> m.CommandResult:
        """Approval posts labour at the cost rate of each day worked and hands approved time to projects."""
        sheet = self.app._load(Timesheet, timesheet_id(c.person, c.week), label="timesheet")
        person = self._person(c.person)
        on = c.on or _today()
        books, new_books = self.app._books(sheet.week_end, c.meta, "labour of this week")
        costs: dict[str, tuple[Decimal, str]] = {}
        per_project: dict[Any, list[ApprovedTime]] = {}
        projects: dict[Any, Project] = {}
        for entry_id, e in sheet.entries.items():
            terms = person.terms_on(e["day"])
            costs[entry_id] = (terms.cost_rate, terms.cost_center)
            if e["hours"] <= 0:
                continue
            project = projects.get(e["project_id"]) or self._project(e["project_id"])
            projects[project.id] = project
            rate = project.bill_rate(person.handle, terms.role, terms.bill_rate)
            per_project.setdefault(project.id, []).append(
                ApprovedTime(entry_id, person.handle, e["day"], e["hours"], e["billable"], rate)
            )
        sheet.approve(c.meta.actor, costs, books.functional_currency, on, c.meta)
        for project_id, entries in per_project.items():
            projects[project_id].record_approved_time(sheet.id, entries, sheet.week_end, c.meta)
        return self.app._commit(sheet, *projects.values(), new_books)

    # -- billing triggers ------------------------------------------------------------

    def _complete_milestone(self, c: m.CompleteMilestone) -> m.CommandResult:
        project = self._project(c.project_id)
        invoice = project.complete_milestone(c.milestone, c.on or _today(), c.meta)
        self._never_twice(invoice)
        return self.app._commit(project, invoice)

    def _run_billing(self, c: m.RunBilling) -> m.CommandResult:
        """Draft every invoice the project's billing model owes by ``as_of``; each once per cause."""
        project = self._project(c.project_id)
        on = c.on or _today()
        invoices = project.bill_retainer(c.as_of, on, c.meta)
        time_invoice = project.bill_time(c.as_of, on, c.meta)
        if time_invoice is not None:
            invoices.append(time_invoice)
        for invoice in invoices:
            self._never_twice(invoice)
        return self.app._commit(project, *invoices)

    def _never_twice(self, invoice: Invoice) -> None:
        if invoice.id in self.app.repository:
            raise InvalidValue(f"invoice {invoice.id} for this cause already exists")

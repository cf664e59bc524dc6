"""Project: where work is planned, done and billed.

A project is drafted (by hand, or from a won deal with the deal as cause), configured with a
billing model — fixed fee with milestones, time and materials with rates per role or person,
or a monthly retainer — a budget and dates, then activated and finally closed. Allocations
plan hours per person and week; approved time is recorded on the project so billing can
draft invoices for it. Every drafted invoice's id derives from its cause (milestone, month),
so no cause is ever billed twice, whatever is replayed or retried."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger import project_terms as terms
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.invoice import Invoice
from ledger.invoice_lines import InvoiceLine, make_line
from ledger.project_terms import CLOSED, DRAFT, FIXED, RETAINER, TIME_AND_MATERIALS, ApprovedTime, Billing, ServiceLine

ACTIVE = "active"


class Project(KeelAggregate):
    TOPIC = "keel.Project"

    if TYPE_CHECKING:
        customer_id: UUID
        name: str
        status: str
        deal_id: UUID | None
        billing: Billing | None
        budget_hours: Decimal
        budget_amount: Decimal
        start: date | None
        end: date | None
        cost_center: str
        requires_allocation: bool
        allocations: dict[tuple[str, date], Decimal]
        approved: list[ApprovedTime]
        billed_entries: set[str]
        completed_milestones: set[str]
        retainer_months: set[str]
        time_invoices: set[UUID]
        retainer_fees: Mapping[str, Decimal]

    # A retainer's fee from a month on ("2027-01" -> fee), over the configured one; a project
    # folded or snapshotted before fees could change has none.
    retainer_fees = MappingProxyType[str, Decimal]({})  # not annotated: no dataclass field

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.project.Created.v1"

    class DraftedFromDeal(Created):
        TOPIC = "keel.project.DraftedFromDeal.v1"
        customer_id: UUID
        name: str
        deal_id: UUID
        services: list[ServiceLine]
        value: Decimal
        currency: str

        def apply(self, project: Project) -> None:
            project.customer_id = self.customer_id
            project.name = self.name
            project.status = DRAFT
            project.deal_id = self.deal_id
            _init(project)

    class Drafted(Created):
        TOPIC = "keel.project.Drafted.v1"
        customer_id: UUID
        name: str

        def apply(self, project: Project) -> None:
            project.customer_id, project.name, project.status, project.deal_id = (
                self.customer_id,
                self.name,
                DRAFT,
                None,
            )
            _init(project)

    class Configured(Event):
        TOPIC = "keel.project.Configured.v1"
        billing: Billing
        budget_hours: Decimal
        budget_amount: Decimal
        start: date
        end: date | None
        cost_center: str
        requires_allocation: bool

        def apply(self, project: Project) -> None:
            project.billing = self.billing
            project.budget_hours, project.budget_amount = self.budget_hours, self.budget_amount
            project.start, project.end = self.start, self.end
            project.cost_center, project.requires_allocation = self.cost_center, self.requires_allocation

    class Activated(Event):
        TOPIC = "keel.project.Activated.v1"

        def apply(self, project: Project) -> None:
            project.status = ACTIVE

    class Closed(Event):
        TOPIC = "keel.project.Closed.v1"
        reason: str

        def apply(self, project: Project) -> None:
            project.status = CLOSED

    class AllocationPlanned(Event):
        """Planned hours of a person in the week starting ``week`` (a Monday); 0 removes it."""

        TOPIC = "keel.project.AllocationPlanned.v1"
        person: str
        week: date
        hours: Decimal

        def apply(self, project: Project) -> None:
            project.allocations = {**project.allocations, (self.person, self.week): self.hours}

    class TimeApproved(Event):
        TOPIC = "keel.project.TimeApproved.v1"
        timesheet_id: UUID
        entries: list[ApprovedTime]

        def apply(self, project: Project) -> None:
            project.approved = [*project.approved, *self.entries]

    class MilestoneCompleted(Event):
        TOPIC = "keel.project.MilestoneCompleted.v1"
        milestone: str
        invoice_id: UUID

        def apply(self, project: Project) -> None:
            project.completed_milestones = {*project.completed_milestones, self.milestone}

    class TimeBilled(Event):
        """Approved entries invoiced. An entry id is unique within its timesheet only, so v2 names
        each entry's timesheet too (``timesheet_ids`` runs beside ``entry_ids``)."""

        TOPIC = "keel.project.TimeBilled.v1"
        class_version = 2
        period: str
        invoice_id: UUID
        entry_ids: list[str]
        timesheet_ids: list[UUID]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 named the entries alone: their timesheets are not known."""
            state["timesheet_ids"] = []

        def apply(self, project: Project) -> None:
            if self.timesheet_ids:
                billed = {terms.billed_key(t, e) for t, e in zip(self.timesheet_ids, self.entry_ids, strict=True)}
            else:
                billed = set(self.entry_ids)  # v1: bare entry ids
            project.billed_entries = {*project.billed_entries, *billed}
            project.time_invoices = {*project.time_invoices, self.invoice_id}

    class RetainerBilled(Event):
        TOPIC = "keel.project.RetainerBilled.v1"
        month: str
        invoice_id: UUID

        def apply(self, project: Project) -> None:
            project.retainer_months = {*project.retainer_months, self.month}

    class RetainerRepriced(Event):
        """The retainer's monthly fee from ``start`` (the first day of a month) on."""

        TOPIC = "keel.project.RetainerRepriced.v1"
        monthly_fee: Decimal
        start: date

        def apply(self, project: Project) -> None:
            project.retainer_fees = {**project.retainer_fees, terms.month_of(self.start): self.monthly_fee}

    @classmethod
    def draft_from_deal(
        cls,
        deal_id: UUID,
        customer_id: UUID,
        name: str,
        services: list[ServiceLine],
        value: Decimal,
        currency: str,
        on: date,
        meta: Meta,
    ) -> Project:
        return cls._create(
            cls.DraftedFromDeal,
            id=terms.project_id_for_deal(deal_id),
            customer_id=customer_id,
            name=name,
            deal_id=deal_id,
            services=list(services),
            value=value,
            currency=currency,
            **meta.stamp(on),
        )

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    def draft(cls, project_id: UUID, customer_id: UUID, name: str, on: date, meta: Meta) -> Project:
        if not name.strip():
            raise InvalidValue("a project needs a name")
        return cls._create(cls.Drafted, id=project_id, customer_id=customer_id, name=name.strip(), **meta.stamp(on))

    def configure(
        self,
        billing: Billing,
        budget_hours: Decimal,
        budget_amount: Decimal,
        start: date,
        end: date | None,
        cost_center: str,
        requires_allocation: bool,
        on: date,
        meta: Meta,
    ) -> None:
        if self.status == CLOSED:
            raise InvalidTransition(f"project {self.name} is closed")
        terms.check_terms(billing, budget_hours, budget_amount, start, end)
        terms.check_fee_changes(self.retainer_fees, self.billing, billing)
        self.trigger_event(
            self.Configured,
            billing=billing,
            budget_hours=budget_hours,
            budget_amount=budget_amount,
            start=start,
            end=end,
            cost_center=cost_center.strip().upper(),
            requires_allocation=requires_allocation,
            **meta.stamp(on),
        )

    def reprice_retainer(self, monthly_fee: Decimal, start: date, on: date, meta: Meta) -> None:
        """A new monthly fee from the month ``start`` begins; the months invoiced keep theirs."""
        if self.billing is None or self.billing.model != RETAINER:
            raise InvalidTransition(f"{self.name} is not a retainer; only a retainer has a monthly fee")
        if self.status == CLOSED:
            raise InvalidTransition(f"project {self.name} is closed")
        terms.check_fee(monthly_fee, self.billing)
        if start.day != 1:
            raise InvalidValue(f"from: a retainer's fee changes from the first day of a month, not {start}")
        billed = sorted(key for key in self.retainer_months if key >= terms.month_of(start))
        if billed:
            raise InvalidTransition(
                f"from: {billed[0]} of {self.name} is invoiced already; a new fee starts with a month not yet billed"
            )
        self.trigger_event(self.RetainerRepriced, monthly_fee=monthly_fee, start=start, **meta.stamp(on))

    def fee_for(self, month: str) -> Decimal:
        """The retainer's fee for ``month`` ("2027-01"): the latest change from it or before, else
        the configured fee."""
        assert self.billing is not None
        return terms.fee_in_force(self.retainer_fees, self.billing.monthly_fee, month)

    def activate(self, on: date, meta: Meta) -> None:
        if self.status != DRAFT:
            raise InvalidTransition(f"only a draft project can be activated; {self.name} is {self.status}")
        if self.billing is None:
            raise InvalidTransition(f"configure the billing of {self.name} before activating it")
        self.trigger_event(self.Activated, **meta.stamp(on))

    def close(self, reason: str, on: date, meta: Meta) -> None:
        if self.status != ACTIVE:
            raise InvalidTransition(f"only an active project can be closed; {self.name} is {self.status}")
        self.trigger_event(self.Closed, reason=reason.strip(), **meta.stamp(on))

    # -- planning and time -------------------------------------------------------------

    def plan(self, person: str, week: date, hours: Decimal, on: date, meta: Meta) -> None:
        if self.status == CLOSED:
            raise InvalidTransition(f"project {self.name} is closed")
        if week.weekday() != 0:
            raise InvalidValue(f"allocations are per week starting on a Monday; {week} is not a Monday")
        if not 0 <= hours <= 80:
            raise InvalidValue(f"planned hours per week are 0 to 80, got {hours}")
        self.trigger_event(self.AllocationPlanned, person=person, week=week, hours=hours, **meta.stamp(on))

    def allocated(self, person: str, week: date) -> Decimal:
        return self.allocations.get((person, week), Decimal(0))

    def check_time(self, person: str, day: date) -> None:
        """Refuse time the project cannot take: not active, or the person is not planned that week."""
        if self.status != ACTIVE:
            raise InvalidTransition(f"project {self.name} is {self.status}; it takes no hours")
        week = day - timedelta(days=day.weekday())
        if self.requires_allocation and self.allocated(person, week) <= 0:
            raise InvalidTransition(f"{person} is not allocated to {self.name} in the week of {week}")

    def bill_rate(self, person: str, role: str, default: Decimal) -> Decimal:
        rates = {r.applies_to: r.rate for r in (self.billing.rates if self.billing else ())}
        return rates.get(f"person:{person}", rates.get(f"role:{role}", default))

    def record_approved_time(self, timesheet_id: UUID, entries: list[ApprovedTime], on: date, meta: Meta) -> None:
        self.trigger_event(self.TimeApproved, timesheet_id=timesheet_id, entries=entries, **meta.stamp(on))

    # -- billing triggers --------------------------------------------------------------------

    def _invoice(self, cause: str, lines: list[InvoiceLine], on: date, meta: Meta) -> Invoice:
        assert self.billing is not None
        return Invoice.draft(
            terms.invoice_id_for(self.id, cause),
            self.customer_id,
            self.billing.currency,
            lines,
            on,
            meta,
            project_id=self.id,
        )

    def complete_milestone(self, key: str, on: date, meta: Meta) -> Invoice:
        """A completed milestone drafts its invoice (once: the milestone is the cause)."""
        if self.billing is None or self.billing.model != FIXED:
            raise InvalidTransition(f"{self.name} is not a fixed-fee project")
        if self.status != ACTIVE:
            raise InvalidTransition(f"project {self.name} is {self.status}")
        milestone = next((m for m in self.billing.milestones if m.key == key), None)
        if milestone is None:
            raise InvalidValue(f"{self.name} has no milestone {key!r}")
        if key in self.completed_milestones:
            raise InvalidTransition(f"milestone {key!r} of {self.name} is already completed and invoiced")
        line = make_line(f"{self.name}: {milestone.name}", 1, milestone.amount, self.billing.tax_percent)
        invoice = self._invoice(f"milestone:{key}", [line], on, meta)
        self.trigger_event(self.MilestoneCompleted, milestone=key, invoice_id=invoice.id, **meta.stamp(on))
        return invoice

    def _billed(self, entry: ApprovedTime) -> bool:
        """Billed already: by its timesheet and id, or (billed before v2) by its id alone."""
        return terms.billed_key(terms.timesheet_of(entry), entry.entry_id) in self.billed_entries or (
            entry.entry_id in self.billed_entries
        )

    def bill_time(self, as_of: date, on: date, meta: Meta) -> Invoice | None:
        """Approved billable time up to the end of the last complete month drafts one invoice for that month."""
        if self.billing is None or self.billing.model != TIME_AND_MATERIALS:
            return None
        cutoff = as_of.replace(day=1) - timedelta(days=1)
        period = terms.month_of(cutoff)
        if terms.invoice_id_for(self.id, f"time:{period}") in self.time_invoices:
            return None
        entries = [e for e in self.approved if e.billable and not self._billed(e) and e.day <= cutoff]
        if not entries:
            return None
        invoice = self._invoice(
            f"time:{period}", terms.time_lines(self.name, period, entries, self.billing.tax_percent), on, meta
        )
        self.trigger_event(
            self.TimeBilled,
            period=period,
            invoice_id=invoice.id,
            entry_ids=[e.entry_id for e in entries],
            timesheet_ids=[terms.timesheet_of(e) for e in entries],
            **meta.stamp(on),
        )
        return invoice

    def bill_retainer(self, as_of: date, on: date, meta: Meta) -> list[Invoice]:
        """Each month of the retainer that has begun by ``as_of`` drafts its invoice, once."""
        if self.billing is None or self.billing.model != RETAINER or self.start is None:
            return []
        invoices = []
        for key in terms.months_begun(self.start, self.end, as_of):
            if key not in self.retainer_months:
                line = make_line(f"{self.name}: retainer {key}", 1, self.fee_for(key), self.billing.tax_percent)
                invoice = self._invoice(f"retainer:{key}", [line], on, meta)
                self.trigger_event(self.RetainerBilled, month=key, invoice_id=invoice.id, **meta.stamp(on))
                invoices.append(invoice)
        return invoices


def _init(project: Project) -> None:
    project.billing = None
    project.budget_hours = project.budget_amount = Decimal(0)
    project.start = project.end = None
    project.cost_center = ""
    project.requires_allocation = False
    project.allocations = {}
    project.approved = []
    project.billed_entries = set()
    project.completed_milestones = set()
    project.retainer_months = set()
    project.time_invoices = set()

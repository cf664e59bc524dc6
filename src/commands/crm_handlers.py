"""The CRM commands: leads, contacts, deals, activities, follow-ups, and the won-deal hand-off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from commands import messages as m
from ledger.crm import DEFAULT_STAGES, PIPELINE_ID, Activity, Deal, FollowUp, Lead, Pipeline, Stage, services_value
from ledger.customer import Customer, make_contact
from ledger.errors import InvalidValue, NotFound
from ledger.events import Meta
from ledger.money import Money, to_decimal
from ledger.projects import Project, ServiceLine, project_id_for_deal

if TYPE_CHECKING:
    from commands.application import KeelApplication


def _today() -> date:
    from commands.application import today

    return today()


class CrmHandlers:
    """One method per CRM command, working through the application's store."""

    def __init__(self, app: KeelApplication) -> None:
        self.app = app

    def handlers(self) -> dict[type[m.Command], Callable[[Any], m.CommandResult]]:
        return {
            m.ConfigurePipeline: self._configure_pipeline,
            m.CaptureLead: self._capture_lead,
            m.QualifyLead: self._qualify_lead,
            m.DisqualifyLead: self._disqualify_lead,
            m.ConvertLead: self._convert_lead,
            m.AssignCustomerOwner: self._assign_owner,
            m.AddContact: self._add_contact,
            m.RemoveContact: self._remove_contact,
            m.MergeCustomers: self._merge_customers,
            m.OpenDeal: self._open_deal,
            m.UpdateDeal: self._update_deal,
            m.MoveDeal: self._move_deal,
            m.WinDeal: self._win_deal,
            m.LoseDeal: self._lose_deal,
            m.ReopenDeal: self._reopen_deal,
            m.LogActivity: self._log_activity,
            m.ScheduleFollowUp: self._schedule_followup,
            m.RescheduleFollowUp: self._reschedule_followup,
            m.CompleteFollowUp: self._complete_followup,
            m.CancelFollowUp: self._cancel_followup,
        }

    # -- pipeline ------------------------------------------------------------------

    def _pipeline(self, on: date, meta: Meta) -> Pipeline:
        try:
            return self.app._load(Pipeline, PIPELINE_ID, label="pipeline")
        except NotFound:
            return Pipeline.configure(list(DEFAULT_STAGES), on, meta)

    def _configure_pipeline(self, c: m.ConfigurePipeline) -> m.CommandResult:
        on = c.on or _today()
        stages = [Stage(s.key.strip(), s.name.strip(), to_decimal(s.probability)) for s in c.stages]
        try:
            pipeline = self.app._load(Pipeline, PIPELINE_ID, label="pipeline")
            pipeline.reconfigure(stages, on, c.meta)
        except NotFound:
            pipeline = Pipeline.configure(stages, on, c.meta)
        return self.app._commit(pipeline)

    # -- leads ---------------------------------------------------------------------

    def _capture_lead(self, c: m.CaptureLead) -> m.CommandResult:
        self.app._ensure_new(c.lead_id, "lead")
        lead = Lead.capture(
            c.lead_id,
            c.name,
            c.company,
            c.email,
            c.phone,
            c.source,
            c.notes,
            c.owner or c.meta.actor,
            c.on or _today(),
            c.meta,
        )
        return self.app._commit(lead)

    def _qualify_lead(self, c: m.QualifyLead) -> m.CommandResult:
        lead = self.app._load(Lead, c.lead_id)
        lead.qualify(c.note, c.on or _today(), c.meta)
        return self.app._commit(lead)

    def _disqualify_lead(self, c: m.DisqualifyLead) -> m.CommandResult:
        lead = self.app._load(Lead, c.lead_id)
        lead.disqualify(c.reason, c.on or _today(), c.meta)
        return self.app._commit(lead)

    def _convert_lead(self, c: m.ConvertLead) -> m.CommandResult:
        """Lead -> customer (new or existing) + contact + deal, in one atomic save."""
        lead = self.app._load(Lead, c.lead_id)
        on = c.on or _today()
        if c.customer_id is not None:
            customer = self._active_customer(c.customer_id)
        else:
            self.app._ensure_new(c.new_customer_id, "customer")
            name = lead.company or lead.name
            customer = Customer.register(c.new_customer_id, name, c.payment_terms_days, c.currency, on, c.meta)
            customer.assign_owner(lead.owner, on, c.meta)
        customer.add_contact(make_contact(c.contact_id, lead.name, lead.email, lead.phone, c.contact_role), on, c.meta)
        deal = None
        pipeline = None
        if c.deal is not None:
            pipeline = self._pipeline(on, c.meta)
            deal = self._new_deal(c.deal_id, customer, c.deal, lead.source, lead.id, pipeline, on, c.meta)
        lead.convert(customer.id, c.contact_id, deal.id if deal else None, on, c.meta)
        new_pipeline = pipeline if pipeline is not None and pipeline.pending_events else None
        return self.app._commit(lead, customer, deal, new_pipeline)

    # -- customers -------------------------------------------------------------------

    def _active_customer(self, customer_id: UUID) -> Customer:
        customer = self.app._load(Customer, customer_id)
        customer.check_active()
        return customer

    def _assign_owner(self, c: m.AssignCustomerOwner) -> m.CommandResult:
        customer = self._active_customer(c.customer_id)
        customer.assign_owner(c.owner, c.on or _today(), c.meta)
        return self.app._commit(customer)

    def _add_contact(self, c: m.AddContact) -> m.CommandResult:
        customer = self._active_customer(c.customer_id)
        contact = make_contact(c.contact_id, c.name, c.email, c.phone, c.role)
        customer.add_contact(contact, c.on or _today(), c.meta)
        return self.app._commit(customer)

    def _remove_contact(self, c: m.RemoveContact) -> m.CommandResult:
        customer = self._active_customer(c.customer_id)
        customer.remove_contact(c.contact_id, c.on or _today(), c.meta)
        return self.app._commit(customer)

    def _merge_customers(self, c: m.MergeCustomers) -> m.CommandResult:
        source = self.app._load(Customer, c.source_id)
        target = self.app._load(Customer, c.target_id)
        source.merge_into(target, c.on or _today(), c.meta)
        return self.app._commit(target, source)

    # -- deals ---------------------------------------------------------------------

    @staticmethod
    def _services(inputs: tuple[m.ServiceInput, ...]) -> list[ServiceLine]:
        services = []
        for s in inputs:
            quantity, price = to_decimal(s.quantity), to_decimal(s.unit_price)
            if not s.description.strip() or quantity <= 0 or price < 0:
                raise InvalidValue("a service needs a description, a positive quantity and a price of zero or more")
            services.append(ServiceLine(s.description.strip(), quantity, price))
        return services

    def _new_deal(
        self,
        deal_id: UUID,
        customer: Customer,
        d: m.DealInput,
        source: str,
        lead_id: UUID | None,
        pipeline: Pipeline,
        on: date,
        meta: Meta,
    ) -> Deal:
        self.app._ensure_new(deal_id, "deal")
        currency = d.currency or customer.currency
        services = self._services(d.services)
        value = Money(to_decimal(d.value), currency) if d.value is not None else services_value(services, currency)
        stage = pipeline.stage(d.stage) if d.stage else pipeline.stages[0]
        probability = to_decimal(d.probability) if d.probability is not None else None
        return Deal.open(
            deal_id,
            customer.id,
            d.title,
            value,
            d.expected_close,
            d.owner or customer.owner or meta.actor,
            stage,
            probability,
            source,
            lead_id,
            services,
            on,
            meta,
        )

    def _open_deal(self, c: m.OpenDeal) -> m.CommandResult:
        customer = self._active_customer(c.customer_id)
        on = c.on or _today()
        pipeline = self._pipeline(on, c.meta)
        deal = self._new_deal(c.deal_id, customer, c.deal, c.source, None, pipeline, on, c.meta)
        return self.app._commit(deal, pipeline if pipeline.pending_events else None)

    def _update_deal(self, c: m.UpdateDeal) -> m.CommandResult:
        deal = self.app._load(Deal, c.deal_id, c.expected_version)
        value = to_decimal(c.value) if c.value is not None else None
        services = self._services(c.services) if c.services is not None else None
        deal.update(c.title, value, c.expected_close, c.owner, services, c.on or _today(), c.meta)
        return self.app._commit(deal)

    def _move_deal(self, c: m.MoveDeal) -> m.CommandResult:
        deal = self.app._load(Deal, c.deal_id, c.expected_version)
        on = c.on or _today()
        pipeline = self._pipeline(on, c.meta)
        probability = to_decimal(c.probability) if c.probability is not None else None
        deal.move(pipeline.stage(c.stage), probability, on, c.meta)
        return self.app._commit(deal, pipeline if pipeline.pending_events else None)

    def _win_deal(self, c: m.WinDeal) -> m.CommandResult:
        """Won: the deal closes and, the first time, a project draft opens with the deal as cause."""
        deal = self.app._load(Deal, c.deal_id, c.expected_version)
        on = c.on or _today()
        customer = self.app._load(Customer, deal.customer_id)
        if customer.merged_into is not None:
            customer = self.app._load(Customer, customer.merged_into)
        project_id = project_id_for_deal(deal.id)
        project = None
        if project_id not in self.app.repository:
            value = deal.value.amount
            project = Project.draft_from_deal(
                deal.id, customer.id, deal.title, deal.services, Decimal(value), deal.value.currency, on, c.meta
            )
        deal.win(c.reason, project_id, on, c.meta)
        return self.app._commit(deal, project)

    def _lose_deal(self, c: m.LoseDeal) -> m.CommandResult:
        deal = self.app._load(Deal, c.deal_id, c.expected_version)
        deal.lose(c.reason, c.on or _today(), c.meta)
        return self.app._commit(deal)

    def _reopen_deal(self, c: m.ReopenDeal) -> m.CommandResult:
        deal = self.app._load(Deal, c.deal_id)
        on = c.on or _today()
        pipeline = self._pipeline(on, c.meta)
        stage = pipeline.stage(c.stage) if c.stage else pipeline.stages[-1]
        deal.reopen(stage, on, c.meta)
        return self.app._commit(deal, pipeline if pipeline.pending_events else None)

    # -- activities and follow-ups -----------------------------------------------------

    def _check_about(self, kind: str, about_id: UUID) -> None:
        kinds: dict[str, type[Any]] = {"lead": Lead, "deal": Deal, "customer": Customer}
        if kind not in kinds:
            raise InvalidValue(f"activities and follow-ups are about a lead, deal or customer, not {kind!r}")
        self.app._load(kinds[kind], about_id, label=kind)

    def _log_activity(self, c: m.LogActivity) -> m.CommandResult:
        self.app._ensure_new(c.activity_id, "activity")
        self._check_about(c.about_kind, c.about_id)
        activity = Activity.log(
            c.activity_id, c.kind, c.about_kind, c.about_id, c.subject, c.body, c.on or _today(), c.meta
        )
        return self.app._commit(activity)

    def _schedule_followup(self, c: m.ScheduleFollowUp) -> m.CommandResult:
        self.app._ensure_new(c.followup_id, "follow-up")
        self._check_about(c.about_kind, c.about_id)
        followup = FollowUp.schedule(
            c.followup_id, c.about_kind, c.about_id, c.owner, c.due, c.note, c.on or _today(), c.meta
        )
        return self.app._commit(followup)

    def _followup(self, followup_id: UUID) -> FollowUp:
        return self.app._load(FollowUp, followup_id, label="follow-up")

    def _reschedule_followup(self, c: m.RescheduleFollowUp) -> m.CommandResult:
        followup = self._followup(c.followup_id)
        owner = c.owner or self._current_owner(followup)
        followup.reschedule(c.due, owner, c.on or _today(), c.meta)
        return self.app._commit(followup)

    def _current_owner(self, followup: FollowUp) -> str:
        owner = ""
        for event in self.app.repository.event_store.get(followup.id):
            owner = getattr(event, "owner", owner)
        return owner

    def _complete_followup(self, c: m.CompleteFollowUp) -> m.CommandResult:
        followup = self._followup(c.followup_id)
        followup.complete(c.outcome, c.on or _today(), c.meta)
        return self.app._commit(followup)

    def _cancel_followup(self, c: m.CancelFollowUp) -> m.CommandResult:
        followup = self._followup(c.followup_id)
        followup.cancel(c.reason, c.on or _today(), c.meta)
        return self.app._commit(followup)

"""The CRM commands: leads, contacts, deals, activities, follow-ups, and the won-deal hand-off."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from commands.crm import messages as m
from commands.posting import functional_currency
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.activities import Activity, FollowUp
from ledger.contacts import make_contact
from ledger.crm import DEFAULT_STAGES, PIPELINE_ID, Deal, Pipeline, Stage, services_value
from ledger.customer import Customer
from ledger.errors import InvalidValue, NotFound
from ledger.events import Meta
from ledger.leads import Lead
from ledger.money import Money, to_decimal
from ledger.project_terms import ServiceLine, project_id_for_deal
from ledger.projects import Project

"""One method per CRM command, working through the application's store."""


# -- pipeline ------------------------------------------------------------------


def _pipeline(uow: UnitOfWork, on: date, meta: Meta) -> Pipeline:
    try:
        return uow.load(Pipeline, PIPELINE_ID, label="pipeline")
    except NotFound:
        return Pipeline.configure(list(DEFAULT_STAGES), on, meta)


def configure_pipeline(uow: UnitOfWork, c: m.ConfigurePipeline) -> CommandResult:
    on = c.on or uow.today()
    stages = [Stage(s.key.strip(), s.name.strip(), to_decimal(s.probability)) for s in c.stages]
    try:
        pipeline = uow.load(Pipeline, PIPELINE_ID, label="pipeline")
        pipeline.reconfigure(stages, on, c.meta)
    except NotFound:
        pipeline = Pipeline.configure(stages, on, c.meta)
    return uow.commit(pipeline)


# -- leads ---------------------------------------------------------------------


def capture_lead(uow: UnitOfWork, c: m.CaptureLead) -> CommandResult:
    uow.ensure_new(c.lead_id, "lead")
    lead = Lead.capture(
        c.lead_id,
        c.name,
        c.company,
        c.email,
        c.phone,
        c.source,
        c.notes,
        c.owner or c.meta.actor,
        c.on or uow.today(),
        c.meta,
    )
    return uow.commit(lead)


def qualify_lead(uow: UnitOfWork, c: m.QualifyLead) -> CommandResult:
    lead = uow.load(Lead, c.lead_id)
    lead.qualify(c.note, c.on or uow.today(), c.meta)
    return uow.commit(lead)


def disqualify_lead(uow: UnitOfWork, c: m.DisqualifyLead) -> CommandResult:
    lead = uow.load(Lead, c.lead_id)
    lead.disqualify(c.reason, c.on or uow.today(), c.meta)
    return uow.commit(lead)


def convert_lead(uow: UnitOfWork, c: m.ConvertLead) -> CommandResult:
    """Lead -> customer (new or existing) + contact + deal, in one atomic save."""
    lead = uow.load(Lead, c.lead_id)
    on = c.on or uow.today()
    if c.customer_id is not None:
        customer = _active_customer(uow, c.customer_id)
    else:
        uow.ensure_new(c.new_customer_id, "customer")
        name = lead.company or lead.name
        currency = c.currency or functional_currency(uow)
        customer = Customer.register(c.new_customer_id, name, c.payment_terms_days, currency, on, c.meta)
        customer.assign_owner(lead.owner, on, c.meta)
    customer.add_contact(make_contact(c.contact_id, lead.name, lead.email, lead.phone, c.contact_role), on, c.meta)
    deal = None
    pipeline = None
    if c.deal is not None:
        pipeline = _pipeline(uow, on, c.meta)
        deal = _new_deal(uow, c.deal_id, customer, c.deal, lead.source, lead.id, pipeline, on, c.meta)
    lead.convert(customer.id, c.contact_id, deal.id if deal else None, on, c.meta)
    new_pipeline = pipeline if pipeline is not None and pipeline.pending_events else None
    return uow.commit(lead, customer, deal, new_pipeline)


# -- customers -------------------------------------------------------------------


def _active_customer(uow: UnitOfWork, customer_id: UUID) -> Customer:
    customer = uow.load(Customer, customer_id)
    customer.check_active()
    return customer


def assign_owner(uow: UnitOfWork, c: m.AssignCustomerOwner) -> CommandResult:
    customer = _active_customer(uow, c.customer_id)
    customer.assign_owner(c.owner, c.on or uow.today(), c.meta)
    return uow.commit(customer)


def add_contact(uow: UnitOfWork, c: m.AddContact) -> CommandResult:
    customer = _active_customer(uow, c.customer_id)
    contact = make_contact(c.contact_id, c.name, c.email, c.phone, c.role)
    customer.add_contact(contact, c.on or uow.today(), c.meta)
    return uow.commit(customer)


def remove_contact(uow: UnitOfWork, c: m.RemoveContact) -> CommandResult:
    customer = _active_customer(uow, c.customer_id)
    customer.remove_contact(c.contact_id, c.on or uow.today(), c.meta)
    return uow.commit(customer)


def merge_customers(uow: UnitOfWork, c: m.MergeCustomers) -> CommandResult:
    source = uow.load(Customer, c.source_id)
    target = uow.load(Customer, c.target_id)
    source.merge_into(target, c.on or uow.today(), c.meta)
    return uow.commit(target, source)


# -- deals ---------------------------------------------------------------------


def _services(inputs: tuple[m.ServiceInput, ...]) -> list[ServiceLine]:
    services = []
    for s in inputs:
        quantity, price = to_decimal(s.quantity), to_decimal(s.unit_price)
        if not s.description.strip() or quantity <= 0 or price < 0:
            raise InvalidValue("a service needs a description, a positive quantity and a price of zero or more")
        services.append(ServiceLine(s.description.strip(), quantity, price))
    return services


def _new_deal(
    uow: UnitOfWork,
    deal_id: UUID,
    customer: Customer,
    d: m.DealInput,
    source: str,
    lead_id: UUID | None,
    pipeline: Pipeline,
    on: date,
    meta: Meta,
) -> Deal:
    uow.ensure_new(deal_id, "deal")
    currency = d.currency or customer.currency
    services = _services(d.services)
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


def open_deal(uow: UnitOfWork, c: m.OpenDeal) -> CommandResult:
    customer = _active_customer(uow, c.customer_id)
    on = c.on or uow.today()
    pipeline = _pipeline(uow, on, c.meta)
    deal = _new_deal(uow, c.deal_id, customer, c.deal, c.source, None, pipeline, on, c.meta)
    return uow.commit(deal, pipeline if pipeline.pending_events else None)


def update_deal(uow: UnitOfWork, c: m.UpdateDeal) -> CommandResult:
    deal = uow.load(Deal, c.deal_id, c.expected_version)
    value = to_decimal(c.value) if c.value is not None else None
    services = _services(c.services) if c.services is not None else None
    deal.update(c.title, value, c.expected_close, c.owner, services, c.on or uow.today(), c.meta)
    return uow.commit(deal)


def move_deal(uow: UnitOfWork, c: m.MoveDeal) -> CommandResult:
    deal = uow.load(Deal, c.deal_id, c.expected_version)
    on = c.on or uow.today()
    pipeline = _pipeline(uow, on, c.meta)
    probability = to_decimal(c.probability) if c.probability is not None else None
    deal.move(pipeline.stage(c.stage), probability, on, c.meta)
    return uow.commit(deal, pipeline if pipeline.pending_events else None)


def win_deal(uow: UnitOfWork, c: m.WinDeal) -> CommandResult:
    """Won: the deal closes and, the first time, a project draft opens with the deal as cause."""
    deal = uow.load(Deal, c.deal_id, c.expected_version)
    on = c.on or uow.today()
    customer = uow.load(Customer, deal.customer_id)
    if customer.merged_into is not None:
        customer = uow.load(Customer, customer.merged_into)
    project_id = project_id_for_deal(deal.id)
    project = None
    if not uow.exists(project_id):
        value = deal.value.amount
        project = Project.draft_from_deal(
            deal.id, customer.id, deal.title, deal.services, Decimal(value), deal.value.currency, on, c.meta
        )
    deal.win(c.reason, project_id, on, c.meta)
    return uow.commit(deal, project)


def lose_deal(uow: UnitOfWork, c: m.LoseDeal) -> CommandResult:
    deal = uow.load(Deal, c.deal_id, c.expected_version)
    deal.lose(c.reason, c.on or uow.today(), c.meta)
    return uow.commit(deal)


def reopen_deal(uow: UnitOfWork, c: m.ReopenDeal) -> CommandResult:
    deal = uow.load(Deal, c.deal_id)
    on = c.on or uow.today()
    pipeline = _pipeline(uow, on, c.meta)
    stage = pipeline.stage(c.stage) if c.stage else pipeline.stages[-1]
    deal.reopen(stage, on, c.meta)
    return uow.commit(deal, pipeline if pipeline.pending_events else None)


# -- activities and follow-ups -----------------------------------------------------


def _check_about(uow: UnitOfWork, kind: str, about_id: UUID) -> None:
    kinds: dict[str, type[Any]] = {"lead": Lead, "deal": Deal, "customer": Customer}
    if kind not in kinds:
        raise InvalidValue(f"activities and follow-ups are about a lead, deal or customer, not {kind!r}")
    uow.load(kinds[kind], about_id, label=kind)


def log_activity(uow: UnitOfWork, c: m.LogActivity) -> CommandResult:
    uow.ensure_new(c.activity_id, "activity")
    _check_about(uow, c.about_kind, c.about_id)
    activity = Activity.log(
        c.activity_id, c.kind, c.about_kind, c.about_id, c.subject, c.body, c.on or uow.today(), c.meta
    )
    return uow.commit(activity)


def schedule_followup(uow: UnitOfWork, c: m.ScheduleFollowUp) -> CommandResult:
    uow.ensure_new(c.followup_id, "follow-up")
    _check_about(uow, c.about_kind, c.about_id)
    followup = FollowUp.schedule(
        c.followup_id, c.about_kind, c.about_id, c.owner, c.due, c.note, c.on or uow.today(), c.meta
    )
    return uow.commit(followup)


def _followup(uow: UnitOfWork, followup_id: UUID) -> FollowUp:
    return uow.load(FollowUp, followup_id, label="follow-up")


def reschedule_followup(uow: UnitOfWork, c: m.RescheduleFollowUp) -> CommandResult:
    followup = _followup(uow, c.followup_id)
    owner = c.owner or _current_owner(uow, followup)
    followup.reschedule(c.due, owner, c.on or uow.today(), c.meta)
    return uow.commit(followup)


def _current_owner(uow: UnitOfWork, followup: FollowUp) -> str:
    owner = ""
    for event in uow.events_of(followup.id):
        owner = getattr(event, "owner", owner)
    return owner


def complete_followup(uow: UnitOfWork, c: m.CompleteFollowUp) -> CommandResult:
    followup = _followup(uow, c.followup_id)
    followup.complete(c.outcome, c.on or uow.today(), c.meta)
    return uow.commit(followup)


def cancel_followup(uow: UnitOfWork, c: m.CancelFollowUp) -> CommandResult:
    followup = _followup(uow, c.followup_id)
    followup.cancel(c.reason, c.on or uow.today(), c.meta)
    return uow.commit(followup)


HANDLERS: Handlers = {
    m.ConfigurePipeline: configure_pipeline,
    m.CaptureLead: capture_lead,
    m.QualifyLead: qualify_lead,
    m.DisqualifyLead: disqualify_lead,
    m.ConvertLead: convert_lead,
    m.AssignCustomerOwner: assign_owner,
    m.AddContact: add_contact,
    m.RemoveContact: remove_contact,
    m.MergeCustomers: merge_customers,
    m.OpenDeal: open_deal,
    m.UpdateDeal: update_deal,
    m.MoveDeal: move_deal,
    m.WinDeal: win_deal,
    m.LoseDeal: lose_deal,
    m.ReopenDeal: reopen_deal,
    m.LogActivity: log_activity,
    m.ScheduleFollowUp: schedule_followup,
    m.RescheduleFollowUp: reschedule_followup,
    m.CompleteFollowUp: complete_followup,
    m.CancelFollowUp: cancel_followup,
}

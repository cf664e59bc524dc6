"""A firing's two halves: the trigger read back from the log (so a lagging or wrong read model
cannot make a rule act), and the effect applied to the aggregates it changes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from commands.rules import messages as m
from commands.sequences.handlers import enrollment_for
from commands.sequences.messages import EnrollInSequence
from commands.unit_of_work import UnitOfWork
from ledger.activities import FollowUp
from ledger.crm import DEFAULT_STAGES, OPEN, PIPELINE_ID, Deal, Pipeline, Stage
from ledger.customer import Customer
from ledger.enrollments import MailAddress, address_id
from ledger.errors import InvalidTransition, InvalidValue, NotFound
from ledger.events import KeelAggregate, Meta
from ledger.leads import Lead
from ledger.outbox import Message, cause_id
from ledger.reminders import ReminderSettings, settings_id
from ledger.sales_rule_book import SalesRules
from ledger.sales_rules import (
    ASSIGN_OWNER,
    CHANGE_PROBABILITY,
    CREATE_FOLLOWUP,
    DEAL_IDLE,
    ENTERED_STAGE,
    FOLLOWUP_OVERDUE,
    KIND,
    LEAD_CAPTURED,
    MOVE_STAGE,
    START_SEQUENCE,
    Effect,
    RuleSpec,
    Trigger,
    effect_id,
    firing_id,
    followup_about,
    parse_cause,
)

ENTRIES = (Deal.Opened, Deal.StageMoved, Deal.Reopened)


def _latest(uow: UnitOfWork, aggregate_id: UUID, name: str) -> Any:
    """The last value an aggregate's events gave ``name`` (state its aggregate does not keep)."""
    value = None
    for event in uow.events_of(aggregate_id):
        value = getattr(event, name, value)
    return value


def _first_date(uow: UnitOfWork, aggregate_id: UUID) -> date:
    first = next(iter(uow.events_of(aggregate_id)))
    return first.effective_date  # type: ignore[attr-defined, no-any-return]


def read_trigger(uow: UnitOfWork, spec: RuleSpec, cause: str) -> Trigger:
    """The trigger ``cause`` names, as the log has it; InvalidValue or InvalidTransition when the log
    does not bear it out (nothing is then recorded)."""
    subject, detail = parse_cause(spec.trigger, cause)
    if spec.trigger == LEAD_CAPTURED:
        lead = uow.load(Lead, subject, label="lead")
        if spec.source and lead.source.casefold() != spec.source.casefold():
            raise InvalidValue(f"cause: the lead came from {lead.source!r}, not {spec.source!r}")
        return Trigger(cause, "lead", subject, _first_date(uow, subject), lead.owner, title=lead.name)
    if spec.trigger == FOLLOWUP_OVERDUE:
        assert isinstance(detail, date)
        followup = uow.load(FollowUp, subject, label="follow-up")
        if followup.status != "open" or _latest(uow, subject, "due") != detail:
            raise InvalidTransition(f"cause: the follow-up is {followup.status} or no longer due on {detail}")
        scheduled = next(iter(uow.events_of(subject)))
        return Trigger(
            cause,
            "followup",
            subject,
            detail + timedelta(days=spec.days + 1),
            str(_latest(uow, subject, "owner")),
            about_kind=str(scheduled.about_kind),  # type: ignore[attr-defined]
            about_id=scheduled.about_id,  # type: ignore[attr-defined]
            title=str(scheduled.note),  # type: ignore[attr-defined]
        )
    deal = uow.load(Deal, subject, label="deal")
    if spec.trigger == DEAL_IDLE:
        assert isinstance(detail, date)
        if deal.status != OPEN:
            raise InvalidTransition(f"cause: the deal is {deal.status}, not idle")
        return Trigger(cause, "deal", subject, detail + timedelta(days=spec.days), deal.owner, title=deal.title)
    assert spec.trigger == ENTERED_STAGE and isinstance(detail, int)
    page = uow.read_log(detail - 1, 1) if detail > 0 else []
    event = page[0][1] if page and page[0][0] == detail else None
    if not isinstance(event, ENTRIES) or event.originator_id != subject or event.stage != spec.stage:
        raise InvalidValue(f"cause: no entry of deal {subject} into {spec.stage} at position {detail}")
    return Trigger(cause, "deal", subject, event.effective_date, deal.owner, title=deal.title)


def _stage(uow: UnitOfWork, key: str) -> Stage:
    try:
        return uow.load(Pipeline, PIPELINE_ID, label="pipeline").stage(key)
    except NotFound:
        return next(s for s in DEFAULT_STAGES if s.key == key)


def _address(uow: UnitOfWork, owner: str) -> str:
    """The owner's e-mail: the staff address an administrator set for reminders (``keel reminders
    address``), never the owner field itself (anyone who may change a deal could aim it outside)."""
    address = uow.load(ReminderSettings, settings_id()).address_of(owner) if uow.exists(settings_id()) else ""
    if not address:
        raise NotFound(f"no e-mail address is set for {owner[:60]!r} (keel reminders address)")
    return address


def act(
    uow: UnitOfWork,
    book: SalesRules,
    rule_id: UUID,
    spec: RuleSpec,
    trigger: Trigger,
    effect: Effect,
    c: m.FireSalesRule,
    meta: Meta,
) -> tuple[UUID | None, list[KeelAggregate]]:
    """Apply ``effect``: the id of the record it made (if one) and the aggregates it changed. A
    DomainError means the rule cannot act for this cause (the caller records it as skipped)."""
    fid = firing_id(rule_id, trigger.cause)
    if trigger.subject_kind == "deal":  # closed since the trigger: the rule has nothing to do
        status = uow.load(Deal, trigger.subject_id, label="deal").status
        if status != OPEN:
            raise InvalidTransition(f"the deal is {status}")
    if effect.action == START_SEQUENCE:
        return _enrol(uow, spec, trigger, meta)
    if effect.action == CREATE_FOLLOWUP:
        assert effect.due is not None
        about_kind, about_id = followup_about(trigger)
        made = effect_id(fid, "followup")
        followup = FollowUp.schedule(
            made, about_kind, about_id, effect.owner, effect.due, effect.note, trigger.on, meta
        )
        return made, [followup]
    if effect.action == ASSIGN_OWNER:
        book.take_turn(rule_id, effect.owner, trigger.cause, trigger.on, meta)
        if trigger.owner.casefold() == effect.owner.casefold():
            return None, [book]  # the turn is taken; the subject keeps its owner
        if trigger.subject_kind == "lead":
            lead = uow.load(Lead, trigger.subject_id, label="lead")
            lead.reassign(effect.owner, trigger.on, meta)
            return None, [book, lead]
        deal = uow.load(Deal, trigger.subject_id, label="deal")
        expected_close = _latest(uow, deal.id, "expected_close")
        deal.update(None, None, expected_close, effect.owner, None, trigger.on, meta)
        return None, [book, deal]
    if effect.action in (CHANGE_PROBABILITY, MOVE_STAGE):
        deal = uow.load(Deal, trigger.subject_id, label="deal")
        if effect.action == MOVE_STAGE and deal.stage == effect.stage:
            raise InvalidTransition(f"the deal is in {effect.stage} already")
        stage = _stage(uow, effect.stage or deal.stage)
        deal.move(stage, effect.probability, trigger.on, meta)
        return None, [deal]
    to = _address(uow, effect.owner)
    subject = f"{spec.name}: {trigger.title}"[:200] if trigger.title else spec.name
    body = f"{effect.note}\n\n{trigger.subject_kind} {trigger.subject_id}, {trigger.on}: {spec.describe()}.\n"
    message = Message.queue(KIND, f"{rule_id}/{trigger.cause}", to, subject, body[:10_000], "", c.at, meta)
    if uow.exists(cause_id(KIND, f"{rule_id}/{trigger.cause}")):
        raise InvalidTransition("the notification was queued before")
    return message.id, [message]


def _enrol(uow: UnitOfWork, spec: RuleSpec, trigger: Trigger, meta: Meta) -> tuple[UUID | None, list[KeelAggregate]]:
    """The lead, or the deal's customer's first contact with an address (by name), enrolled; the
    deal's change of stage stops it."""
    sequence, cause = UUID(spec.sequence_id), f"rule {spec.name}"[:200]
    if trigger.subject_kind == "lead":
        command = EnrollInSequence(
            meta=meta, on=trigger.on, sequence_id=sequence, lead_id=trigger.subject_id, cause=cause
        )
    else:
        deal = uow.load(Deal, trigger.subject_id, label="deal")
        customer = uow.load(Customer, deal.customer_id, label="customer")
        reachable = sorted(
            (c for c in customer.contacts.values() if c.email and not _suppressed(uow, c.email)),
            key=lambda c: (c.name, str(c.contact_id)),
        )
        if not reachable:
            raise NotFound(f"{customer.name} has no contact with an e-mail address that may be written to")
        command = EnrollInSequence(
            meta=meta, on=trigger.on, sequence_id=sequence, customer_id=customer.id,
            contact_id=reachable[0].contact_id, deal_id=deal.id, cause=cause,
        )  # fmt: skip
    enrollment = enrollment_for(uow, command)
    return enrollment.id, [enrollment]


def _suppressed(uow: UnitOfWork, email: str) -> bool:
    aid = address_id(email)
    return uow.exists(aid) and uow.load(MailAddress, aid).unsubscribed

"""E-mail sequences (ADR 0068): defined, changed, retired; a lead or a contact enrolled (refused
for a person without an address or one who unsubscribed); each step queued in the outbox once, or
the enrollment stopped for the reason the log gives (a reply, an unsubscribe, the deal's new stage,
the sequence retired); replies and unsubscribes recorded per address."""

from __future__ import annotations

import hmac
from datetime import date, timedelta

from commands.sequences import messages as m
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.crm import OPEN, Deal
from ledger.customer import Customer
from ledger.email_sequences import EmailSequence, SequenceStep, render
from ledger.enrollments import KIND, Enrollment, MailAddress, address_id, enrollment_id, step_cause
from ledger.errors import InvalidTransition, InvalidValue, NotFound
from ledger.events import Meta
from ledger.inbound_mail import InboundMessage, inbound_id
from ledger.leads import Lead
from ledger.outbox import Message, cause_id

FOOTER = "\n\n--\nTo receive no more of these messages: {url}\n"


def _steps(steps: tuple[m.StepInput, ...]) -> list[SequenceStep]:
    return [SequenceStep(s.day, s.subject, s.body) for s in steps]


def define_sequence(uow: UnitOfWork, c: m.DefineSequence) -> CommandResult:
    uow.ensure_new(c.sequence_id, "sequence")
    return uow.commit(EmailSequence.define(c.sequence_id, c.name, _steps(c.steps), c.on or uow.today(), c.meta))


def change_sequence_steps(uow: UnitOfWork, c: m.ChangeSequenceSteps) -> CommandResult:
    sequence = uow.load(EmailSequence, c.sequence_id, label="sequence")
    sequence.change_steps(_steps(c.steps), c.on or uow.today(), c.meta)
    return uow.commit(sequence)


def retire_sequence(uow: UnitOfWork, c: m.RetireSequence) -> CommandResult:
    sequence = uow.load(EmailSequence, c.sequence_id, label="sequence")
    sequence.retire(c.reason, c.on or uow.today(), c.meta)
    return uow.commit(sequence)


def _address(uow: UnitOfWork, email: str, meta: Meta, on: date) -> MailAddress:
    aid = address_id(email)
    if uow.exists(aid):
        return uow.load(MailAddress, aid, label="address")
    return MailAddress.open(email, on, meta)


def enroll(uow: UnitOfWork, c: m.EnrollInSequence) -> CommandResult:
    return uow.commit(enrollment_for(uow, c))


def enrollment_for(uow: UnitOfWork, c: m.EnrollInSequence) -> Enrollment:
    """The enrollment ``c`` asks for (not saved: a rule's firing saves it with its own record)."""
    on = c.on or uow.today()
    sequence = uow.load(EmailSequence, c.sequence_id, label="sequence")
    if sequence.retired:
        raise InvalidTransition(f"the sequence {sequence.name!r} is retired: no one is enrolled in it")
    if (c.lead_id is None) == (c.contact_id is None) or (c.contact_id is not None and c.customer_id is None):
        raise InvalidValue("lead_id: enrol a lead, or a customer's contact (customer_id and contact_id)")
    if c.lead_id is not None:
        lead = uow.load(Lead, c.lead_id, label="lead")
        if lead.status == "disqualified":
            raise InvalidTransition(f"the lead {lead.name!r} is disqualified")
        kind, person, customer_id = "lead", lead.id, None
        email, name, company, owner = lead.email, lead.name, lead.company, lead.owner
    else:
        assert c.customer_id is not None and c.contact_id is not None
        customer = uow.load(Customer, c.customer_id, label="customer")
        contact = customer.contacts.get(c.contact_id)
        if contact is None:
            raise NotFound(f"contact {c.contact_id} not found at {customer.name}")
        kind, person, customer_id = "contact", contact.contact_id, customer.id
        email, name, company, owner = contact.email, contact.name, customer.name, customer.owner
    if not email:
        raise InvalidValue(f"email: {name} has no e-mail address")
    if uow.exists(address_id(email)) and uow.load(MailAddress, address_id(email)).unsubscribed:
        raise InvalidTransition(f"email: {email} unsubscribed (on the suppression list): it is not enrolled")
    uow.ensure_new(enrollment_id(c.sequence_id, email), f"the enrollment of {email} in {sequence.name!r}")
    deal = None
    if c.deal_id is not None:
        found = uow.load(Deal, c.deal_id, label="deal")
        if found.status != OPEN:
            raise InvalidTransition(f"the deal {found.title!r} is {found.status}")
        deal = (found.id, found.stage)
    personal = {"first_name": name.split()[0] if name.split() else "", "name": name, "company": company}
    return Enrollment.start(
        c.sequence_id, kind, person, customer_id, email, {**personal, "owner": owner}, deal, c.cause, on, c.meta
    )


def stop_enrollment(uow: UnitOfWork, c: m.StopEnrollment) -> CommandResult:
    enrollment = uow.load(Enrollment, c.enrollment_id, label="enrollment")
    enrollment.stop("manual", c.detail, c.on or uow.today(), c.meta)
    return uow.commit(enrollment)


def send_step(uow: UnitOfWork, c: m.SendSequenceStep) -> CommandResult:
    """Queue step ``c.step`` of the enrollment, or stop it for the reason the log gives."""
    enrollment = uow.load(Enrollment, c.enrollment_id, label="enrollment")
    if enrollment.stopped or c.step != enrollment.sent:
        raise InvalidTransition(f"step {c.step + 1} is not due: {enrollment.stopped or f'{enrollment.sent} sent'}")
    uow.ensure_new(cause_id(KIND, step_cause(enrollment.id, c.step)), f"step {c.step + 1} of {enrollment.id}")
    sequence = uow.load(EmailSequence, enrollment.sequence_id, label="sequence")
    if c.step >= len(sequence.steps):
        raise InvalidTransition("every step was sent")
    why = _stop_reason(uow, enrollment, sequence)
    if why is not None:
        enrollment.stop(*why, max(c.as_of, enrollment.started_on), c.meta)
        return uow.commit(enrollment)
    step = sequence.steps[c.step]
    if enrollment.started_on + timedelta(days=step.day) > c.as_of:
        raise InvalidTransition(f"step {c.step + 1} is due on {enrollment.started_on + timedelta(days=step.day)}")
    started = next(iter(uow.events_of(enrollment.id)))
    url = f"{c.base_url.rstrip('/')}/unsubscribe/{enrollment.id}/{started.unsubscribe_secret}"  # type: ignore[attr-defined]
    values = {f: str(getattr(started, f)) for f in ("first_name", "name", "company", "owner")} | {
        "unsubscribe_url": url
    }
    subject = " ".join(render(step.subject, values).split())[:500]
    body = (render(step.body, values) + FOOTER.format(url=url))[:10_000]
    message = Message.queue(KIND, step_cause(enrollment.id, c.step), enrollment.email, subject, body, url, c.at, c.meta)
    enrollment.queued(c.step, message.id, c.as_of, c.meta)
    return uow.commit(enrollment, message)


def _stop_reason(uow: UnitOfWork, enrollment: Enrollment, sequence: EmailSequence) -> tuple[str, str] | None:
    if sequence.retired:
        return "retired", f"the sequence {sequence.name!r} was retired"
    aid = address_id(enrollment.email)
    if uow.exists(aid):
        address = uow.load(MailAddress, aid)
        if address.unsubscribed:
            return "unsubscribed", f"{enrollment.email} unsubscribed"
        if address.last_reply is not None and address.last_reply.date() >= enrollment.started_on:
            return "replied", f"{enrollment.email} replied on {address.last_reply.date()}"
    if enrollment.deal_id is not None:
        deal = uow.load(Deal, enrollment.deal_id, label="deal")
        if deal.stage != enrollment.deal_stage:
            return "stage_changed", f"the deal moved from {enrollment.deal_stage} to {deal.stage}"
    return None


def record_inbound(uow: UnitOfWork, c: m.RecordInboundMessage) -> CommandResult:
    uow.ensure_new(inbound_id(c.message_id), f"the inbound message {c.message_id[:80]}")
    inbound = InboundMessage.receive(
        c.from_address, c.subject, c.message_id, c.in_reply_to, c.received_at, c.source, c.meta
    )
    address = _address(uow, inbound.from_address, c.meta, c.received_at.date())
    address.replied(inbound.id, c.received_at, c.meta)
    return uow.commit(inbound, address)


def unsubscribe(uow: UnitOfWork, c: m.Unsubscribe) -> CommandResult:
    address = _address(uow, c.email, c.meta, c.on or uow.today())
    if not address.unsubscribe(c.source, c.reason, c.on or uow.today(), c.meta) and not address.pending_events:
        return CommandResult(id=address.id, version=address.version, position=0)  # so already
    return uow.commit(address)


def unsubscribe_by_link(uow: UnitOfWork, c: m.UnsubscribeByLink) -> CommandResult:
    """The link in every step: the enrollment's secret names the address; a wrong one is NotFound."""
    try:
        started = next(iter(uow.events_of(c.enrollment_id)))
    except StopIteration:
        raise NotFound("no such unsubscribe link") from None
    if not isinstance(started, Enrollment.Started) or not hmac.compare_digest(started.unsubscribe_secret, c.secret):
        raise NotFound("no such unsubscribe link")
    return unsubscribe(uow, m.Unsubscribe(meta=c.meta, on=c.on, email=started.email, source="link"))


def resubscribe(uow: UnitOfWork, c: m.Resubscribe) -> CommandResult:
    address = uow.load(MailAddress, address_id(c.email), label="address")
    address.resubscribe(c.reason, c.on or uow.today(), c.meta)
    return uow.commit(address)


HANDLERS: Handlers = {
    m.DefineSequence: define_sequence,
    m.ChangeSequenceSteps: change_sequence_steps,
    m.RetireSequence: retire_sequence,
    m.EnrollInSequence: enroll,
    m.StopEnrollment: stop_enrollment,
    m.SendSequenceStep: send_step,
    m.RecordInboundMessage: record_inbound,
    m.Unsubscribe: unsubscribe,
    m.UnsubscribeByLink: unsubscribe_by_link,
    m.Resubscribe: resubscribe,
}

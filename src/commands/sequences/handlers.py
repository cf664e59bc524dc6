"""E-mail sequences (ADR 0068): defined, changed, retired; a lead or a contact enrolled (refused
for a person without an address or one who unsubscribed); each step queued in the outbox once, or
the enrollment stopped for the reason the log gives (a reply, an unsubscribe, the deal's new stage,
the sequence retired); replies and unsubscribes recorded per address."""

from __future__ import annotations

import hmac
from datetime import date, timedelta
from uuid import UUID

from commands.sequences import messages as m
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.crm import OPEN, Deal
from ledger.customer import Customer
from ledger.email_sequences import UNSUBSCRIBE_URL, EmailSequence, SequenceStep, render
from ledger.enrollments import KIND, Enrollment, MailAddress, address_id, enrollment_id, normal_address, step_cause
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
        if lead.status in ("disqualified", "converted"):
            raise InvalidTransition(f"lead_id: the lead {lead.name!r} is {lead.status}")
        if c.deal_id is not None:
            raise InvalidValue("deal_id: a deal stops a contact's sequence; a lead has none")
        kind, person, customer_id, field = "lead", lead.id, None, "lead_id"
        email, name, company, owner = lead.email, lead.name, lead.company, lead.owner
    else:
        assert c.customer_id is not None and c.contact_id is not None
        customer = uow.load(Customer, c.customer_id, label="customer")
        contact = customer.contacts.get(c.contact_id)
        if contact is None:
            raise NotFound(f"contact {c.contact_id} not found at {customer.name}")
        kind, person, customer_id, field = "contact", contact.contact_id, customer.id, "contact_id"
        email, name, company, owner = contact.email, contact.name, customer.name, customer.owner
    if not email:
        raise InvalidValue(f"{field}: {name} has no e-mail address")
    if uow.exists(address_id(email)) and uow.load(MailAddress, address_id(email)).unsubscribed:
        raise InvalidTransition(f"{field}: {email} unsubscribed (on the suppression list): it is not enrolled")
    uow.ensure_new(enrollment_id(c.sequence_id, email), f"the enrollment of {email} in {sequence.name!r}")
    deal = None
    if c.deal_id is not None:
        found = uow.load(Deal, c.deal_id, label="deal")
        if found.customer_id != customer_id:
            raise InvalidValue(f"deal_id: the deal {found.title!r} is not this customer's")
        if found.status != OPEN:
            raise InvalidTransition(f"deal_id: the deal {found.title!r} is {found.status}")
        deal = (found.id, found.version, found.stage)
    personal = {"first_name": name.split()[0] if name.split() else "", "name": name, "company": company}
    return Enrollment.start(
        (sequence.id, sequence.version), kind, person, customer_id, email, {**personal, "owner": owner}, deal,
        c.cause, on, c.meta,
    )  # fmt: skip


def stop_enrollment(uow: UnitOfWork, c: m.StopEnrollment) -> CommandResult:
    enrollment = uow.load(Enrollment, c.enrollment_id, label="enrollment")
    enrollment.stop("manual", c.detail, c.on or uow.today(), c.meta)
    return uow.commit(enrollment)


def steps_of(uow: UnitOfWork, enrollment: Enrollment) -> tuple[EmailSequence, list[SequenceStep]]:
    """The sequence, and its steps as they were when the person was enrolled (a later change is for
    later enrollments: a step is never sent twice or out of turn because the steps moved)."""
    sequence = uow.load(EmailSequence, enrollment.sequence_id, label="sequence")
    steps: list[SequenceStep] = []
    for event in uow.events_of(sequence.id):
        if event.originator_version > enrollment.sequence_version:
            break
        steps = list(getattr(event, "steps", steps))
    return sequence, steps


def due_on(enrollment: Enrollment, steps: list[SequenceStep], step: int) -> date:
    """Its day after enrolling, and never sooner after the step before than the steps' own gap (an
    enrollment dated in the past sends its steps spaced out, not in a burst)."""
    due = enrollment.started_on + timedelta(days=steps[step].day)
    if step > 0 and enrollment.last_queued_on is not None:
        due = max(due, enrollment.last_queued_on + timedelta(days=steps[step].day - steps[step - 1].day))
    return due


def send_step(uow: UnitOfWork, c: m.SendSequenceStep) -> CommandResult:
    """Queue step ``c.step`` of the enrollment, or stop it for the reason the log gives."""
    enrollment = uow.load(Enrollment, c.enrollment_id, label="enrollment")
    if enrollment.stopped or c.step != enrollment.sent:
        raise InvalidTransition(f"step {c.step + 1} is not due: {enrollment.stopped or f'{enrollment.sent} sent'}")
    uow.ensure_new(cause_id(KIND, step_cause(enrollment.id, c.step)), f"step {c.step + 1} of {enrollment.id}")
    sequence, steps = steps_of(uow, enrollment)
    if c.step >= len(steps):
        raise InvalidTransition("every step was sent")
    why = stop_reason(uow, enrollment, sequence)
    if why is not None:
        enrollment.stop(*why, max(c.as_of, enrollment.started_on), c.meta)
        return uow.commit(enrollment)
    if due_on(enrollment, steps, c.step) > c.as_of:
        raise InvalidTransition(f"step {c.step + 1} is due on {due_on(enrollment, steps, c.step)}")
    step = steps[c.step]
    started = next(iter(uow.events_of(enrollment.id)))
    # The link stays a placeholder in the log (its secret would be there for every reader of the
    # messages): the outbox puts it in when it sends (api.worker.mail), from the enrollment.
    values = {f: str(getattr(started, f)) for f in ("first_name", "name", "company", "owner")}
    values["unsubscribe_url"] = UNSUBSCRIBE_URL
    subject = " ".join(render(step.subject, values).split())[:500]
    footer = FOOTER.format(url=UNSUBSCRIBE_URL)
    body = render(step.body, values)[: 10_000 - len(footer)] + footer  # the link is never cut off
    cause, reference = step_cause(enrollment.id, c.step), str(enrollment.id)
    message = Message.queue(KIND, cause, enrollment.email, subject, body, reference, c.at, c.meta)
    enrollment.queued(c.step, message.id, c.as_of, c.meta)
    return uow.commit(enrollment, message)


def vet_step(uow: UnitOfWork, c: m.VetSequenceStep) -> CommandResult:
    """Just before the outbox sends a step: withdrawn (and the enrollment stopped) if the log now
    says stop — a reply or an unsubscribe recorded after it was queued. Position 0: send it."""
    message = uow.load(Message, c.message_id, label="message")
    enrollment = uow.load(Enrollment, UUID(message.cause.partition("#")[0]), label="enrollment")
    sequence = uow.load(EmailSequence, enrollment.sequence_id, label="sequence")
    why = ("manual", f"stopped: {enrollment.stopped}") if enrollment.stopped else stop_reason(uow, enrollment, sequence)
    if why is None:
        return CommandResult(id=message.id, version=message.version, position=0)
    message.withdraw(why[1], c.at, c.meta)
    if not enrollment.stopped:
        enrollment.stop(*why, max(c.at.date(), enrollment.started_on), c.meta)
        return uow.commit(message, enrollment)
    return uow.commit(message)


def stop_reason(uow: UnitOfWork, enrollment: Enrollment, sequence: EmailSequence) -> tuple[str, str] | None:
    """Why the enrollment must stop, from the log: retired, unsubscribed, a reply since it was
    recorded, its lead disqualified or converted, its deal's stage changed since it was enrolled."""
    if sequence.retired:
        return "retired", f"the sequence {sequence.name!r} was retired"
    aid = address_id(enrollment.email)
    if uow.exists(aid):
        address = uow.load(MailAddress, aid)
        if address.unsubscribed:
            return "unsubscribed", f"{enrollment.email} unsubscribed"
        reply = address.last_reply
        # after the day it was enrolled, or that day once it was recorded (not a morning's message
        # before an afternoon's enrollment)
        if reply is not None and (reply.date() > enrollment.started_on or reply >= enrollment.created_on):
            return "replied", f"{enrollment.email} replied on {reply.date()}"
    if enrollment.person_kind == "lead":
        lead = uow.load(Lead, enrollment.person_id, label="lead")
        if lead.status in ("disqualified", "converted"):
            return "lead_closed", f"the lead was {lead.status}"
    if enrollment.deal_id is not None and enrollment.deal_version is not None:
        for event in uow.events_of(enrollment.deal_id):
            moved = isinstance(event, Deal.StageMoved | Deal.Won | Deal.Lost | Deal.Reopened)
            if event.originator_version > enrollment.deal_version and moved:
                stage = getattr(event, "stage", type(event).__name__.lower())
                return "stage_changed", f"the deal moved to {stage} on {event.effective_date}"  # type: ignore[attr-defined]
    return None


def record_inbound(uow: UnitOfWork, c: m.RecordInboundMessage) -> CommandResult:
    if c.received_at.date() > uow.today() + timedelta(days=1):
        raise InvalidValue(f"received_at: {c.received_at.isoformat()} is in the future")
    uow.ensure_new(
        inbound_id(normal_address(c.from_address, "from_address"), c.message_id),
        f"the inbound message {c.message_id[:80]}",
    )
    inbound = InboundMessage.receive(
        c.from_address, c.subject, c.message_id, c.in_reply_to, c.received_at, c.source, c.meta
    )
    address = _address(uow, inbound.from_address, c.meta, c.received_at.date())
    address.replied(inbound.id, c.received_at, c.meta)
    return uow.commit(inbound, address)


def unsubscribe(uow: UnitOfWork, c: m.Unsubscribe) -> CommandResult:
    address = _address(uow, c.email, c.meta, c.on or uow.today())
    done = address.unsubscribe(c.source, c.reason, c.enrollment_id, c.on or uow.today(), c.meta)
    if not done and not address.pending_events:
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
    link = m.Unsubscribe(meta=c.meta, on=c.on, email=started.email, source="link", enrollment_id=c.enrollment_id)
    return unsubscribe(uow, link)


def resubscribe(uow: UnitOfWork, c: m.Resubscribe) -> CommandResult:
    if not uow.exists(address_id(c.email)):
        raise NotFound(f"email: {c.email.strip()[:80]} is not on the suppression list")
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
    m.VetSequenceStep: vet_step,
    m.RecordInboundMessage: record_inbound,
    m.Unsubscribe: unsubscribe,
    m.UnsubscribeByLink: unsubscribe_by_link,
    m.Resubscribe: resubscribe,
}

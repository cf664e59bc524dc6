"""Stored events are contracts: the automation contexts' (ADR 0067, 0068) v1 forms, read back
through the application's mapper — sales rules and their firings, a lead reassigned, e-mail
sequences, enrollments, mail addresses, inbound messages and a withdrawn message."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from stored_forms import decode

from commands.application import KeelApplication

OTHER = "00000000000000000000000000000002"


@pytest.fixture(scope="module")
def app() -> KeelApplication:
    return KeelApplication("memory://")


def test_sales_rule_events_v1_read(app: KeelApplication) -> None:
    """A rule's definition, pause, resume, turn and removal, and a firing fired and skipped (ADR 0067)."""
    from ledger.leads import Lead
    from ledger.rule_firings import RuleFiring
    from ledger.sales_rule_book import SalesRules

    rule = f'"rule_id":{{"_type_":"uuid_hex","_data_":"{OTHER}"}}'
    created = decode(app, "keel.salesrules.Created.v1", 1, '"originator_topic":"keel.SalesRules"')
    set_rule = decode(
        app,
        "keel.salesrules.RuleSet.v1",
        2,
        f'{rule},"name":"Web leads","trigger":"lead_created","action":"assign_owner","stage":"","source":"web",'
        '"days":0,"in_days":0,"note":"","team":["carol","dave"],"probability":null,"target_stage":"",'
        '"sequence_id":null',
    )
    paused = decode(app, "keel.salesrules.RulePaused.v1", 3, f'{rule},"reason":"holiday"')
    resumed = decode(app, "keel.salesrules.RuleResumed.v1", 4, rule)
    turn = decode(app, "keel.salesrules.TurnTaken.v1", 5, f'{rule},"owner":"carol","cause":"lead:x"')
    removed = decode(app, "keel.salesrules.RuleRemoved.v1", 6, rule)
    book = created.mutate(None)  # type: ignore[attr-defined]
    assert isinstance(book, SalesRules)
    set_rule.mutate(book)  # type: ignore[attr-defined]
    assert book.spec(UUID(OTHER)).team == ("carol", "dave") and book.spec(UUID(OTHER)).source == "web"
    paused.mutate(book)  # type: ignore[attr-defined]
    assert book.paused(UUID(OTHER))
    resumed.mutate(book)  # type: ignore[attr-defined]
    turn.mutate(book)  # type: ignore[attr-defined]
    assert not book.paused(UUID(OTHER)) and book.turns(UUID(OTHER)) == 1
    removed.mutate(book)  # type: ignore[attr-defined]
    assert book.specs() == {} and book.exists(UUID(OTHER))  # a removed rule's id is not taken again

    common = (
        f'"originator_topic":"keel.RuleFiring",{rule},"rule_name":"Web leads","cause":"lead:x",'
        f'"subject_kind":"lead","subject_id":{{"_type_":"uuid_hex","_data_":"{OTHER}"}},"action":"assign_owner"'
    )
    fired = decode(app, "keel.rulefiring.Fired.v1", 1, f'{common},"summary":"assigned to carol","made":null')
    skipped = decode(app, "keel.rulefiring.Skipped.v1", 1, f'{common},"reason":"a converted lead keeps its owner"')
    assert isinstance(fired, RuleFiring.Fired) and fired.summary == "assigned to carol" and fired.made is None
    assert isinstance(skipped, RuleFiring.Skipped) and skipped.reason.startswith("a converted lead")
    assert fired.mutate(None).cause == "lead:x"  # type: ignore[attr-defined]

    reassigned = decode(app, "keel.lead.Reassigned.v1", 2, '"owner":"carol"')
    assert isinstance(reassigned, Lead.Reassigned) and reassigned.owner == "carol"


def test_email_sequence_events_v1_read(app: KeelApplication) -> None:
    """A sequence defined, changed, retired; an enrollment started, a step queued, stopped; an
    address's reply and unsubscribe; an inbound message (ADR 0068)."""
    from ledger.email_sequences import EmailSequence, SequenceStep
    from ledger.enrollments import Enrollment, MailAddress
    from ledger.inbound_mail import InboundMessage

    step = '{"_type_":"keel_sequence_step","_data_":{"day":3,"subject":"Hi {{ first_name }}","body":"Hello"}}'
    defined = decode(
        app,
        "keel.emailsequence.Defined.v1",
        1,
        f'"originator_topic":"keel.EmailSequence","name":"Nurture","steps":[{step}]',
    )
    changed = decode(app, "keel.emailsequence.StepsChanged.v1", 2, f'"steps":[{step},{step}]')
    retired = decode(app, "keel.emailsequence.Retired.v1", 3, '"reason":"done"')
    sequence = defined.mutate(None)  # type: ignore[attr-defined]
    assert isinstance(sequence, EmailSequence) and sequence.steps == [SequenceStep(3, "Hi {{ first_name }}", "Hello")]
    changed.mutate(sequence)  # type: ignore[attr-defined]
    retired.mutate(sequence)  # type: ignore[attr-defined]
    assert len(sequence.steps) == 2 and sequence.retired

    uid = f'{{"_type_":"uuid_hex","_data_":"{OTHER}"}}'
    started = decode(
        app,
        "keel.enrollment.Started.v1",
        1,
        f'"originator_topic":"keel.Enrollment","sequence_id":{uid},"sequence_version":2,"person_kind":"lead",'
        f'"person_id":{uid},'
        '"customer_id":null,"email":"lin@wu.example","first_name":"Lin","name":"Lin Wu","company":"Wu","owner":"al",'
        f'"deal_id":{uid},"deal_version":4,"deal_stage":"qualified","cause":"by hand",'
        f'"unsubscribe_secret":"{"a" * 32}"',
    )
    queued = decode(app, "keel.enrollment.StepQueued.v1", 2, f'"step":0,"message_id":{uid}')
    stopped = decode(app, "keel.enrollment.Stopped.v1", 3, '"reason":"replied","detail":"lin replied"')
    enrollment = started.mutate(None)  # type: ignore[attr-defined]
    assert isinstance(enrollment, Enrollment) and (enrollment.sequence_version, enrollment.deal_version) == (2, 4)
    queued.mutate(enrollment)  # type: ignore[attr-defined]
    stopped.mutate(enrollment)  # type: ignore[attr-defined]
    assert (enrollment.sent, enrollment.stopped) == (1, "replied")

    at = '{"_type_":"datetime_iso","_data_":"2026-10-02T09:00:00+00:00"}'
    opened = decode(
        app, "keel.mailaddress.Created.v1", 1, '"originator_topic":"keel.MailAddress","email":"lin@wu.example"'
    )
    replied = decode(app, "keel.mailaddress.Replied.v1", 2, f'"inbound_id":{uid},"received_at":{at}')
    gone = decode(app, "keel.mailaddress.Unsubscribed.v1", 3, f'"source":"link","reason":"","enrollment_id":{uid}')
    back = decode(app, "keel.mailaddress.Resubscribed.v1", 4, '"reason":"asked"')
    address = opened.mutate(None)  # type: ignore[attr-defined]
    assert isinstance(address, MailAddress)
    for event in (replied, gone):
        event.mutate(address)  # type: ignore[attr-defined]
    assert address.unsubscribed and address.last_reply == datetime(2026, 10, 2, 9, tzinfo=UTC)
    back.mutate(address)  # type: ignore[attr-defined]
    assert not address.unsubscribed

    inbound = decode(
        app,
        "keel.inbound.Received.v1",
        1,
        '"originator_topic":"keel.InboundMessage","from_address":"lin@wu.example","subject":"Re: Hi",'
        f'"message_id":"<r1@wu.example>","in_reply_to":"","received_at":{at},"source":"mailbox"',
    )
    assert isinstance(inbound, InboundMessage.Received) and inbound.mutate(None).from_address == "lin@wu.example"  # type: ignore[attr-defined]

    from ledger.outbox import WITHDRAWN, Message

    queued = decode(
        app, "keel.message.Queued.v1", 1,
        '"originator_topic":"keel.Message","kind":"sequence","cause":"x#0","to":"lin@wu.example","subject":"Hi",'
        '"body":"Hello","reference":"https://keel.example/unsubscribe/x/y"',
    )  # fmt: skip
    withdrawn = decode(app, "keel.message.Withdrawn.v1", 2, '"reason":"lin@wu.example unsubscribed"')
    message = queued.mutate(None)  # type: ignore[attr-defined]
    withdrawn.mutate(message)  # type: ignore[attr-defined]
    assert isinstance(message, Message) and message.status == WITHDRAWN and not message.due(datetime.now(UTC))

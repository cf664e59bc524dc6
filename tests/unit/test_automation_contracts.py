"""The stored forms of the worker's events (ADR 0041), and a customer snapshot from before billing
addresses: each reads as written."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import StoredEvent
from stored_forms import AGG, decode

from commands.application import KeelApplication
from ledger.customer import Customer
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import Meta
from ledger.outbox import DELIVERED, Message, cause_id, retry_after
from ledger.schedules import Schedule


@pytest.fixture(scope="module")
def app() -> KeelApplication:
    return KeelApplication("memory://")


def test_message_events_v1_read(app: KeelApplication) -> None:
    queued = decode(
        app,
        "keel.message.Queued.v1",
        1,
        '"originator_topic":"keel.Message","kind":"invoice-mail","cause":"c","to":"a@b.example",'
        '"subject":"Invoice 1","body":"Hello","reference":"r"',
    )
    assert isinstance(queued, Message.Queued)
    failed = decode(
        app,
        "keel.message.DeliveryFailed.v1",
        2,
        '"attempt":1,"reason":"refused","failed_at":{"_type_":"datetime_iso","_data_":"2026-03-01T10:00:00+00:00"},'
        '"next_attempt_at":{"_type_":"datetime_iso","_data_":"2026-03-01T10:00:30+00:00"}',
    )
    delivered = decode(
        app,
        "keel.message.Delivered.v1",
        3,
        '"attempt":2,"delivered_at":{"_type_":"datetime_iso","_data_":"2026-03-01T10:01:00+00:00"}',
    )
    message = delivered.mutate(failed.mutate(queued.mutate(None)))  # type: ignore[attr-defined]
    assert (message.status, message.attempts, message.last_error) == (DELIVERED, 2, "refused")


def test_schedule_and_billing_address_events_v1_read(app: KeelApplication) -> None:
    schedule = decode(
        app,
        "keel.schedule.Set.v1",
        1,
        '"originator_topic":"keel.Schedule","kind":"billing","cron":"0 6 1 * *","timezone":"Europe/Berlin",'
        '"enabled":true',
    )
    assert isinstance(schedule, Schedule.Set)
    assert isinstance(
        decode(app, "keel.schedule.Changed.v1", 2, '"cron":"* * * * *","timezone":"UTC","enabled":false'),
        Schedule.Changed,
    )
    email = decode(app, "keel.customer.BillingEmailSet.v1", 2, '"email":"ap@acme.example"')
    assert isinstance(email, Customer.BillingEmailSet) and email.email == "ap@acme.example"


def test_a_customer_snapshot_from_before_billing_addresses_reads_without_one(app: KeelApplication) -> None:
    customer = Customer.register(AGG, "Acme", 30, "EUR", date(2026, 2, 28), Meta(actor="alice"))
    stored = app.mapper.to_stored_event(Snapshot.take(customer))
    state = json.loads(stored.state)
    del state["state"]["billing_email"]
    state["state"]["class_version"] = 2  # as v2 wrote it
    old = StoredEvent(AGG, stored.originator_version, stored.topic, json.dumps(state).encode())
    restored = app.mapper.to_domain_event(old).mutate(None)
    assert isinstance(restored, Customer) and restored.billing_email == ""


def test_a_message_is_keyed_by_its_cause_and_takes_attempts_in_turn() -> None:
    now = datetime(2026, 10, 15, 9, tzinfo=UTC)
    message = Message.queue("invoice-mail", "inv-1", "a@b.example", "s", "b", "", now, Meta("w"))
    assert message.id == cause_id("invoice-mail", "inv-1") != cause_id("invoice-mail", "inv-2")
    assert message.message_id_header == f"<{message.id}@keel.outbox>"
    with pytest.raises(InvalidTransition, match="not its turn"):
        message.delivered(2, now, Meta("w"))
    message.failed(1, "Connection\nrefused", now, Meta("w"))
    assert message.last_error == "Connection refused" and not message.due(now)
    assert message.due(now + timedelta(seconds=30))
    message.delivered(2, now, Meta("w"))
    with pytest.raises(InvalidTransition, match="delivered already"):
        message.failed(3, "late", now, Meta("w"))
    assert [retry_after(n).total_seconds() for n in (1, 2, 3, 8, 30)] == [30, 60, 120, 3600, 3600]
    with pytest.raises(InvalidValue, match="to:"):
        Message.queue("k", "c", " ", "s", "b", "", now, Meta("w"))

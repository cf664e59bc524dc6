"""Webhooks' stored forms (ADR 0045) read as written; the public event form is stable (golden
forms), never carries a secret and names every event class once; signatures verify, and only
for the body they were made for."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stored_forms import AGG, decode
from webhook_support import verify

from api.worker.webhooks import sign
from commands.application import KeelApplication
from ledger.access import READ_AUDIT, READ_CRM, READ_EVENTS, READ_INVOICES, ApiKey
from ledger.customer import Customer
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import Meta
from ledger.invoice import Invoice
from ledger.topics import event_classes
from ledger.webhooks import DELIVERED, FAILING, WebhookDelivery, WebhookSubscription, check_patterns, check_url
from projections.public_events import public_event, public_type, visible

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ID = UUID("6a1f3c1e-0000-4000-8000-000000000001")
AT = datetime(2026, 10, 15, 9, 30, tzinfo=UTC)
META = Meta("alice", "c1", "c1")


@pytest.fixture(scope="module")
def app() -> KeelApplication:
    return KeelApplication("memory://")


def test_webhook_events_v1_read(app: KeelApplication) -> None:
    subscribed = decode(
        app,
        "keel.webhook.Subscribed.v1",
        1,
        f'"originator_topic":"keel.WebhookSubscription","url":"https://erp.example/in","events":["invoice.*"],'
        f'"secret":"{SECRET}","description":""',
    )
    disabled = decode(app, "keel.webhook.Disabled.v1", 2, '"reason":"10 failures","automatic":true')
    enabled = decode(app, "keel.webhook.Enabled.v1", 3, '"actor":"alice"')  # no fields of its own
    sub = enabled.mutate(disabled.mutate(subscribed.mutate(None)))  # type: ignore[attr-defined]
    assert (sub.url, sub.events, sub.secret, sub.enabled) == ("https://erp.example/in", ["invoice.*"], SECRET, True)

    when = '{"_type_":"datetime_iso","_data_":"2026-10-15T09:30:00+00:00"}'
    first = decode(
        app,
        "keel.webhookdelivery.FirstAttempted.v1",
        1,
        f'"originator_topic":"keel.WebhookDelivery","subscription_id":{{"_type_":"uuid_hex","_data_":"{AGG.hex}"}},'
        f'"position":7,"event_type":"invoice.issued","status_code":500,"reason":"HTTP 500","attempted_at":{when},'
        f'"next_attempt_at":{when}',
    )
    again = decode(
        app,
        "keel.webhookdelivery.Attempted.v1",
        2,
        f'"attempt":2,"status_code":200,"reason":"","attempted_at":{when},"next_attempt_at":null',
    )
    replay = decode(app, "keel.webhookdelivery.ReplayRequested.v1", 3, f'"requested_at":{when}')
    delivery = again.mutate(first.mutate(None))  # type: ignore[attr-defined]
    assert (delivery.status, delivery.attempts, delivery.position) == (DELIVERED, 2, 7)
    assert replay.mutate(delivery).due(AT)  # type: ignore[attr-defined]


def test_the_public_form_of_a_registered_customer_is_stable() -> None:
    (event,) = Customer.register(ID, "Acme Oy", 14, "EUR", date(2026, 10, 1), META).collect_events()
    assert public_event(42, AT, event) == {
        "id": "b4fe1ba4-7c8a-5c31-9abe-6606ca891ef0",
        "type": "customer.registered",
        "version": 1,
        "position": 42,
        "recorded_at": "2026-10-15T09:30:00+00:00",
        "effective_date": "2026-10-01",
        "aggregate": {"type": "customer", "id": str(ID)},
        "actor": "alice",
        "data": {"currency": "EUR", "name": "Acme Oy", "payment_terms_days": 14},
    }


def test_the_public_form_of_an_issued_invoice_has_amounts_as_strings() -> None:
    event = Invoice.Issued(
        originator_id=ID,
        originator_version=2,
        timestamp=AT,
        effective_date=date(2026, 10, 5),
        actor="alice",
        command_id="c2",
        correlation_id="c2",
        number="INV-2026-0001",
        due_date=date(2026, 10, 19),
        net=Decimal("950.00"),
        tax=Decimal("228.00"),
        rate=Decimal("1"),
        journal=[],
    )
    found = public_event(43, AT, event)
    assert found is not None
    assert (found["type"], found["version"], found["id"]) == ("invoice.issued", 1, found["id"])
    assert found["data"] == {
        "due_date": "2026-10-19",
        "journal": [],
        "net": "950.00",
        "number": "INV-2026-0001",
        "rate": "1",
        "tax": "228.00",
    }


def test_secrets_are_never_public() -> None:
    key = ApiKey.issue("0123456789ab", "erp", ["integration"], "f" * 64, date(2026, 10, 1), META)
    (issued,) = key.collect_events()
    found = public_event(1, AT, issued)
    assert found is not None and "secret_sha256" not in found["data"] and "f" * 64 not in str(found)
    sub = WebhookSubscription.subscribe(ID, "https://erp.example/in", ["*"], SECRET, "", date(2026, 10, 1), META)
    (subscribed,) = sub.collect_events()
    assert public_event(2, AT, subscribed) is None  # nor are subscriptions and deliveries events at all


def test_every_event_class_has_one_public_type_and_version() -> None:
    seen: dict[tuple[str, int], str] = {}
    for cls in event_classes():
        topic = str(vars(cls)["TOPIC"])
        typed = public_type(topic)
        if typed is None:
            assert topic.split(".")[1] in ("webhook", "webhookdelivery"), topic
            continue
        assert typed not in seen, (topic, seen.get(typed))
        seen[typed] = topic
        assert not any(w in f.lower() for f in getattr(cls, "__annotations__", {}) for w in ("password", "token"))


def test_roles_see_the_contexts_they_read() -> None:
    assert visible(frozenset({READ_EVENTS}), "apikey.issued") and visible(frozenset({READ_AUDIT}), "schedule.set")
    assert visible(frozenset({READ_CRM}), "customer.registered")
    assert not visible(frozenset({READ_CRM}), "invoice.issued")
    assert visible(frozenset({READ_INVOICES}), "invoice.issued")
    assert not visible(frozenset({READ_CRM, READ_INVOICES}), "apikey.issued")


@pytest.mark.parametrize(
    "url", ["ftp://files.example/in", "file:///etc/passwd", "javascript:alert(1)", "https://", "http://x:port/"]
)
def test_a_webhook_url_is_http_or_https_with_a_host(url: str) -> None:
    with pytest.raises(InvalidValue, match=r"^url: "):
        check_url(url)


@pytest.mark.parametrize("patterns", [[], ["invoice"], ["Invoice.*"], ["*.issued"], [f"c{n}.*" for n in range(21)]])
def test_event_patterns_are_types_contexts_or_everything(patterns: list[str]) -> None:
    with pytest.raises(InvalidValue, match=r"^events: "):
        check_patterns(patterns)


def test_an_attempt_out_of_turn_or_after_delivery_is_refused() -> None:
    delivery = WebhookDelivery.first(ID, 7, "invoice.issued", 500, "HTTP 500", AT, META)
    assert delivery.status == FAILING and not delivery.due(AT)
    with pytest.raises(InvalidTransition):
        delivery.attempted(3, 200, "", AT, META)
    delivery.attempted(2, 200, "", AT, META)
    with pytest.raises(InvalidTransition):
        delivery.attempted(3, 200, "", AT, META)
    delivery.replay(AT, META)
    with pytest.raises(InvalidTransition):
        delivery.replay(AT, META)
    delivery.attempted(3, 200, "", AT, META)
    assert delivery.status == DELIVERED


@given(body=st.binary(max_size=2000), key=st.binary(min_size=16, max_size=64), ts=st.integers(0, 2**40))
def test_a_signature_verifies_for_its_body_and_for_no_other(body: bytes, key: bytes, ts: int) -> None:
    import base64

    secret = "whsec_" + base64.b64encode(key).decode()
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, "msg_1", ts, body),
    }
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body + b" ")
    assert not verify(secret, {**headers, "webhook-timestamp": str(ts + 1)}, body)


def test_the_verifier_in_the_docs_accepts_keel_s_signatures() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "public-events.md").read_text()
    code = page.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, object] = {}
    exec(code, scope)  # the page's own example, run as a subscriber would
    verified = scope["verified"]
    body = b'{"type":"customer.registered"}'
    for secret in (SECRET, "a-plain-secret-of-32-characters!"):
        headers = {
            "webhook-id": "d1",
            "webhook-timestamp": "1760520600",
            "webhook-signature": sign(secret, "d1", 1760520600, body),
        }
        assert verified(secret, headers, body) and not verified(secret, headers, body + b"x")  # type: ignore[operator]


def test_whatever_an_endpoint_answers_its_attempt_is_recorded() -> None:
    nasty = "HTTP 500: \x00\x1b[31mboom\ud800\n" + "x" * 2000
    delivery = WebhookDelivery.first(ID, 7, "invoice.issued", 500, nasty, AT, META)
    assert delivery.status == FAILING
    sub = WebhookSubscription.subscribe(ID, "https://erp.example/in", ["*"], SECRET, "", date(2026, 10, 1), META)
    sub.disable(nasty, True, date(2026, 10, 2), META)
    assert not sub.enabled

"""Stored events are contracts: these tests read the exact stored form of each v1 event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from commands.application import KeelApplication
from ledger.customer import Customer
from ledger.events import KeelAggregate
from ledger.invoice import Invoice, InvoiceLine
from ledger.journal import JournalLine
from ledger.payment import Allocation, Payment
from ledger.sequence import NumberSequence

AGG = UUID("00000000-0000-0000-0000-000000000001")
OTHER = "00000000000000000000000000000002"
BASE = (
    '"timestamp":{"_type_":"datetime_iso","_data_":"2026-03-01T10:00:00+00:00"},'
    '"effective_date":{"_type_":"date_iso","_data_":"2026-02-28"},'
    '"actor":"alice","command_id":"c1","correlation_id":"c1"'
)


@pytest.fixture(scope="module")
def app() -> KeelApplication:
    return KeelApplication("memory://")


def decode(app: KeelApplication, topic: str, version: int, body: str) -> object:
    state = ("{" + BASE + "," + body + "}").encode()
    return app.mapper.to_domain_event(StoredEvent(AGG, version, topic, state))


def test_customer_registered_v1_reads(app: KeelApplication) -> None:
    event = decode(
        app,
        "keel.customer.Registered.v1",
        1,
        '"originator_topic":"keel.Customer","name":"Acme","payment_terms_days":30,"currency":"EUR"',
    )
    assert isinstance(event, Customer.Registered)
    assert (event.name, event.effective_date, event.actor) == ("Acme", date(2026, 2, 28), "alice")


def test_invoice_drafted_and_issued_v1_read(app: KeelApplication) -> None:
    drafted = decode(
        app,
        "keel.invoice.Drafted.v1",
        1,
        '"originator_topic":"keel.Invoice",'
        f'"customer_id":{{"_type_":"uuid_hex","_data_":"{OTHER}"}},"currency":"EUR",'
        '"lines":[{"_type_":"keel_invoice_line","_data_":{"description":"Design","quantity":"2","unit_price":"50.00"}}],'
        '"tax_percent":{"_type_":"decimal_str","_data_":"24"}',
    )
    assert isinstance(drafted, Invoice.Drafted)
    assert drafted.lines == [InvoiceLine("Design", Decimal(2), Decimal("50.00"))]
    issued = decode(
        app,
        "keel.invoice.Issued.v1",
        2,
        '"number":"INV-2026-0001","due_date":{"_type_":"date_iso","_data_":"2026-03-30"},'
        '"net":{"_type_":"decimal_str","_data_":"100.00"},"tax":{"_type_":"decimal_str","_data_":"24.00"},'
        '"journal":[{"_type_":"keel_journal_line","_data_":{"account":"1100","amount":"124.00","currency":"EUR",'
        '"customer_id":"c","invoice_id":"i","memo":"Invoice INV-2026-0001"}},'
        '{"_type_":"keel_journal_line","_data_":{"account":"4000","amount":"-100.00","currency":"EUR"}},'
        '{"_type_":"keel_journal_line","_data_":{"account":"2100","amount":"-24.00","currency":"EUR"}}]',
    )
    assert isinstance(issued, Invoice.Issued)
    assert issued.journal[0] == JournalLine("1100", Decimal("124.00"), "EUR", "c", "i", "Invoice INV-2026-0001")
    assert sum(line.amount for line in issued.journal) == 0


def test_payment_received_v1_reads(app: KeelApplication) -> None:
    event = decode(
        app,
        "keel.payment.Received.v1",
        1,
        f'"originator_topic":"keel.Payment","customer_id":{{"_type_":"uuid_hex","_data_":"{OTHER}"}},'
        '"amount":{"_type_":"decimal_str","_data_":"10.00"},"currency":"EUR","reference":"R",'
        f'"allocations":[{{"_type_":"keel_allocation","_data_":{{"invoice_id":"{UUID(OTHER)}","amount":"4.00"}}}}],'
        '"credit":{"_type_":"decimal_str","_data_":"6.00"},"journal":[]',
    )
    assert isinstance(event, Payment.Received)
    assert event.allocations == [Allocation(UUID(OTHER), Decimal("4.00"))]


def test_every_event_class_has_an_explicit_versioned_topic() -> None:
    for aggregate in (Customer, Invoice, Payment, NumberSequence):
        events = [v for v in vars(aggregate).values() if isinstance(v, type) and issubclass(v, KeelAggregate.Event)]
        for event_class in events:
            if event_class.__name__ == "Event":
                continue
            topic = event_class.__dict__["TOPIC"]
            assert topic.startswith("keel.") and topic.rsplit(".", 1)[-1].startswith("v"), topic
            assert get_topic(event_class) == topic

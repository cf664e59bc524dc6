"""Stored events are contracts: these tests read the exact stored form of each v1 event."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from stored_forms import AGG, decode

from commands.application import KeelApplication
from ledger.books import Books
from ledger.chart import Chart
from ledger.chart_templates import role_of
from ledger.credit_note import CreditNote
from ledger.customer import Customer
from ledger.events import KeelAggregate, Meta
from ledger.expense_policy import CostCenter, ExpensePolicy
from ledger.expenses import ExpenseClaim
from ledger.invoice import Invoice
from ledger.invoice_lines import InvoiceLine
from ledger.journal import JournalLine
from ledger.journal_entry import JournalEntry
from ledger.payables import Bill, Supplier
from ledger.payment import Allocation, Payment
from ledger.payment_expectations import PaymentExpectation
from ledger.planned_costs import PlannedCost
from ledger.projects import Project
from ledger.sequence import NumberSequence
from ledger.supplier_payment import SupplierPayment

AGGREGATES = (
    Customer,
    Invoice,
    Payment,
    NumberSequence,
    Books,
    CreditNote,
    CostCenter,
    ExpenseClaim,
    ExpensePolicy,
    JournalEntry,
    Bill,
    Supplier,
    SupplierPayment,
    Chart,
)

OTHER = "00000000000000000000000000000002"


@pytest.fixture(scope="module")
def app() -> KeelApplication:
    return KeelApplication("memory://")


def test_customer_registered_v1_reads(app: KeelApplication) -> None:
    event = decode(
        app,
        "keel.customer.Registered.v1",
        1,
        '"originator_topic":"keel.Customer","name":"Acme","payment_terms_days":30,"currency":"EUR"',
    )
    assert isinstance(event, Customer.Registered)
    assert (event.name, event.effective_date, event.actor) == ("Acme", date(2026, 2, 28), "alice")


def test_a_customer_snapshot_from_before_registration_dates_reads(app: KeelApplication) -> None:
    """Snapshots of v1 customers hold no registration date: they load, and nothing is refused for it."""
    customer = Customer.register(AGG, "Acme", 30, "EUR", date(2026, 2, 28), Meta(actor="alice"))
    stored = app.mapper.to_stored_event(Snapshot.take(customer))
    state = json.loads(stored.state)
    del state["state"]["registered_on"], state["state"]["class_version"]  # as v1 wrote it
    old = StoredEvent(AGG, stored.originator_version, stored.topic, json.dumps(state).encode())
    restored = app.mapper.to_domain_event(old).mutate(None)
    assert isinstance(restored, Customer)
    assert (restored.name, restored.registered_on) == ("Acme", date.min)
    restored.check_known_on(date(2000, 1, 1), "an invoice")


def test_payment_expectation_events_v1_read(app: KeelApplication) -> None:
    """Expected payment delays (ADR 0065): the stored forms of their first version, folded."""
    customer = f'{{"_type_":"uuid_hex","_data_":"{OTHER}"}}'
    created = decode(
        app,
        "keel.paymentexpectation.Created.v1",
        1,
        f'"originator_topic":"keel.PaymentExpectation","customer_id":{customer}',
    )
    set_delay = decode(
        app, "keel.paymentexpectation.DelaySet.v1", 2, f'"customer_id":{customer},"days":-5,"reason":"early payers"'
    )
    cleared = decode(app, "keel.paymentexpectation.DelayCleared.v1", 3, f'"customer_id":{customer},"reason":""')
    assert isinstance(created, PaymentExpectation.Created) and isinstance(set_delay, PaymentExpectation.DelaySet)
    assert isinstance(cleared, PaymentExpectation.DelayCleared)
    expectation = created.mutate(None)
    assert isinstance(expectation, PaymentExpectation) and expectation.customer_id == UUID(OTHER)
    set_delay.mutate(expectation)
    assert (set_delay.days, set_delay.reason, expectation.in_force(date(2026, 2, 28))) == (-5, "early payers", -5)
    cleared.mutate(expectation)
    assert expectation.in_force(date(2026, 3, 1)) is None


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
    # upcast to v2: the invoice-wide rate moves onto each line; the series is the default one
    assert drafted.lines == [InvoiceLine("Design", Decimal(2), Decimal("50.00"), tax_rate=Decimal(24))]
    assert drafted.series == "INV" and not hasattr(drafted, "tax_percent")
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
    assert issued.rate == 1  # v1 invoices were valued at par
    # v1 journal lines named their dimensions customer_id / invoice_id and carried no value
    assert issued.journal[0] == JournalLine(
        "1100", Decimal("124.00"), "EUR", party_id="c", document_id="i", memo="Invoice INV-2026-0001"
    )
    assert issued.journal[0].value == Decimal("124.00")
    assert sum(line.amount for line in issued.journal) == 0


def test_a_journal_line_stored_before_lines_carried_roles_reads_with_its_role_derived(app: KeelApplication) -> None:
    """Lines recorded before roles have no ``role``: they read as None, and the read side derives
    theirs from the services-eu chart (the only chart there was): 1100 was the receivable."""
    event = decode(
        app,
        "keel.invoice.WrittenOff.v1",
        3,
        '"amount":{"_type_":"decimal_str","_data_":"5.00"},"reason":"gone",'
        '"journal":[{"_type_":"keel_journal_line","_data_":{"account":"6800","amount":"5.00","currency":"EUR",'
        '"functional":"5.00"}},'
        '{"_type_":"keel_journal_line","_data_":{"account":"1100","amount":"-5.00","currency":"EUR",'
        '"functional":"-5.00"}}]',
    )
    assert isinstance(event, Invoice.WrittenOff)
    assert [line.role for line in event.journal] == [None, None]
    assert [role_of(line) for line in event.journal] == ["bad_debts", "receivable"]
    # a line that says its role keeps it, whatever its account; "" is a line posted under no role
    assert role_of(JournalLine("1010", Decimal(1), "EUR", role="bank")) == "bank"
    assert role_of(JournalLine("1100", Decimal(1), "EUR", role="")) == ""


def test_chart_events_v1_read(app: KeelApplication) -> None:
    started = decode(app, "keel.chart.ChartStarted.v1", 1, '"originator_topic":"keel.Chart","template":"minimal"')
    assert isinstance(started, Chart.Started) and started.template == "minimal"
    added = decode(
        app,
        "keel.chart.AccountAdded.v1",
        2,
        '"code":"1010","name":"Bank \u2014 second account","type":"asset","subtype":"bank","parent":null,'
        '"currency":null',
    )
    assert isinstance(added, Chart.AccountAdded)
    assert (added.code, added.name, added.type, added.parent) == ("1010", "Bank \u2014 second account", "asset", None)
    renamed = decode(app, "keel.chart.AccountRenamed.v1", 3, '"code":"1010","name":"Savings"')
    mapped = decode(app, "keel.chart.RoleMapped.v1", 4, '"role":"output_tax:24","code":"2100"')
    assert isinstance(renamed, Chart.AccountRenamed) and isinstance(mapped, Chart.RoleMapped)
    assert isinstance(decode(app, "keel.chart.AccountDeactivated.v1", 5, '"code":"1010"'), Chart.AccountDeactivated)
    assert isinstance(decode(app, "keel.chart.AccountReactivated.v1", 6, '"code":"1010"'), Chart.AccountReactivated)
    moved = decode(app, "keel.chart.AccountMoved.v1", 7, '"code":"1010","parent":"10"')
    assert isinstance(moved, Chart.AccountMoved) and (moved.code, moved.parent) == ("1010", "10")
    to_top = decode(app, "keel.chart.AccountMoved.v1", 8, '"code":"1010","parent":null')
    assert isinstance(to_top, Chart.AccountMoved) and to_top.parent is None


def test_books_numbering_set_v1_reads(app: KeelApplication) -> None:
    event = decode(app, "keel.books.NumberingSet.v1", 2, '"strict":true')
    assert isinstance(event, Books.NumberingSet) and event.strict is True


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
    assert (event.rate, event.bank_fee) == (Decimal(1), Decimal(0))


def test_time_billed_v1_reads_with_its_entries_by_id_alone(app: KeelApplication) -> None:
    event = decode(
        app,
        "keel.project.TimeBilled.v1",
        9,
        f'"period":"2026-04","invoice_id":{{"_type_":"uuid_hex","_data_":"{OTHER}"}},"entry_ids":["e-1","e-2"]',
    )
    assert isinstance(event, Project.TimeBilled)
    assert (event.entry_ids, event.timesheet_ids) == (["e-1", "e-2"], [])


def test_current_events_survive_a_round_trip_through_the_store(app: KeelApplication) -> None:
    line = JournalLine("1100", Decimal("1.00"), "USD", Decimal("0.92"), "p", "d", "CC", "proj", "VAT-24", "m")
    event = Invoice.Issued(
        originator_id=AGG,
        originator_version=2,
        timestamp=datetime(2026, 3, 1, tzinfo=UTC),
        effective_date=date(2026, 3, 1),
        actor="a",
        command_id="c",
        correlation_id="c",
        number="INV-2026-0001",
        due_date=date(2026, 3, 31),
        net=Decimal("1.00"),
        tax=Decimal(0),
        rate=Decimal("0.92"),
        journal=[line],
    )
    stored = app.mapper.to_stored_event(event)
    assert app.mapper.to_domain_event(stored) == event
    assert b'"class_version":2' in stored.state


def every_aggregate() -> list[type[KeelAggregate]]:
    """Every aggregate the domain defines: each module of ``ledger`` imported, subclasses walked."""
    import importlib
    import pkgutil

    import ledger

    for module in pkgutil.iter_modules(ledger.__path__):
        importlib.import_module(f"ledger.{module.name}")
    found, todo = [], list(KeelAggregate.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def test_every_event_class_has_an_explicit_versioned_topic() -> None:
    aggregates = every_aggregate()
    assert set(AGGREGATES) <= set(aggregates) and len(aggregates) > len(AGGREGATES)
    for aggregate in aggregates:
        events = [v for v in vars(aggregate).values() if isinstance(v, type) and issubclass(v, KeelAggregate.Event)]
        for event_class in events:
            if event_class.__name__ == "Event":
                continue
            topic = event_class.__dict__["TOPIC"]
            assert topic.startswith("keel.") and topic.rsplit(".", 1)[-1].startswith("v"), topic
            assert get_topic(event_class) == topic


def test_a_chart_snapshot_round_trips_through_the_store(app: KeelApplication) -> None:
    chart = Chart.start("minimal", date(2026, 1, 1), Meta(actor="alice"))
    chart.deactivate("6000", date(2026, 1, 2), Meta(actor="alice"))
    stored = app.mapper.to_stored_event(Snapshot.take(chart))
    restored = app.mapper.to_domain_event(stored).mutate(None)
    assert isinstance(restored, Chart)
    assert restored.rules == chart.rules and not restored.accounts["6000"].active


def test_a_supplier_payment_made_v1_reads_into_its_new_module_and_can_be_reversed(app: KeelApplication) -> None:
    """SupplierPayment moved from ``ledger.payables`` to ``ledger.supplier_payment`` (ADR 0037): its
    stored topics are explicit, so a payment stored before reads back — and now folds into state."""
    bill = str(UUID(OTHER))
    event = decode(
        app,
        "keel.supplierpayment.Made.v1",
        1,
        f'"originator_topic":"keel.SupplierPayment","supplier_id":{{"_type_":"uuid_hex","_data_":"{OTHER}"}},'
        '"amount":{"_type_":"decimal_str","_data_":"10.00"},"currency":"EUR",'
        '"rate":{"_type_":"decimal_str","_data_":"1"},"reference":"R",'
        f'"allocations":[{{"_type_":"keel_bill_allocation","_data_":{{"bill_id":"{bill}","amount":"10.00"}}}}],'
        '"journal":[]',
    )
    assert isinstance(event, SupplierPayment.Made)
    payment = event.mutate(None)
    assert isinstance(payment, SupplierPayment) and not payment.reversed
    parts = payment.reverse("unmatched", date(2026, 10, 2), Meta("test"))
    assert [(p.bill_id, p.amount) for p in parts] == [(UUID(OTHER), Decimal("10.00"))]
    assert isinstance(payment.pending_events[-1], SupplierPayment.Reversed)


def test_planned_cost_events_v1_read(app: KeelApplication) -> None:
    """Planned costs (ADR 0065): the stored forms of their first version, read back and folded."""
    planned = decode(
        app,
        "keel.plannedcost.Planned.v1",
        1,
        '"originator_topic":"keel.PlannedCost","name":"Designer payroll",'
        '"amount":{"_type_":"decimal_str","_data_":"5000.00"},"currency":"EUR","frequency":"monthly","pay_day":25,'
        '"start":{"_type_":"date_iso","_data_":"2026-11-01"},"end":null,"cost_center":"DESIGN"',
    )
    revised = decode(
        app,
        "keel.plannedcost.Revised.v1",
        2,
        '"amount":{"_type_":"decimal_str","_data_":"5500.00"},'
        '"effective_from":{"_type_":"date_iso","_data_":"2027-02-01"}',
    )
    ended = decode(app, "keel.plannedcost.Ended.v1", 3, '"end":{"_type_":"date_iso","_data_":"2027-01-31"}')
    cancelled = decode(app, "keel.plannedcost.Cancelled.v1", 4, '"reason":"planned twice"')
    assert isinstance(planned, PlannedCost.Planned) and isinstance(revised, PlannedCost.Revised)
    assert isinstance(ended, PlannedCost.Ended) and isinstance(cancelled, PlannedCost.Cancelled)
    cost = planned.mutate(None)
    assert isinstance(cost, PlannedCost)
    revised.mutate(cost)
    assert cost.steps == [[date(2026, 11, 1), Decimal("5000.00")], [date(2027, 2, 1), Decimal("5500.00")]]
    ended.mutate(cost)  # the raise after the end goes with it
    assert (cost.name, cost.frequency, cost.pay_day, cost.start, cost.end) == (
        "Designer payroll",
        "monthly",
        25,
        date(2026, 11, 1),
        date(2027, 1, 31),
    )
    assert cost.steps == [[date(2026, 11, 1), Decimal("5000.00")]] and not cost.cancelled
    cancelled.mutate(cost)
    assert cost.cancelled
    assert (planned.amount, revised.amount) == (Decimal("5000.00"), Decimal("5500.00"))

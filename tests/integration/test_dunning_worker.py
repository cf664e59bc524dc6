"""Dunning and staff reminders run by the worker against a real SMTP server in-process (aiosmtpd), on
SQLite and PostgreSQL: each level of an overdue invoice once, with the invoice attached and a fee
invoice drafted where the level charges one; nothing for a paid invoice, an opted-out customer or
within the grace of a partial payment; follow-ups due reach their owner and claims waiting reach
their approver, once, also after a rebuild of every read model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from worker_support import free_port, issued_invoice, smtp_server

from api.settings import Settings
from api.system import Keel
from api.worker.scheduler import RunSummary, Worker
from commands import messages as m
from commands.reminders.handlers import fee_invoice_id
from ledger.errors import InvalidTransition
from ledger.events import Meta
from ledger.invoice import DRAFT, Invoice
from projections.reminders.reminders import list_reminders

LEAD = Meta("lead")
ISSUED = date(2026, 9, 1)  # 14 days' terms: due on 15 September
DUE = ISSUED + timedelta(days=14)
REMINDERS = ("dunning", "follow-up-reminders", "approval-reminders", "outbox")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Settings, int]]:
    port = free_port()
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    yield (
        Settings(  # type: ignore[call-arg]
            data_dir=tmp_path / "keel",
            database_url=url,
            _env_file=None,
            auth="off",
            smtp_url=f"smtp://127.0.0.1:{port}",
            mail_from="books@lumen.example",
        ),
        port,
    )


def with_levels(keel: Keel, grace_days: int = 0) -> None:
    levels = (
        m.LevelInput(number=1, name="Friendly reminder", days_after_due=3, template="friendly"),
        m.LevelInput(number=2, name="Second notice", days_after_due=14, template="second", fee="15.00"),
        m.LevelInput(number=3, name="Final notice", days_after_due=30, template="final"),
    )
    keel.app.handle(m.SetDunningLevels(meta=LEAD, on=ISSUED, levels=levels, minimum_open="10", grace_days=grace_days))


def run(keel: Keel, day: date, owner: str | None = None) -> dict[str, RunSummary]:
    return {s.kind: s for s in Worker(keel, owner=owner).pass_once(day, REMINDERS)}


def test_each_level_is_sent_once_with_the_invoice_attached_and_never_again_after_a_rebuild(
    store: tuple[Settings, int],
) -> None:
    settings, port = store
    with smtp_server(port) as (inbox, _), Keel.start(settings, follow=False) as keel:
        invoice_id = issued_invoice(keel, on=ISSUED)
        with_levels(keel)
        assert run(keel, DUE + timedelta(days=2))["dunning"].done == 0  # not yet
        assert run(keel, DUE + timedelta(days=4))["dunning"].done == 1
        assert run(keel, DUE + timedelta(days=5))["dunning"].done == 0  # level 1 again: never
        assert run(keel, DUE + timedelta(days=16))["dunning"].done == 1  # level 2
        (first, second) = inbox.received
        assert first["Subject"] == "Friendly reminder: invoice INV-2026-0001"
        assert first["To"] == "accounts@acme.example" and first["From"] == "books@lumen.example"
        assert first["X-Keel-Cause"] == f"dunning-mail {invoice_id}#1"
        body, attachment = first.get_payload()  # type: ignore[misc]
        assert "friendly reminder" in body.get_payload() and "1178.00 EUR is still open" in body.get_payload()
        assert attachment.get_filename() == "invoice-INV-2026-0001.txt"  # the PDF once the details are set
        assert second["Subject"] == "Second notice: invoice INV-2026-0001"
        assert "A reminder fee of 15.00 EUR is invoiced separately" in second.get_payload()[0].get_payload()  # type: ignore[index, union-attr]

        fee = keel.app.get(Invoice, fee_invoice_id(invoice_id, 2))  # the fee: a draft, posted when issued
        assert fee.status == DRAFT and str(fee.total) == "15.00 EUR"

        head = keel.app.head_position()
        for name in list(keel.engine.projections):
            keel.engine.rebuild(name)
        again = run(keel, DUE + timedelta(days=16), owner="another worker")
        assert all(s.done == 0 for s in again.values())
        assert keel.app.head_position() == head and len(inbox.received) == 2

        assert run(keel, DUE + timedelta(days=45))["dunning"].done == 1  # the final notice
        listed = list_reminders(keel.views, DUE + timedelta(days=45)).items
        assert [(r.level, r.level_name, r.fee) for r in listed] == [
            (1, "Friendly reminder", None),
            (2, "Second notice", fee.net.amount),
            (3, "Final notice", None),
        ]
        assert [r.level for r in list_reminders(keel.views, DUE + timedelta(days=20)).items] == [1, 2]


def test_a_paid_invoice_an_opted_out_customer_and_a_recent_partial_payment_get_no_reminder(
    store: tuple[Settings, int],
) -> None:
    settings, port = store
    with smtp_server(port) as (inbox, _), Keel.start(settings, follow=False) as keel:
        paid = issued_invoice(keel, on=ISSUED)
        customer = keel.app.get(Invoice, paid).customer_id
        keel.app.handle(
            m.RecordPayment(
                meta=LEAD,
                on=DUE,
                customer_id=customer,
                amount="1178.00",
                allocations=(m.AllocationInput(invoice_id=paid, amount="1178.00"),),
            )
        )
        opted = issued_invoice(keel, billing_email="ap@opted.example", on=ISSUED)
        keel.app.handle(
            m.SetCustomerDunning(meta=LEAD, customer_id=keel.app.get(Invoice, opted).customer_id, reminded=False)
        )
        partly = issued_invoice(keel, billing_email="ap@partly.example", on=ISSUED)
        keel.app.handle(
            m.RecordPayment(
                meta=LEAD,
                on=DUE + timedelta(days=20),
                customer_id=keel.app.get(Invoice, partly).customer_id,
                amount="100.00",
                allocations=(m.AllocationInput(invoice_id=partly, amount="100.00"),),
            )
        )
        with_levels(keel, grace_days=7)
        assert run(keel, DUE + timedelta(days=25))["dunning"].done == 0
        assert inbox.received == []
        assert run(keel, DUE + timedelta(days=27))["dunning"].done == 1  # the grace is over: level 2
        (mail,) = inbox.received
        assert mail["To"] == "ap@partly.example" and "1078.00 EUR is open" in mail.get_payload()[0].get_payload()  # type: ignore[index, union-attr]


def test_follow_ups_due_reach_their_owner_and_waiting_claims_their_approver_once(store: tuple[Settings, int]) -> None:
    settings, port = store
    with smtp_server(port) as (inbox, _), Keel.start(settings, follow=False) as keel:
        customer = keel.app.handle(m.RegisterCustomer(meta=LEAD, on=ISSUED, name="Kite Labs")).id
        keel.app.handle(
            m.ScheduleFollowUp(
                meta=LEAD,
                on=ISSUED,
                about_kind="customer",
                about_id=customer,
                owner="maria",
                due=date(2026, 10, 15),
                note="Call about the renewal\n\tbring the quote",
            )
        )
        keel.app.handle(m.DefineCostCenter(meta=LEAD, on=ISSUED, code="OPS", name="Operations", manager="olaf"))
        claim = m.ClaimInput(
            category="travel", description="Train to Turku", amount="84.00", receipt_reference="R-1", cost_center="OPS"
        )
        keel.app.handle(m.SubmitExpenseClaim(meta=Meta("jon"), on=date(2026, 10, 10), claim=claim))
        for person in ("maria", "olaf"):
            keel.app.handle(m.SetStaffAddress(meta=LEAD, person=person, email=f"{person}@lumen.example"))
        keel.app.handle(m.SetApprovalWait(meta=LEAD, days=5))

        early = run(keel, date(2026, 10, 14))
        assert (early["follow-up-reminders"].done, early["approval-reminders"].done) == (0, 0)
        first = run(keel, date(2026, 10, 15))
        assert (first["follow-up-reminders"].done, first["approval-reminders"].done) == (1, 1)
        again = run(keel, date(2026, 10, 16))
        assert (again["follow-up-reminders"].done, again["approval-reminders"].done) == (0, 0)
        by_to = {str(mail["To"]): mail for mail in inbox.received}
        assert set(by_to) == {"maria@lumen.example", "olaf@lumen.example"}
        assert (
            by_to["maria@lumen.example"]["Subject"]
            == "Follow-up due 2026-10-15: Call about the renewal bring the quote"
        )
        assert "Train to Turku" in str(by_to["olaf@lumen.example"]["Subject"])
        kinds = [(r.kind, r.party) for r in list_reminders(keel.views, date(2026, 10, 31)).items]
        assert sorted(kinds) == [("approval", "olaf"), ("follow-up", "maria")]
        assert list_reminders(keel.views, date(2026, 10, 14)).items == []
        assert isinstance(UUID(list_reminders(keel.views, date(2026, 10, 31)).items[0].id), UUID)


def test_an_invoice_paid_after_its_first_reminder_gets_no_second(store: tuple[Settings, int]) -> None:
    settings, port = store
    with smtp_server(port) as (inbox, _), Keel.start(settings, follow=False) as keel:
        invoice_id = issued_invoice(keel, on=ISSUED)
        with_levels(keel)
        assert run(keel, DUE + timedelta(days=4))["dunning"].done == 1
        customer = keel.app.get(Invoice, invoice_id).customer_id
        keel.app.handle(
            m.RecordPayment(
                meta=LEAD,
                on=DUE + timedelta(days=10),
                customer_id=customer,
                amount="1178.00",
                allocations=(m.AllocationInput(invoice_id=invoice_id, amount="1178.00"),),
            )
        )
        # The log decides even where a read model has not seen the payment yet.
        late = m.RemindDunning(
            meta=LEAD, invoice_id=invoice_id, level=2, as_of=DUE + timedelta(days=20), at=keel.app.log_clock.now()
        )
        with pytest.raises(InvalidTransition, match="settled"):
            keel.app.handle(late)
        assert run(keel, DUE + timedelta(days=20))["dunning"].done == 0
        assert len(inbox.received) == 1


def test_a_customer_without_a_billing_address_is_reminded_once_one_is_given(store: tuple[Settings, int]) -> None:
    settings, port = store
    with smtp_server(port) as (inbox, _), Keel.start(settings, follow=False) as keel:
        invoice_id = issued_invoice(keel, billing_email="", on=ISSUED)
        with_levels(keel)
        waiting = run(keel, DUE + timedelta(days=4))["dunning"]
        assert (waiting.done, waiting.skipped, inbox.received) == (0, 1, [])

        customer = keel.app.get(Invoice, invoice_id).customer_id
        keel.app.handle(m.SetBillingEmail(meta=LEAD, customer_id=customer, email="ap@acme.example"))
        assert run(keel, DUE + timedelta(days=5))["dunning"].done == 1
        assert run(keel, DUE + timedelta(days=6))["dunning"].done == 0
        assert [(r["To"], r["X-Keel-Cause"]) for r in inbox.received] == [
            ("ap@acme.example", f"dunning-mail {invoice_id}#1")
        ]

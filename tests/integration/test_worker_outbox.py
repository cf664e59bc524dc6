"""The worker and the outbox against a real SMTP server in-process (aiosmtpd): the invoice e-mail with
its attachment and headers; SMTP down, then back; replays, rebuilds and a second run send nothing new."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from worker_support import free_port, issued_invoice, mail_kind, smtp_server

from api.settings import Settings
from api.system import Keel
from api.worker import leases
from api.worker.jobs import registry
from api.worker.scheduler import Worker
from commands import messages as m
from commands.adapters.clock import SetClock
from ledger.events import Meta
from ledger.invoice import Invoice
from ledger.outbox import DELIVERED, QUEUED, Message, cause_id
from ledger.project_terms import invoice_id_for
from projections.automation.outbox import outbox_state

AS_OF = date(2026, 10, 15)
LEAD = Meta("lead")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Settings, int]]:
    """Settings for a fresh store on each backend, mailing to a free local port."""
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


def start(settings: Settings) -> Keel:
    return Keel.start(settings, follow=False)


def test_an_issued_invoice_is_e_mailed_once_with_its_attachment_and_a_stable_message_id(
    store: tuple[Settings, int],
) -> None:
    settings, port = store
    with smtp_server(port) as (inbox, _), start(settings) as keel:
        invoice_id = issued_invoice(keel)
        first = {s.kind: s for s in Worker(keel).pass_once(AS_OF)}
        assert (first["invoice-mail"].done, first["outbox"].done) == (1, 1)

        (received,) = inbox.received
        message_id = cause_id("invoice-mail", str(invoice_id))
        invoice = keel.app.get(Invoice, invoice_id)
        assert received["To"] == "accounts@acme.example"
        assert received["From"] == "books@lumen.example"
        assert received["Subject"] == f"Invoice {invoice.number}"
        assert received["Message-ID"] == f"<{message_id}@keel.outbox>"
        assert received["X-Keel-Cause"] == f"invoice-mail {invoice_id}"
        body, attachment = received.get_payload()  # type: ignore[misc]
        assert f"invoice {invoice.number}" in body.get_payload()
        assert attachment.get_filename() == f"invoice-{invoice.number}.txt"
        text = attachment.get_payload(decode=True).decode()
        assert "Design sprint  10 x 95.00" in text and "Total 1178.00 EUR" in text
        assert invoice.sent_on == keel.app.today()  # the invoice says it was sent
        assert keel.app.get(Message, message_id).status == DELIVERED

        # Again, after a rebuild of every read model, and again: nothing new is queued or sent.
        head = keel.app.head_position()
        again = Worker(keel).pass_once(AS_OF)
        for name in list(keel.engine.projections):
            keel.engine.rebuild(name)
        after_rebuild = Worker(keel, owner="another worker").pass_once(AS_OF)
        assert all(s.done == 0 for s in [*again, *after_rebuild])
        assert keel.app.head_position() == head
        assert len(inbox.received) == 1


def test_a_customer_without_a_billing_address_gets_no_e_mail_until_one_is_given(store: tuple[Settings, int]) -> None:
    settings, port = store
    with smtp_server(port) as (inbox, _), start(settings) as keel:
        invoice_id = issued_invoice(keel, billing_email="")
        summary = {s.kind: s for s in Worker(keel).pass_once(AS_OF)}
        assert summary["invoice-mail"].skipped == 1
        assert inbox.received == []

        # The address given the next day: the invoice is still recent, so the next run mails it, once.
        customer = keel.app.get(Invoice, invoice_id).customer_id
        keel.app.handle(m.SetBillingEmail(meta=LEAD, customer_id=customer, email="ap@acme.example"))
        later = {s.kind: s for s in Worker(keel).pass_once(AS_OF + timedelta(days=1))}
        assert (later["invoice-mail"].done, later["outbox"].done) == (1, 1)
        assert [r["To"] for r in inbox.received] == ["ap@acme.example"]
        again = {s.kind: s for s in Worker(keel).pass_once(AS_OF + timedelta(days=2))}
        assert again["invoice-mail"].done == 0 and len(inbox.received) == 1


def test_smtp_down_keeps_the_message_queued_with_its_error_then_delivers_it_once(store: tuple[Settings, int]) -> None:
    settings, port = store
    with start(settings) as keel:
        clock = SetClock(keel.app.log_clock.now())
        keel.app.log_clock = clock
        invoice_id = issued_invoice(keel)
        message_id = cause_id("invoice-mail", str(invoice_id))
        down = {s.kind: s for s in Worker(keel).pass_once(AS_OF)}  # nobody listens on the port
        assert (down["outbox"].done, down["outbox"].failed) == (0, 1)  # a failed attempt is a failure

        message = keel.app.get(Message, message_id)
        assert (message.status, message.attempts) == (QUEUED, 1)
        assert "refused" in message.last_error.lower()
        keel.engine.catch_up()
        state = outbox_state(keel.views)
        assert (state.queued, state.failing, state.delivered) == (1, 1, 0)

        with smtp_server(port) as (inbox, _):
            Worker(keel).pass_once(AS_OF)  # back, but the retry is not due for 30 s
            assert inbox.received == []
            clock.advance(timedelta(minutes=1))
            Worker(keel).pass_once(AS_OF)
            Worker(keel).pass_once(AS_OF)
            clock.advance(timedelta(hours=2))
            Worker(keel).pass_once(AS_OF)
            assert [m["Message-ID"] for m in inbox.received] == [f"<{message_id}@keel.outbox>"]
        message = keel.app.get(Message, message_id)
        assert (message.status, message.attempts) == (DELIVERED, 2)
        keel.engine.catch_up()
        assert outbox_state(keel.views).delivered == 1


def test_the_billing_job_invoices_the_retainer_months_begun_once(store: tuple[Settings, int]) -> None:
    settings, _ = store
    with start(settings) as keel:
        customer = keel.app.handle(m.RegisterCustomer(meta=LEAD, on=date(2026, 8, 1), name="Helios Foods")).id
        project = keel.app.handle(
            m.DraftProject(meta=LEAD, on=date(2026, 8, 1), customer_id=customer, name="Social content")
        ).id
        keel.app.handle(
            m.ConfigureProject(
                meta=LEAD,
                on=date(2026, 8, 1),
                project_id=project,
                model="retainer",
                start=date(2026, 9, 1),
                monthly_fee="1500.00",
                tax_percent="24",
                cost_center="DESIGN",
            )
        )
        keel.app.handle(m.ActivateProject(meta=LEAD, on=date(2026, 9, 1), project_id=project))

        (first,) = Worker(keel).pass_once(AS_OF, ["billing"])
        assert (first.done, first.skipped) == (1, 0)
        september = keel.app.get(Invoice, invoice_id_for(project, "retainer:2026-09"))
        october = keel.app.get(Invoice, invoice_id_for(project, "retainer:2026-10"))
        assert (september.total.amount, october.total.amount) == (Decimal("1860.00"), Decimal("1860.00"))

        head = keel.app.head_position()
        (again,) = Worker(keel, owner="second").pass_once(AS_OF, ["billing"])  # the cause is done
        (next_day,) = Worker(keel).pass_once(AS_OF + timedelta(days=1), ["billing"])  # a new cause, nothing owed
        assert (again.done, next_day.done, next_day.skipped) == (0, 0, 1)
        assert keel.app.head_position() == head


def test_the_invoice_e_mail_carries_the_sealed_pdf_once_the_company_and_customer_have_their_details(
    store: tuple[Settings, int],
) -> None:
    from api.documents import render
    from ledger.einvoice import INVOICE

    settings, port = store
    with smtp_server(port) as (inbox, _), start(settings) as keel:
        invoice_id = issued_invoice(keel)
        customer = keel.app.get(Invoice, invoice_id).customer_id
        keel.app.handle(
            m.SetCompanyProfile(
                meta=LEAD,
                on=date(2026, 9, 1),
                legal_name="Lumen & Co Design Studio S.A.",
                street="Ermou 56",
                city="Athens",
                postal_code="105 63",
                country="GR",
                vat_id="EL801234567",
                registration_id="GEMI 123456701000",
                email="billing@lumen.example",
                iban="GR1601101250000000012300695",
                bic="ETHNGRAA",
            )
        )
        keel.app.handle(
            m.SetBillingDetails(
                meta=LEAD,
                on=date(2026, 9, 1),
                customer_id=customer,
                street="Mannerheimintie 1",
                city="Helsinki",
                postal_code="00100",
                country="FI",
                vat_id="FI12345678",
                email="accounts@acme.example",
            )
        )
        Worker(keel).pass_once(AS_OF)
        (received,) = inbox.received
        _, attachment = received.get_payload()  # type: ignore[misc]
        invoice = keel.app.get(Invoice, invoice_id)
        assert attachment.get_filename() == f"invoice-{invoice.number}.pdf"
        assert attachment.get_content_type() == "application/pdf"
        sent = attachment.get_payload(decode=True)
        # The very document the API answers, and the one its seal recorded.
        again = render(keel, str(invoice_id), INVOICE, LEAD)
        assert sent == again.pdf and again.verified


def test_old_job_records_are_pruned_and_a_pruned_cause_asked_again_is_still_done_once(
    store: tuple[Settings, int],
) -> None:
    settings, _ = store
    with start(settings) as keel:
        worker = Worker(keel, registry(mail_kind(5)))
        (first,) = worker.pass_once(AS_OF)
        (second,) = worker.pass_once(AS_OF)
        assert (first.done, second.done, second.skipped) == (5, 0, 0)  # the second asks nobody: all done
        head = keel.app.head_position()

        # Pruned a hundred days on: the finished jobs are forgotten, the kind's last run is kept.
        later = worker.now() + timedelta(days=settings.worker_keep_days + 10)
        assert worker.prune(later) == (5, 1)
        assert worker.prune(later) == (0, 0)  # at most once an hour
        assert leases.last_run(keel.views, "test-mail") is not None

        # Asked again, each cause is refused by the log: nothing is queued twice.
        (third,) = worker.pass_once(AS_OF)
        assert (third.done, third.skipped) == (0, 5)
        assert keel.app.head_position() == head

"""Group commit (ADR 0053): 16 writers on overlapping aggregates share transactions, and still every
command keeps its own outcome — acknowledged once, refused without a trace, invoices numbered
without gaps, no invoice paid beyond what it asks."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import date
from uuid import UUID

import pytest

from api.settings import Settings
from api.system import Keel
from commands import messages as m
from commands.adapters.postgres import KeelPostgresRecorder
from ledger.errors import DomainError
from ledger.events import Meta

pytestmark = pytest.mark.postgres

META = Meta(actor="writer")
ON = date(2026, 3, 2)
LINE = (m.LineInput(description="Work", quantity="1", unit_price="100.00"),)


def test_sixteen_writers_on_shared_invoices_each_keep_their_own_outcome(postgres_url: str, tmp_path: object) -> None:
    settings = Settings(database_url=postgres_url, data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    with Keel.start(settings, follow=False) as keel:
        app = keel.app
        customer = app.handle(m.RegisterCustomer(meta=META, name="Shared", on=ON)).id
        shared = []
        for _ in range(4):
            invoice = app.handle(m.DraftInvoice(meta=META, customer_id=customer, lines=LINE, tax_percent="0", on=ON)).id
            app.handle(m.IssueInvoice(meta=META, invoice_id=invoice, on=ON))
            shared.append(invoice)
        acknowledged: list[UUID] = []
        refused: list[UUID] = []
        issued: list[UUID] = []
        errors: list[BaseException] = []

        def writer(seed: int) -> None:
            rng = random.Random(seed)
            try:
                for _ in range(20):
                    if rng.random() < 0.25:  # a new invoice: numbered under contention
                        draft = m.DraftInvoice(meta=META, customer_id=customer, lines=LINE, tax_percent="0", on=ON)
                        invoice = app.handle(draft).id
                        app.handle(m.IssueInvoice(meta=META, invoice_id=invoice, on=ON))
                        issued.append(invoice)
                        continue
                    # 7.00 on one of four shared invoices of 100.00: the fifteenth payment must be refused
                    payment = m.RecordPayment(
                        meta=META,
                        customer_id=customer,
                        amount="7.00",
                        allocations=(m.AllocationInput(invoice_id=rng.choice(shared), amount="7.00"),),
                        on=ON,
                    )
                    try:
                        app.handle(payment)
                        acknowledged.append(payment.payment_id)
                    except DomainError:
                        refused.append(payment.payment_id)
            except BaseException as exc:  # surfaced below: a thread's failure must fail the test
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []

        log = [event for _, event in app.read_log(0, 100_000)]
        created = Counter(e.originator_id for e in log if type(e).__qualname__ == "Payment.Received")
        assert {p: created[p] for p in acknowledged if created[p] != 1} == {}
        assert [p for p in refused if created[p]] == []
        # Each shared invoice of 100.00 took exactly 14 payments of 7.00, never a fifteenth.
        assert len(acknowledged) == 4 * 14 and len(refused) > 0

        numbers = sorted(int(e.number.rsplit("-", 1)[1]) for e in log if type(e).__qualname__ == "Invoice.Issued")
        assert len(issued) > 10 and numbers == list(range(1, len(shared) + len(issued) + 1))

        recorder = app.recorder
        assert isinstance(recorder, KeelPostgresRecorder)
        assert recorder.groups.appends > recorder.groups.groups, "no two commands ever shared a transaction"

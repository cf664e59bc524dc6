"""Restatement: March closed on April 3; a supplier bill dated March 20 is recorded on April 10
(the period reopened for it, then closed again). The restatement for March shows what changed
against what was known at the close, and names the late event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from support import invoice, register

from api.system import Keel
from commands.messages import BillLineInput, ClosePeriod, RecordBill, RegisterSupplier, ReopenPeriod
from ledger.events import Meta

ACCOUNTANT = Meta("maria")


def test_a_late_bill_in_a_closed_march_is_restated_and_named(keel: Keel, client: TestClient) -> None:
    acme = register(keel, on=date(2026, 3, 1))
    invoice(keel, acme, "1000.00", date(2026, 3, 10))
    supplier = keel.app.handle(RegisterSupplier(meta=ACCOUNTANT, name="Pixel Print", on=date(2026, 3, 1))).id
    closed = keel.app.handle(ClosePeriod(meta=ACCOUNTANT, lock_date=date(2026, 3, 31), on=date(2026, 4, 3)))
    keel.app.handle(
        ReopenPeriod(meta=ACCOUNTANT, lock_date=date(2026, 2, 28), reason="late bill", on=date(2026, 4, 10))
    )
    line = BillLineInput(description="Brochures", account="5000", amount="400.00", tax_rate="24")
    bill = keel.app.handle(
        RecordBill(
            meta=ACCOUNTANT, on=date(2026, 3, 20), supplier_id=supplier, supplier_reference="PP-7", lines=(line,)
        )
    )
    keel.app.handle(ClosePeriod(meta=ACCOUNTANT, lock_date=date(2026, 3, 31), on=date(2026, 4, 10)))
    invoice(keel, acme, "250.00", date(2026, 4, 12))  # April: not March's business

    report = client.get("/v1/reports/restatement", params={"end": "2026-03-31", "min_position": bill.position})
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["restated"] is True and body["close_position"] == closed.position
    changed = {a["account"]: a for a in body["accounts"]}
    assert set(changed) == {"5000", "1200", "2000"}  # expense, input tax, payables
    assert Decimal(changed["5000"]["difference"]) == Decimal("400.00")
    assert Decimal(changed["2000"]["difference"]) == Decimal("-496.00")
    assert all(a["explained_by"] == [bill.position] for a in body["accounts"])
    (late,) = body["late_events"]
    assert late["position"] == bill.position and late["source_id"] == str(bill.id)
    assert late["effective_date"] == "2026-03-20" and late["event_topic"] == "keel.bill.Recorded.v1"
    assert late["memo"] == "Bill PP-7 from Pixel Print"  # named, not only an id
    for account in body["accounts"]:  # the late lines explain every difference exactly
        explained = sum(Decimal(x["value"]) for x in late["lines"] if x["account"] == account["account"])
        assert explained == Decimal(account["difference"])

    as_known_then = client.get("/v1/reports/restatement", params={"end": "2026-03-31", "known_at": closed.position})
    assert as_known_then.json()["restated"] is False and as_known_then.json()["late_events"] == []


def test_restating_a_period_that_was_never_closed_is_refused(keel: Keel, client: TestClient) -> None:
    response = client.get("/v1/reports/restatement", params={"end": "2026-03-31"})
    assert (response.status_code == 409 and "never closed" in response.json()["detail"]) or "closed" in response.text


def test_reopening_needs_a_reason_and_cannot_move_forward(keel: Keel) -> None:
    register(keel, on=date(2026, 3, 1))
    keel.app.handle(ClosePeriod(meta=ACCOUNTANT, lock_date=date(2026, 3, 31), on=date(2026, 4, 3)))
    for lock, reason, says in ((date(2026, 2, 28), " ", "needs a reason"), (date(2026, 4, 1), "x", "moves the lock")):
        try:
            keel.app.handle(ReopenPeriod(meta=ACCOUNTANT, lock_date=lock, reason=reason))
        except Exception as exc:
            assert says in str(exc)
        else:
            raise AssertionError("reopening should have been refused")

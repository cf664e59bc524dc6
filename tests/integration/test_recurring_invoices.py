"""Recurring invoices billed by the worker (issue 19 item 5, ADR 0044), on SQLite and PostgreSQL: a
subscription that began mid-month is caught up one invoice per period (the first prorated), once —
not again on a rerun, a second worker, or after every read model is rebuilt; pausing skips periods,
ending stops them; changed lines bill from their date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from api.settings import Settings
from api.system import Keel
from api.worker.scheduler import Worker
from commands import messages as m
from ledger.errors import AlreadyExists
from ledger.events import Meta
from ledger.invoice import DRAFT, ISSUED, Invoice
from ledger.recurring import invoice_id_for_period
from projections.automation.recurring import get_recurring, list_recurring

AS_OF = date(2026, 10, 15)
LEAD = Meta("lead")
HOSTING = m.LineInput(description="Hosting and maintenance", quantity="1", unit_price="310.00")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def keel(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Keel]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    settings = Settings(data_dir=tmp_path / "keel", database_url=url, _env_file=None, auth="off")  # type: ignore[call-arg]
    with Keel.start(settings, follow=False) as started:
        yield started


def _subscription(keel: Keel, auto_issue: bool = True, **changes: object) -> tuple[UUID, UUID]:
    customer = keel.app.handle(
        m.RegisterCustomer(meta=LEAD, on=date(2026, 7, 1), name="Helios Foods", payment_terms_days=14)
    ).id
    fields: dict[str, object] = {
        "customer_id": customer,
        "name": "Hosting",
        "lines": (HOSTING,),
        "tax_percent": "24",
        "frequency": "monthly",
        "start": date(2026, 7, 15),
        "anchor": date(2026, 8, 1),
        "auto_issue": auto_issue,
        **changes,
    }
    result = keel.app.handle(m.SetUpRecurringInvoice(meta=LEAD, on=date(2026, 7, 15), **fields))  # type: ignore[arg-type]
    return result.id, customer


def test_missed_periods_are_invoiced_once_each_and_never_again_after_a_rerun_or_a_rebuild(keel: Keel) -> None:
    sub, _ = _subscription(keel, payment_terms_days=7)  # the customer's are 14
    (first,) = Worker(keel).pass_once(AS_OF, ["recurring"])
    assert (first.done, first.skipped) == (4, 0)  # 15-31 July, August, September, October

    starts = [date(2026, 7, 15), date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
    invoices = [keel.app.get(Invoice, invoice_id_for_period(sub, day)) for day in starts]
    assert [i.status for i in invoices] == [ISSUED] * 4
    assert [i.issue_date for i in invoices] == starts  # billed in advance, dated the period's first day
    assert invoices[1].due_date == date(2026, 8, 8)
    july = invoices[0].lines[0]
    assert july.description == "Hosting and maintenance (2026-07-15 to 2026-07-31, 17 of 31 days)"
    assert july.unit_price == Decimal("170.00")  # 310.00 x 17 / 31 = 169.999…, half-up
    assert invoices[2].lines[0].description == "Hosting and maintenance (2026-09-01 to 2026-09-30)"
    assert invoices[2].total.amount == Decimal("384.40")

    head = keel.app.head_position()
    (again,) = Worker(keel, owner="a second worker").pass_once(AS_OF, ["recurring"])
    for name in list(keel.engine.projections):
        keel.engine.rebuild(name)
    (rebuilt,) = Worker(keel, owner="after the rebuild").pass_once(AS_OF, ["recurring"])
    assert (again.done, rebuilt.done) == (0, 0)
    assert keel.app.head_position() == head
    with pytest.raises(AlreadyExists):  # the store itself refuses the period a second time
        keel.app.handle(m.BillRecurringPeriod(meta=LEAD, recurring_id=sub, period_start=date(2026, 9, 1)))

    keel.engine.catch_up()
    view = get_recurring(keel.views, str(sub))
    assert view is not None and (view.periods_billed, view.last_billed) == (4, date(2026, 10, 31))


def test_a_paused_period_is_skipped_an_ended_subscription_stops_and_changed_lines_bill_from_their_date(
    keel: Keel,
) -> None:
    sub, _ = _subscription(keel, auto_issue=False, start=date(2026, 8, 1), anchor=None)
    dearer = m.LineInput(description="Hosting and maintenance", quantity="1", unit_price="350.00")
    keel.app.handle(
        m.PauseRecurringInvoice(meta=LEAD, on=date(2026, 8, 20), recurring_id=sub, paused_from=date(2026, 9, 1))
    )
    keel.app.handle(
        m.ResumeRecurringInvoice(meta=LEAD, on=date(2026, 9, 20), recurring_id=sub, resumed_from=date(2026, 10, 1))
    )
    keel.app.handle(
        m.ChangeRecurringLines(
            meta=LEAD,
            on=date(2026, 9, 25),
            recurring_id=sub,
            effective_from=date(2026, 10, 1),
            lines=(dearer,),
            tax_percent="24",
        )
    )
    keel.app.handle(m.EndRecurringInvoice(meta=LEAD, on=date(2026, 10, 2), recurring_id=sub, end=date(2026, 10, 31)))

    (run,) = Worker(keel).pass_once(date(2027, 1, 15), ["recurring"])
    assert run.done == 2  # August and October: September paused, nothing after the end
    august = keel.app.get(Invoice, invoice_id_for_period(sub, date(2026, 8, 1)))
    october = keel.app.get(Invoice, invoice_id_for_period(sub, date(2026, 10, 1)))
    assert (august.status, october.status) == (DRAFT, DRAFT)  # left for an accountant to issue
    assert (august.lines[0].unit_price, october.lines[0].unit_price) == (Decimal("310.00"), Decimal("350.00"))
    assert invoice_id_for_period(sub, date(2026, 9, 1)) not in keel.app.repository

    keel.engine.catch_up()
    as_of_september = list_recurring(keel.views, date(2026, 9, 15)).items
    assert [(x.status, x.end) for x in as_of_september] == [("paused", None)]
    (now,) = list_recurring(keel.views, date(2027, 1, 15)).items
    assert (now.status, now.end, [v.effective_from for v in now.line_versions]) == (
        "ended",
        date(2026, 10, 31),
        [date(2026, 8, 1), date(2026, 10, 1)],
    )

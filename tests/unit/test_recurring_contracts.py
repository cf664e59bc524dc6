"""The stored forms of a recurring invoice's events (ADR 0044): each reads as written, and folds
into the state the ``recurring`` job bills by (lines by period, pauses, end, last period billed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from stored_forms import decode

from commands.application import KeelApplication
from ledger.recurring import RecurringInvoice

CUSTOMER = UUID("00000000-0000-0000-0000-0000000000c1")
INVOICE = UUID("00000000-0000-0000-0000-0000000000e1")


def _line(price: str) -> str:
    return (
        '{"_type_":"keel_invoice_line","_data_":{"description":"Retainer","quantity":"1",'
        f'"unit_price":"{price}","tax_rate":"20","tax_inclusive":false,"discount_percent":"0"}}}}'
    )


def _day(on: str) -> str:
    return f'{{"_type_":"date_iso","_data_":"{on}"}}'


def test_recurring_invoice_events_v1_read_and_fold() -> None:
    app = KeelApplication("memory://")
    set_up = decode(
        app,
        "keel.recurring.Set.v1",
        1,
        '"originator_topic":"keel.RecurringInvoice",'
        f'"customer_id":{{"_type_":"uuid_hex","_data_":"{CUSTOMER.hex}"}},"name":"Monthly retainer",'
        f'"currency":"EUR","frequency":"monthly","start":{_day("2026-09-15")},"anchor":{_day("2026-10-01")},'
        f'"end":null,"auto_issue":true,"payment_terms_days":14,"lines":[{_line("2500.00")}]',
    )
    changed = decode(
        app, "keel.recurring.LinesChanged.v1", 2, f'"effective_from":{_day("2027-01-01")},"lines":[{_line("2750.00")}]'
    )
    billed = decode(
        app,
        "keel.recurring.PeriodBilled.v1",
        3,
        f'"period_start":{_day("2026-09-15")},"period_end":{_day("2026-09-30")},'
        f'"invoice_id":{{"_type_":"uuid_hex","_data_":"{INVOICE.hex}"}}',
    )
    paused = decode(app, "keel.recurring.Paused.v1", 4, f'"paused_from":{_day("2026-11-01")}')
    resumed = decode(app, "keel.recurring.Resumed.v1", 5, f'"resumed_from":{_day("2026-12-01")}')
    ended = decode(app, "keel.recurring.Ended.v1", 6, f'"end":{_day("2027-06-30")}')
    sub = None
    for event in (set_up, changed, billed, paused, resumed, ended):
        sub = event.mutate(sub)  # type: ignore[attr-defined]
    assert isinstance(sub, RecurringInvoice)
    assert (sub.customer_id, sub.name, sub.frequency, sub.auto_issue) == (CUSTOMER, "Monthly retainer", "monthly", True)
    assert (sub.start, sub.anchor, sub.payment_terms_days) == (date(2026, 9, 15), date(2026, 10, 1), 14)
    assert [(v.effective_from, v.lines[0].unit_price) for v in sub.versions] == [
        (date(2026, 9, 15), Decimal("2500.00")),
        (date(2027, 1, 1), Decimal("2750.00")),
    ]
    assert sub.pauses == [(date(2026, 11, 1), date(2026, 12, 1))]
    assert (sub.last_billed, sub.end, sub.version) == (date(2026, 9, 30), date(2027, 6, 30), 6)

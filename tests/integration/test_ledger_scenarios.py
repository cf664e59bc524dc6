"""Ledger stories run on SQLite and on PostgreSQL alike (the ``keel`` fixture is parametrised)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from support import META, draft, invoice, pay, register, table_dump, void

from api.demo import demo_id, load_demo
from api.system import Keel
from commands.messages import IssueInvoice, RenameCustomer
from ledger.errors import InvalidTransition, NotFound, VersionConflict
from projections.finance import lists, reports


def receivable_of(keel: Keel, customer: object, as_of: date, known_at: datetime | None = None) -> Decimal:
    rows = reports.receivables(keel.views, as_of, known_at).rows
    return next((r.receivable for r in rows if r.customer_id == str(customer)), Decimal(0))


def test_the_demo_quarter_balances_and_shows_what_each_customer_owes(keel: Keel) -> None:
    assert load_demo(keel.app) == 112  # at quarter end: e-invoicing (5), automation (6), reminders (7), recurring (5)
    keel.engine.catch_up()
    end = date(2026, 9, 30)
    assert reports.trial_balance(keel.views, end).balanced
    bs = reports.balance_sheet(keel.views, end, "EUR")
    assert bs.balanced and bs.balance_of("1000") == Decimal("25572.00")  # EUR receipts + USD at 0.935 - payouts
    pnl = reports.profit_and_loss(keel.views, date(2026, 7, 1), end, "EUR")
    assert (pnl.total_income, pnl.total_expenses) == (
        Decimal("39168.00"),
        Decimal("6656.11"),
    )  # labour of the Kite week and Copperline's late July bill included
    owed = {r.customer_name: (r.receivable, r.credit) for r in reports.receivables(keel.views, end).rows}
    assert owed == {
        "Atlas Logistics": (Decimal("5555.20"), Decimal("304.00")),
        "Helios Foods": (Decimal("860.00"), Decimal("0.00")),
        "Northwind Studio Ltd": (Decimal("12956.00"), Decimal("0.00")),
    }
    assert load_demo(keel.app) == 0  # idempotent


def test_invoice_numbers_are_gap_free_per_year_and_skip_nothing_on_refusal(keel: Keel) -> None:
    acme = register(keel)
    first = invoice(keel, acme, "100.00", date(2026, 1, 5))
    voided_draft = draft(keel, acme, "5.00", date(2026, 1, 6))
    void_target = invoice(keel, acme, "50.00", date(2026, 1, 6))
    void(keel, void_target, date(2026, 1, 7))
    with pytest.raises(InvalidTransition):
        keel.app.handle(IssueInvoice(meta=META, invoice_id=void_target, on=date(2026, 1, 8)))
    keel.app.handle(IssueInvoice(meta=META, invoice_id=voided_draft, on=date(2026, 1, 9)))
    next_year = invoice(keel, acme, "10.00", date(2027, 1, 2))
    keel.engine.catch_up()
    numbers = [lists.get_invoice(keel.views, str(i)).number for i in (first, void_target, voided_draft, next_year)]  # type: ignore[union-attr]
    assert numbers == ["INV-2026-0001", "INV-2026-0002", "INV-2026-0003", "INV-2027-0001"]


def test_partial_payments_and_overpayment_become_customer_credit(keel: Keel) -> None:
    acme = register(keel)
    inv1 = invoice(keel, acme, "1000.00", date(2026, 2, 1))  # 1240.00 gross
    inv2 = invoice(keel, acme, "500.00", date(2026, 2, 2))  # 620.00 gross
    pay(keel, acme, "400.00", date(2026, 2, 10), {inv1: "400.00"})
    pay(keel, acme, "1600.00", date(2026, 2, 20), {inv1: "840.00", inv2: "620.00"})
    keel.engine.catch_up()
    row = reports.receivables(keel.views, date(2026, 2, 28)).rows[0]
    assert (row.receivable, row.credit, row.net) == (Decimal("0.00"), Decimal("140.00"), Decimal("-140.00"))
    assert receivable_of(keel, acme, date(2026, 2, 15)) == Decimal("1460.00")
    states = {lists.get_invoice(keel.views, str(i)).payment_state for i in (inv1, inv2)}  # type: ignore[union-attr]
    assert states == {"paid"}


def test_voided_invoice_leaves_no_receivable_from_its_void_date(keel: Keel) -> None:
    acme = register(keel)
    inv = invoice(keel, acme, "100.00", date(2026, 3, 1))
    void(keel, inv, date(2026, 3, 10))
    keel.engine.catch_up()
    assert receivable_of(keel, acme, date(2026, 3, 5)) == Decimal("124.00")
    assert receivable_of(keel, acme, date(2026, 3, 10)) == Decimal(0)
    assert lists.get_invoice(keel.views, str(inv)).status == "voided"  # type: ignore[union-attr]


def test_reports_answer_as_known_at_a_past_moment_even_for_backdated_entries(keel: Keel) -> None:
    acme = register(keel)
    invoice(keel, acme, "100.00", date(2026, 4, 1))
    time.sleep(0.01)
    before_backdated = datetime.now(UTC)
    time.sleep(0.01)
    invoice(keel, acme, "200.00", date(2026, 3, 15))  # recorded later, dated earlier
    keel.engine.catch_up()
    assert receivable_of(keel, acme, date(2026, 4, 30), before_backdated) == Decimal("124.00")
    assert receivable_of(keel, acme, date(2026, 4, 30)) == Decimal("372.00")
    assert receivable_of(keel, acme, date(2026, 3, 31)) == Decimal("248.00")
    assert receivable_of(keel, acme, date(2026, 3, 31), before_backdated) == Decimal(0)


def test_a_stale_expected_version_is_refused_and_writes_nothing(keel: Keel) -> None:
    acme = register(keel)
    head = keel.app.head_position()
    with pytest.raises(VersionConflict) as refused:
        keel.app.handle(RenameCustomer(meta=META, customer_id=acme, name="Acme 2", expected_version=7))
    assert refused.value.current_version == 1
    assert keel.app.head_position() == head


def test_unknown_ids_are_not_found(keel: Keel) -> None:
    with pytest.raises(NotFound, match="customer"):
        invoice(keel, demo_id("nobody"), "1.00", date(2026, 1, 1))


def test_a_rebuilt_projection_equals_the_live_one(keel: Keel) -> None:
    load_demo(keel.app)
    keel.engine.catch_up()
    live = {t: table_dump(keel, t) for t in ("gl_lines", "customers", "invoices", "invoice_lines")}
    for name in keel.engine.projections:
        keel.engine.rebuild(name)
    assert {t: table_dump(keel, t) for t in live} == live
    assert all(s.lag == 0 for s in keel.engine.status())

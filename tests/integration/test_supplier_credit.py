"""Supplier credit notes against bills, as the payables clerk and the accountant check them (SQLite
and PostgreSQL): what a note takes back first reduces what is owed on the bill; beyond that it is
supplier credit, a debit balance with the supplier, used on a later bill or refunded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from uuid import UUID

import pytest
from support import META

from api.system import Keel
from commands import messages as m
from ledger.errors import AlreadyExists, InvalidTransition, InvalidValue
from ledger.supplier_credit import supplier_credit_note_id
from projections.finance import detail, ledger_lists, reports
from projections.finance.supplier_credit import get_supplier_credit_note

HOSTING = m.BillLineInput(description="Hosting", account="6100", amount="1000.00", tax_rate="24")


def supplier(keel: Keel, currency: str = "EUR") -> UUID:
    return keel.app.handle(m.RegisterSupplier(meta=META, name="Copperline", currency=currency, on=date(2026, 1, 2))).id


def bill(keel: Keel, who: UUID, reference: str, on: date, rate: str | None = None) -> UUID:
    return keel.app.handle(
        m.RecordBill(meta=META, supplier_id=who, supplier_reference=reference, lines=(HOSTING,), on=on, rate=rate)
    ).id


def credit(keel: Keel, bill_id: UUID, reference: str, on: date, *lines: m.BillLineInput) -> UUID:
    return keel.app.handle(
        m.ReceiveSupplierCreditNote(meta=META, bill_id=bill_id, supplier_reference=reference, lines=lines, on=on)
    ).id


def pay(keel: Keel, who: UUID, bill_id: UUID, amount: str, on: date, rate: str | None = None) -> None:
    allocation = m.BillPaymentInput(bill_id=bill_id, amount=amount)
    keel.app.handle(m.PaySupplier(meta=META, supplier_id=who, allocations=(allocation,), on=on, rate=rate))


def balances(keel: Keel, as_of: date = date(2026, 12, 31)) -> dict[str, D]:
    keel.engine.catch_up()
    tb = reports.trial_balance(keel.views, as_of, functional_currency="EUR")
    return {r.account: r.debit - r.credit for r in tb.rows}


def test_a_partial_credit_note_reduces_what_is_owed_on_the_bill(keel: Keel) -> None:
    who = supplier(keel)
    b = bill(keel, who, "CL-1", date(2026, 3, 1))  # 1,000.00 + 24% = 1,240.00
    part = m.BillLineInput(description="Downtime refund", account="6100", amount="200.00", tax_rate="24")
    note = credit(keel, b, "CN-77", date(2026, 3, 10), part)
    assert note == supplier_credit_note_id(who, "CN-77")
    assert balances(keel) == {"6100": D("800.00"), "1200": D("192.00"), "2000": D("-992.00")}
    found = ledger_lists.get_bill(keel.views, str(b))
    assert found is not None and (found.open, found.credited, found.status) == (D("992.00"), D("248.00"), "open")
    payables = detail.ageing(keel.views, "payables", date(2026, 3, 31), "EUR")
    assert payables.total == D("992.00")
    view = get_supplier_credit_note(keel.views, str(note))
    assert view is not None and (view.total, view.to_credit, view.credit_left) == (D("248.00"), 0, 0)


def test_crediting_a_paid_bill_leaves_supplier_credit_used_on_a_later_bill_then_refunded(keel: Keel) -> None:
    who = supplier(keel)
    first = bill(keel, who, "CL-1", date(2026, 3, 1))
    pay(keel, who, first, "1000.00", date(2026, 3, 5))  # 240.00 still owed
    keel.app.handle(
        m.ReceiveSupplierCreditNote(meta=META, bill_id=first, supplier_reference="CN-1", on=date(2026, 3, 20))
    )
    note = supplier_credit_note_id(who, "CN-1")
    assert balances(keel)["2000"] == D("1000.00")  # a debit balance with the supplier
    ageing = detail.ageing(keel.views, "payables", date(2026, 3, 31), "EUR")
    assert [(i.number, i.open_amount) for i in ageing.items] == [("CN-1", D("-1000.00"))]
    later = bill(keel, who, "CL-2", date(2026, 4, 1))
    keel.app.handle(
        m.ApplySupplierCredit(meta=META, credit_note_id=note, bill_id=later, amount="600.00", on=date(2026, 4, 2))
    )
    keel.app.handle(m.RefundSupplierCredit(meta=META, credit_note_id=note, amount="400.00", on=date(2026, 4, 9)))
    after = balances(keel)
    assert (after["2000"], after["1000"]) == (D("-640.00"), D("-600.00"))  # bank: -1000 paid, +400 refunded
    assert (after["6100"], after["1200"]) == (D("1000.00"), D("240.00"))  # only the second bill's cost is left
    later_view = ledger_lists.get_bill(keel.views, str(later))
    assert later_view is not None and later_view.open == D("640.00")
    view = get_supplier_credit_note(keel.views, str(note))
    assert view is not None and (view.to_credit, view.credit_left) == (D("1000.00"), D("0.00"))
    assert [(u.kind, u.amount) for u in view.uses] == [("applied", D("600.00")), ("refunded", D("400.00"))]
    with pytest.raises(InvalidTransition, match=r"leaves 0\.00 EUR of supplier credit"):
        keel.app.handle(m.RefundSupplierCredit(meta=META, credit_note_id=note, amount="1.00", on=date(2026, 4, 9)))


def test_a_usd_credit_note_posts_at_the_bills_rate_and_its_refund_realises_the_difference(keel: Keel) -> None:
    who = supplier(keel, "USD")
    b = bill(keel, who, "US-1", date(2026, 3, 1), rate="0.90")  # 1,240.00 USD = 1,116.00 EUR
    pay(keel, who, b, "1240.00", date(2026, 3, 5), rate="0.90")
    keel.app.handle(m.ReceiveSupplierCreditNote(meta=META, bill_id=b, supplier_reference="UC-1", on=date(2026, 3, 9)))
    note = supplier_credit_note_id(who, "UC-1")
    keel.app.handle(
        m.RefundSupplierCredit(meta=META, credit_note_id=note, amount="1240.00", rate="0.95", on=date(2026, 3, 20))
    )
    after = balances(keel)
    assert "2000" not in after and after["4900"] == D("-62.00")  # 1,240 x (0.95 - 0.90): a realised gain
    assert after["1000"] == D("62.00")


def test_what_a_credit_note_may_not_do(keel: Keel) -> None:
    who = supplier(keel)
    b = bill(keel, who, "CL-1", date(2026, 3, 1))
    too_much = m.BillLineInput(description="x", account="6100", amount="2000.00")
    with pytest.raises(InvalidTransition, match=r"exceeds the 1240\.00 EUR still creditable"):
        credit(keel, b, "CN-1", date(2026, 3, 2), too_much)
    with pytest.raises(InvalidValue, match="before bill CL-1"):
        credit(keel, b, "CN-1", date(2026, 2, 28), HOSTING)
    with pytest.raises(InvalidValue, match="reference"):
        credit(keel, b, "  ", date(2026, 3, 2), HOSTING)
    with pytest.raises(InvalidValue, match="account"):
        credit(keel, b, "CN-1", date(2026, 3, 2), m.BillLineInput(description="x", account="4000", amount="1.00"))
    head = keel.app.head_position()
    credit(keel, b, "CN-1", date(2026, 3, 2), m.BillLineInput(description="x", account="6100", amount="10.00"))
    with pytest.raises(AlreadyExists):
        credit(keel, b, "CN-1", date(2026, 3, 3), m.BillLineInput(description="x", account="6100", amount="10.00"))
    with pytest.raises(InvalidValue, match="partly credited; list the lines"):
        keel.app.handle(
            m.ReceiveSupplierCreditNote(meta=META, bill_id=b, supplier_reference="CN-2", on=date(2026, 3, 3))
        )
    with pytest.raises(InvalidTransition, match="without credit notes can be voided"):
        keel.app.handle(m.VoidBill(meta=META, bill_id=b, reason="duplicate", on=date(2026, 3, 4)))
    assert keel.app.head_position() == head + 2  # the one note (and the bill's record of it)

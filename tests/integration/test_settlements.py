"""How invoices get settled besides plain payments (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from support import META, invoice, pay, register

from api.system import Keel
from commands import messages as m
from ledger.customer import Customer
from ledger.errors import InvalidTransition, NotPermitted
from ledger.events import Meta
from projections.finance import lists, reports


def balance(keel: Keel, code: str, as_of: date = date(2026, 12, 31)) -> D:
    keel.engine.catch_up()
    return reports.balance_sheet(keel.views, as_of, "EUR").balance_of(code)


def test_overpayment_credit_is_applied_to_a_later_invoice_then_the_rest_refunded(keel: Keel) -> None:
    acme = register(keel)
    first = invoice(keel, acme, "100.00", date(2026, 2, 1))  # 124.00
    pay(keel, acme, "200.00", date(2026, 2, 5), {first: "124.00"})  # 76.00 becomes credit
    later = invoice(keel, acme, "50.00", date(2026, 3, 1))  # 62.00
    keel.app.handle(
        m.ApplyCustomerCredit(meta=META, customer_id=acme, invoice_id=later, amount="62.00", on=date(2026, 3, 2))
    )
    assert keel.app.get(Customer, acme).available_credit("EUR").amount == D("14.00")
    with pytest.raises(InvalidTransition, match=r"has 14\.00 EUR of credit"):
        keel.app.handle(m.RefundCustomerCredit(meta=META, customer_id=acme, amount="20.00", on=date(2026, 3, 3)))
    keel.app.handle(
        m.RefundCustomerCredit(meta=META, customer_id=acme, amount="14.00", reference="R1", on=date(2026, 3, 3))
    )
    assert (balance(keel, "1100"), balance(keel, "2200"), balance(keel, "1000")) == (D(0), D(0), D("186.00"))
    assert lists.get_invoice(keel.views, str(later)).payment_state == "paid"  # type: ignore[union-attr]


def test_write_off_moves_what_is_owed_to_bad_debts(keel: Keel) -> None:
    acme = register(keel)
    inv = invoice(keel, acme, "100.00", date(2026, 2, 1))
    pay(keel, acme, "24.00", date(2026, 2, 5), {inv: "24.00"})
    keel.app.handle(m.WriteOffInvoice(meta=META, invoice_id=inv, reason="customer insolvent", on=date(2026, 6, 30)))
    assert balance(keel, "1100") == 0
    pnl = reports.profit_and_loss(keel.views, date(2026, 1, 1), date(2026, 12, 31), "EUR")
    assert {ln.account: ln.amount for ln in pnl.expenses} == {"6800": D("100.00")}
    with pytest.raises(InvalidTransition, match="nothing outstanding"):
        keel.app.handle(m.WriteOffInvoice(meta=META, invoice_id=inv, reason="again", on=date(2026, 7, 1)))


def test_unallocating_reopens_the_invoice_and_holds_the_money_as_credit(keel: Keel) -> None:
    acme = register(keel)
    inv = invoice(keel, acme, "100.00", date(2026, 2, 1))
    payment = pay(keel, acme, "124.00", date(2026, 2, 5), {inv: "124.00"}).id
    keel.app.handle(
        m.UnallocatePayment(meta=META, payment_id=payment, invoice_id=inv, amount="24.00", on=date(2026, 2, 6))
    )
    assert (balance(keel, "1100"), balance(keel, "2200")) == (D("24.00"), D("24.00"))
    assert lists.get_invoice(keel.views, str(inv)).outstanding == D("24.00")  # type: ignore[union-attr]


def test_a_bank_fee_is_an_expense_and_still_settles_the_invoice(keel: Keel) -> None:
    acme = register(keel, currency="USD")
    inv = keel.app.handle(
        m.DraftInvoice(
            meta=META,
            customer_id=acme,
            on=date(2026, 2, 1),
            lines=(m.LineInput(description="Audit", quantity="1", unit_price="1000.00"),),
        )
    ).id
    keel.app.handle(m.IssueInvoice(meta=META, invoice_id=inv, rate="0.90", on=date(2026, 2, 1)))
    keel.app.handle(
        m.RecordPayment(
            meta=META,
            customer_id=acme,
            amount="1000.00",
            rate="0.88",
            bank_fee="15.00",
            allocations=(m.AllocationInput(invoice_id=inv, amount="1000.00"),),
            on=date(2026, 3, 1),
        )
    )
    keel.engine.catch_up()
    pnl = reports.profit_and_loss(keel.views, date(2026, 1, 1), date(2026, 12, 31), "EUR")
    assert {ln.account: ln.amount for ln in pnl.expenses} == {"6700": D("13.20"), "7900": D("20.00")}  # fee; FX loss
    assert (balance(keel, "1100"), balance(keel, "1000")) == (D(0), D("866.80"))


def test_a_rejected_claim_is_resubmitted_by_its_claimant_and_routed_again(keel: Keel) -> None:
    keel.app.handle(m.DefineCostCenter(meta=META, code="OPS", name="Ops", manager="olaf", on=date(2026, 1, 2)))
    claim = keel.app.handle(
        m.SubmitExpenseClaim(
            meta=Meta("jon"),
            on=date(2026, 1, 5),
            claim=m.ClaimInput(
                category="software", description="Licence", amount="40.00", receipt_reference="R9", cost_center="OPS"
            ),
        )
    ).id
    keel.app.handle(
        m.RejectExpenseClaim(meta=Meta("olaf"), claim_id=claim, reason="wrong cost center", on=date(2026, 1, 6))
    )
    with pytest.raises(NotPermitted, match="only jon"):
        keel.app.handle(
            m.ResubmitExpenseClaim(
                meta=Meta("olaf"),
                claim_id=claim,
                claim=m.ClaimInput(
                    category="software",
                    description="Licence",
                    amount="40.00",
                    receipt_reference="R9",
                    cost_center="OPS",
                ),
            )
        )
    keel.app.handle(m.DefineCostCenter(meta=META, code="DESIGN", name="Design", manager="maria", on=date(2026, 1, 6)))
    keel.app.handle(
        m.ResubmitExpenseClaim(
            meta=Meta("jon"),
            claim_id=claim,
            on=date(2026, 1, 7),
            claim=m.ClaimInput(
                category="software", description="Licence", amount="40.00", receipt_reference="R9", cost_center="DESIGN"
            ),
        )
    )
    keel.app.handle(m.ApproveExpenseClaim(meta=Meta("maria"), claim_id=claim, on=date(2026, 1, 8)))
    keel.engine.catch_up()
    view = lists.get_claim(keel.views, str(claim))
    assert view is not None and (view.status, view.route, view.cost_center) == ("approved", ["maria"], "DESIGN")
    assert balance(keel, "2500") == D("40.00")


def test_the_expense_policy_can_be_reconfigured(keel: Keel) -> None:
    for limit in ("500", "1000"):
        keel.app.handle(
            m.ConfigureExpensePolicy(
                meta=META,
                fallback_approver="fiona",
                steps=(
                    m.ApprovalStepInput(approver="cost_center_manager"),
                    m.ApprovalStepInput(approver="fiona", above=limit),
                ),
            )
        )
    from ledger.expense_policy import POLICY_ID, ExpensePolicy

    assert keel.app.get(ExpensePolicy, POLICY_ID).steps[1].above == D("1000")

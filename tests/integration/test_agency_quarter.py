"""A quarter of a small agency, told as the accountant would check it (SQLite and PostgreSQL).

Q1 2026, books in EUR. Two customers (one billed in USD), a subcontractor's bill, expense
claims through two approval levels, a rent accrual, a partial payment, a credit note, a
closed February and a backdated entry that the closed period refuses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from api.system import Keel
from commands import messages as m
from commands.adapters.clock import SetClock
from ledger.books import PeriodLocked
from ledger.errors import InvalidTransition, NotPermitted
from ledger.events import Meta
from projections.finance import detail, reports

ACCOUNTANT, JON, MARIA, FIONA = Meta("anna"), Meta("jon"), Meta("maria"), Meta("fiona")


def run(keel: Keel, command: m.Command) -> m.CommandResult:
    return keel.app.handle(command)


@pytest.fixture
def quarter(keel: Keel) -> Keel:
    a = ACCOUNTANT
    northwind = run(keel, m.RegisterCustomer(meta=a, name="Northwind", on=date(2026, 1, 2))).id
    blue = run(keel, m.RegisterCustomer(meta=a, name="Blue Harbor", currency="USD", on=date(2026, 1, 2))).id
    pixel = run(
        keel, m.RegisterSupplier(meta=a, name="Pixel Illustration", payment_terms_days=14, on=date(2026, 1, 2))
    ).id
    run(keel, m.DefineCostCenter(meta=a, code="DESIGN", name="Design studio", manager="maria", on=date(2026, 1, 2)))
    run(keel, m.DefineCostCenter(meta=a, code="OPS", name="Operations", manager="olaf", on=date(2026, 1, 2)))
    run(
        keel,
        m.ConfigureExpensePolicy(
            meta=a,
            on=date(2026, 1, 2),
            fallback_approver="fiona",
            steps=(
                m.ApprovalStepInput(approver="cost_center_manager"),
                m.ApprovalStepInput(approver="fiona", above="500"),
            ),
        ),
    )

    # January: two invoices (EUR with two tax rates, USD at 0.90), a subcontractor's bill, a rent accrual
    inv_a = run(
        keel,
        m.DraftInvoice(
            meta=a,
            customer_id=northwind,
            on=date(2026, 1, 10),
            tax_percent="24",
            lines=(
                m.LineInput(description="Design hours", quantity="10", unit_price="100.00", service_code="DESIGN"),
                m.LineInput(
                    description="Hosting", quantity="1", unit_price="500.00", tax_rate="13", service_code="HOST"
                ),
            ),
        ),
    ).id
    run(keel, m.IssueInvoice(meta=a, invoice_id=inv_a, on=date(2026, 1, 10)))
    inv_b = run(
        keel,
        m.DraftInvoice(
            meta=a,
            customer_id=blue,
            on=date(2026, 1, 15),
            lines=(m.LineInput(description="UX audit", quantity="1", unit_price="2000.00"),),
        ),
    ).id
    run(keel, m.IssueInvoice(meta=a, invoice_id=inv_b, rate="0.90", on=date(2026, 1, 15)))
    bill = run(
        keel,
        m.RecordBill(
            meta=a,
            supplier_id=pixel,
            supplier_reference="PX-118",
            on=date(2026, 1, 20),
            lines=(
                m.BillLineInput(
                    description="Illustrations", account="5000", amount="800.00", tax_rate="24", cost_center="DESIGN"
                ),
            ),
        ),
    ).id
    run(
        keel,
        m.PostJournalEntry(
            meta=a,
            on=date(2026, 1, 31),
            memo="Accrue January rent, not yet billed",
            lines=(
                m.EntryLineInput(account="6000", debit="1200.00", cost_center="OPS"),
                m.EntryLineInput(account="2400", credit="1200.00"),
            ),
        ),
    )

    # February: a partial payment, a credit note, expense claims, the bill paid, the USD paid at 0.95
    run(
        keel,
        m.RecordPayment(
            meta=a,
            customer_id=northwind,
            amount="1000.00",
            on=date(2026, 2, 5),
            allocations=(m.AllocationInput(invoice_id=inv_a, amount="1000.00"),),
        ),
    )
    run(
        keel,
        m.IssueCreditNote(
            meta=a,
            invoice_id=inv_a,
            reason="Hosting moved to the client's provider",
            on=date(2026, 2, 10),
            lines=(m.LineInput(description="Hosting", quantity="1", unit_price="500.00", tax_rate="13"),),
        ),
    )
    travel = run(
        keel,
        m.SubmitExpenseClaim(
            meta=JON,
            on=date(2026, 2, 12),
            claim=m.ClaimInput(
                category="travel",
                description="Client workshop, train and hotel",
                amount="620.00",
                tax_rate="24",
                receipt_reference="R-2231",
                cost_center="DESIGN",
            ),
        ),
    ).id
    with pytest.raises(InvalidTransition, match="out of order"):
        run(keel, m.ApproveExpenseClaim(meta=FIONA, claim_id=travel, on=date(2026, 2, 13)))
    run(keel, m.ApproveExpenseClaim(meta=MARIA, claim_id=travel, on=date(2026, 2, 13)))
    run(keel, m.ApproveExpenseClaim(meta=FIONA, claim_id=travel, on=date(2026, 2, 14)))
    meals = run(
        keel,
        m.SubmitExpenseClaim(
            meta=MARIA,
            on=date(2026, 2, 18),
            claim=m.ClaimInput(
                category="meals",
                description="Team lunch",
                amount="80.00",
                receipt_reference="R-2240",
                cost_center="DESIGN",
            ),
        ),
    ).id
    with pytest.raises(NotPermitted, match="own claim"):
        run(keel, m.ApproveExpenseClaim(meta=MARIA, claim_id=meals, on=date(2026, 2, 19)))
    run(keel, m.ApproveExpenseClaim(meta=FIONA, claim_id=meals, on=date(2026, 2, 20)))
    run(
        keel,
        m.PaySupplier(
            meta=a,
            supplier_id=pixel,
            on=date(2026, 2, 25),
            allocations=(m.BillPaymentInput(bill_id=bill, amount="992.00"),),
        ),
    )
    run(
        keel,
        m.RecordPayment(
            meta=a,
            customer_id=blue,
            amount="2000.00",
            rate="0.95",
            on=date(2026, 2, 28),
            allocations=(m.AllocationInput(invoice_id=inv_b, amount="2000.00"),),
        ),
    )

    # March: February is closed; a backdated entry is refused; the claim reimbursed; a new invoice
    keel.engine.catch_up()
    keel.february_at_close = snapshot(keel, date(2026, 2, 28))  # type: ignore[attr-defined]
    run(keel, m.ClosePeriod(meta=a, lock_date=date(2026, 2, 28), on=date(2026, 3, 3)))
    late = run(
        keel,
        m.DraftInvoice(
            meta=a,
            customer_id=northwind,
            on=date(2026, 2, 27),
            tax_percent="24",
            lines=(m.LineInput(description="Forgotten February hours", quantity="2", unit_price="100.00"),),
        ),
    ).id
    head = keel.app.head_position()
    with pytest.raises(PeriodLocked, match="closed up to 2026-02-28"):
        run(keel, m.IssueInvoice(meta=a, invoice_id=late, on=date(2026, 2, 27)))
    assert keel.app.head_position() == head
    run(keel, m.ReimburseExpenseClaim(meta=a, claim_id=travel, reference="SEPA-0310", on=date(2026, 3, 10)))
    inv_c = run(
        keel,
        m.DraftInvoice(
            meta=a,
            customer_id=northwind,
            on=date(2026, 3, 15),
            tax_percent="24",
            lines=(m.LineInput(description="Design hours", quantity="5", unit_price="100.00"),),
        ),
    ).id
    run(keel, m.IssueInvoice(meta=a, invoice_id=inv_c, on=date(2026, 3, 15)))
    keel.engine.catch_up()
    return keel


def snapshot(keel: Keel, as_of: date) -> tuple[object, ...]:
    return (
        reports.trial_balance(keel.views, as_of, None, "EUR").rows,
        reports.profit_and_loss(keel.views, date(2026, 1, 1), as_of, "EUR").income,
        reports.balance_sheet(keel.views, as_of, "EUR").assets,
    )


def amounts(lines: list[reports.StatementLine]) -> dict[str, D]:
    return {ln.account: ln.amount for ln in lines}


def test_profit_and_loss_of_the_quarter(quarter: Keel) -> None:
    pnl = reports.profit_and_loss(quarter.views, date(2026, 1, 1), date(2026, 3, 31), "EUR")
    assert amounts(pnl.income) == {"4000": D("3300.00"), "4900": D("100.00")}  # revenue net of the credit note; FX gain
    assert amounts(pnl.expenses) == {"5000": D("800.00"), "6000": D("1200.00"), "6200": D("500.00"), "6300": D("80.00")}
    assert (pnl.total_income, pnl.total_expenses, pnl.result) == (D("3400.00"), D("2580.00"), D("820.00"))
    by_center = reports.profit_and_loss(quarter.views, date(2026, 1, 1), date(2026, 3, 31), "EUR", by="cost_center")
    assert by_center.result_by_group() == {"": D("3400.00"), "DESIGN": D("-1380.00"), "OPS": D("-1200.00")}


def test_balance_sheet_at_quarter_end_balances(quarter: Keel) -> None:
    bs = reports.balance_sheet(quarter.views, date(2026, 3, 31), "EUR")
    assert amounts(bs.assets) == {"1000": D("1288.00"), "1100": D("860.00"), "1200": D("312.00")}
    assert amounts(bs.liabilities) == {"2100": D("360.00"), "2400": D("1200.00"), "2500": D("80.00")}
    assert bs.unclosed_result == D("820.00")
    assert bs.balanced and bs.total_assets == D("2460.00")


def test_receivables_ageing_matches_the_balance_sheet(quarter: Keel) -> None:
    ageing = detail.ageing(quarter.views, "receivables", date(2026, 3, 31), "EUR")
    assert [(i.number, i.days_overdue, i.bucket, i.open_value) for i in ageing.items] == [
        ("INV-2026-0001", 50, "31-60", D("240.00")),
        ("INV-2026-0003", 0, "current", D("620.00")),
    ]
    assert ageing.total == reports.balance_sheet(quarter.views, date(2026, 3, 31), "EUR").balance_of("1100")
    assert detail.ageing(quarter.views, "payables", date(2026, 3, 31), "EUR").items == []
    assert [i.open_value for i in detail.ageing(quarter.views, "payables", date(2026, 2, 24), "EUR").items] == [
        D("992.00")
    ]


def test_tax_summary_of_the_quarter(quarter: Keel) -> None:
    tax = {t.tax_code: t for t in detail.tax_summary(quarter.views, date(2026, 1, 1), date(2026, 3, 31), "EUR").lines}
    assert (tax["VAT-24"].sales_base, tax["VAT-24"].output_tax) == (D("1500.00"), D("360.00"))
    assert (tax["VAT-24"].purchases_base, tax["VAT-24"].input_tax) == (D("1300.00"), D("312.00"))
    assert (tax["VAT-13"].sales_base, tax["VAT-13"].output_tax) == (D("0.00"), D("0.00"))  # credited in full
    assert (tax["VAT-0"].sales_base, tax["VAT-0"].purchases_base) == (D("1800.00"), D("80.00"))
    assert sum(t.net_payable for t in tax.values()) == D("48.00")


def test_the_closed_month_reads_the_same_after_later_events(quarter: Keel) -> None:
    assert snapshot(quarter, date(2026, 2, 28)) == quarter.february_at_close  # type: ignore[attr-defined]


def test_the_trial_balance_balances_per_currency_and_in_value(quarter: Keel) -> None:
    assert reports.trial_balance(quarter.views, date(2026, 3, 31)).balanced
    assert reports.trial_balance(quarter.views, date(2026, 3, 31), None, "EUR").balanced


def test_year_end_close_moves_the_result_to_retained_earnings(quarter: Keel) -> None:
    a = ACCOUNTANT
    quarter.app.log_clock = SetClock(datetime(2027, 1, 10, 9, tzinfo=UTC))  # the new year on the log's clock
    with pytest.raises(InvalidTransition, match="close the period"):
        run(quarter, m.CloseYear(meta=a, year=2026))
    run(quarter, m.ClosePeriod(meta=a, lock_date=date(2026, 12, 31), on=date(2027, 1, 5)))
    run(quarter, m.CloseYear(meta=a, year=2026, on=date(2027, 1, 5)))
    quarter.engine.catch_up()
    bs = reports.balance_sheet(quarter.views, date(2026, 12, 31), "EUR")
    assert bs.unclosed_result == 0 and amounts(bs.equity) == {"3100": D("820.00")} and bs.balanced
    # the year's P&L still shows the year's result: closing entries are not part of it
    assert reports.profit_and_loss(quarter.views, date(2026, 1, 1), date(2026, 12, 31), "EUR").result == D("820.00")
    with pytest.raises(InvalidTransition, match="already closed"):
        run(quarter, m.CloseYear(meta=a, year=2026))

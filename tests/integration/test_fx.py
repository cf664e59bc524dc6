"""The exchange rate table and unrealised revaluation, as an accountant would check them (SQLite and
PostgreSQL): a USD invoice of 1,000.00 issued at 0.90, closing rate 0.95, is an unrealised gain of
50.00 EUR in September's P&L, reversed on 1 October."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from uuid import UUID

import pytest
from support import META

from api.system import Keel
from commands import messages as m
from ledger.errors import AlreadyExists, InvalidTransition, InvalidValue
from ledger.fx_revaluation import revaluation_id
from ledger.invoice import Invoice
from projections.finance import reports
from projections.finance.fx_rates import list_rates

SEPT_30, OCT_1 = date(2026, 9, 30), date(2026, 10, 1)


def rate(keel: Keel, currency: str, value: str, on: date) -> None:
    keel.app.handle(m.SetFxRate(meta=META, currency=currency, rate=value, on=on))


def usd_invoice(keel: Keel, amount: str, on: date, rate: str | None = None) -> UUID:
    customer = keel.app.handle(m.RegisterCustomer(meta=META, name="Blue Harbor", currency="USD", on=date(2026, 1, 2)))
    line = m.LineInput(description="Audit", quantity="1", unit_price=amount)
    inv = keel.app.handle(m.DraftInvoice(meta=META, customer_id=customer.id, lines=(line,), on=on)).id
    keel.app.handle(m.IssueInvoice(meta=META, invoice_id=inv, on=on, rate=rate))
    return inv


def usd_bill(keel: Keel, amount: str, on: date) -> UUID:
    supplier = keel.app.handle(m.RegisterSupplier(meta=META, name="Acme Hosting", currency="USD", on=date(2026, 1, 2)))
    line = m.BillLineInput(description="Hosting", account="6100", amount=amount)
    return keel.app.handle(
        m.RecordBill(meta=META, supplier_id=supplier.id, supplier_reference="AH-1", lines=(line,), on=on)
    ).id


def pnl(keel: Keel, start: date, end: date) -> dict[str, D]:
    keel.engine.catch_up()
    found = reports.profit_and_loss(keel.views, start, end, "EUR")
    return {ln.account: ln.amount for ln in [*found.income, *found.expenses]}


def test_an_invoice_without_a_rate_takes_the_rate_in_force_on_its_date(keel: Keel) -> None:
    rate(keel, "USD", "0.9000", date(2026, 9, 1))
    rate(keel, "USD", "0.9500", date(2026, 9, 20))  # not yet in force on the 10th
    inv = usd_invoice(keel, "1000.00", date(2026, 9, 10))
    assert keel.app.get(Invoice, inv).rate == D("0.9000")
    assert pnl(keel, date(2026, 9, 1), SEPT_30) == {"4000": D("900.00")}


def test_a_foreign_invoice_with_no_rate_anywhere_is_refused_naming_the_currency_and_date(keel: Keel) -> None:
    rate(keel, "USD", "0.9000", date(2026, 9, 15))  # after the invoice's date: not in force
    with pytest.raises(InvalidValue, match=r"no USD rate on or before 2026-09-10.*give its rate to EUR"):
        usd_invoice(keel, "1000.00", date(2026, 9, 10))
    # the functional currency never needs one, and a given rate still wins over the table
    inv = usd_invoice(keel, "10.00", date(2026, 9, 16), rate="0.8000")
    assert keel.app.get(Invoice, inv).rate == D("0.8000")


def test_a_rate_for_the_functional_currency_or_an_unknown_one_is_refused(keel: Keel) -> None:
    with pytest.raises(InvalidValue, match="currency: EUR is the functional currency"):
        rate(keel, "EUR", "1.1", date(2026, 9, 1))
    with pytest.raises(InvalidValue, match="currency: XYZ is not an ISO 4217"):
        rate(keel, "XYZ", "1.1", date(2026, 9, 1))
    with pytest.raises(InvalidValue, match="rate: an exchange rate is positive"):
        rate(keel, "USD", "0", date(2026, 9, 1))
    assert keel.app.head_position() == 0


def test_imports_are_all_or_nothing_and_the_same_file_is_refused_unless_forced(keel: Keel) -> None:
    rows = (
        m.FxRateInput(currency="USD", rate_date=date(2026, 9, 1), rate="0.90"),
        m.FxRateInput(currency="GBP", rate_date=date(2026, 9, 1), rate="1.17"),
    )
    digest = "a" * 64
    keel.app.handle(m.ImportFxRates(meta=META, rates=rows, digest=digest))
    head = keel.app.head_position()
    with pytest.raises(InvalidTransition, match="imported before"):
        keel.app.handle(m.ImportFxRates(meta=META, rates=rows, digest=digest))
    bad = (*rows, m.FxRateInput(currency="JPY", rate_date=date(2026, 9, 1), rate="-1"))
    with pytest.raises(InvalidValue, match=r"rates\[2\]\.rate"):
        keel.app.handle(m.ImportFxRates(meta=META, rates=bad, digest="b" * 64))
    assert keel.app.head_position() == head
    keel.app.handle(m.ImportFxRates(meta=META, rates=rows, digest=digest, force=True))
    keel.engine.catch_up()
    listed = list_rates(keel.views, SEPT_30).items
    assert [(r.currency, r.date, r.rate) for r in listed] == [
        ("GBP", date(2026, 9, 1), D("1.17")),
        ("USD", date(2026, 9, 1), D("0.90")),
    ]


def test_the_rate_list_is_as_of_a_date_and_as_known_at_a_moment(keel: Keel) -> None:
    rate(keel, "USD", "0.90", date(2026, 9, 1))
    keel.engine.catch_up()
    before = keel.app.moment_of(keel.app.head_position())
    rate(keel, "USD", "0.91", date(2026, 9, 1))  # a correction of the same date
    rate(keel, "USD", "0.95", SEPT_30)
    keel.engine.catch_up()
    now = [(r.date, r.rate) for r in list_rates(keel.views, SEPT_30).items]
    assert now == [(date(2026, 9, 1), D("0.91")), (SEPT_30, D("0.95"))]
    assert [(r.date, r.rate) for r in list_rates(keel.views, date(2026, 9, 29)).items] == [
        (date(2026, 9, 1), D("0.91"))
    ]
    assert [(r.date, r.rate) for r in list_rates(keel.views, SEPT_30, before).items] == [(date(2026, 9, 1), D("0.90"))]


# -- revaluation -------------------------------------------------------------------------------


def test_an_open_usd_invoice_is_revalued_at_the_closing_rate_and_reversed_on_the_first(keel: Keel) -> None:
    rate(keel, "USD", "0.90", date(2026, 9, 1))
    usd_invoice(keel, "1000.00", date(2026, 9, 10))  # 900.00 EUR
    rate(keel, "USD", "0.95", SEPT_30)
    keel.app.handle(m.RevalueFx(meta=META, as_of=SEPT_30))
    assert pnl(keel, date(2026, 9, 1), SEPT_30) == {"4000": D("900.00"), "4910": D("50.00")}
    assert pnl(keel, OCT_1, date(2026, 10, 31)) == {"4910": D("-50.00")}
    assert pnl(keel, date(2026, 9, 1), date(2026, 10, 31)) == {"4000": D("900.00")}  # nets to zero
    sheet = reports.balance_sheet(keel.views, SEPT_30, "EUR")
    assert sheet.balance_of("1100") == D("950.00")  # the receivable at the closing rate
    assert reports.balance_sheet(keel.views, OCT_1, "EUR").balance_of("1100") == D("900.00")


def test_receivables_payables_and_bank_are_netted_per_currency(keel: Keel) -> None:
    rate(keel, "USD", "0.90", date(2026, 9, 1))
    usd_invoice(keel, "1000.00", date(2026, 9, 10))  # +50.00 at 0.95
    usd_bill(keel, "400.00", date(2026, 9, 12))  # owed 360.00 EUR, 380.00 at 0.95: -20.00
    customer = keel.app.handle(m.RegisterCustomer(meta=META, name="Prepaid Inc", currency="USD", on=date(2026, 1, 2)))
    keel.app.handle(m.RecordPayment(meta=META, customer_id=customer.id, amount="200.00", on=date(2026, 9, 15)))
    # 200 USD in the bank (180.00 EUR, +10.00) and held as customer credit (180.00 EUR, -10.00)
    rate(keel, "USD", "0.95", SEPT_30)
    keel.app.handle(m.RevalueFx(meta=META, as_of=SEPT_30))
    assert pnl(keel, date(2026, 9, 1), SEPT_30)["4910"] == D("30.00")
    sheet = reports.balance_sheet(keel.views, SEPT_30, "EUR")
    assert (sheet.balance_of("1100"), sheet.balance_of("2000"), sheet.balance_of("1000")) == (
        D("950.00"),
        D("380.00"),
        D("190.00"),
    )


def test_revaluing_twice_for_one_date_changes_nothing(keel: Keel) -> None:
    rate(keel, "USD", "0.90", date(2026, 9, 1))
    usd_invoice(keel, "1000.00", date(2026, 9, 10))
    rate(keel, "USD", "0.95", SEPT_30)
    first = keel.app.handle(m.RevalueFx(meta=META, as_of=SEPT_30))
    assert first.id == revaluation_id(SEPT_30)
    head = keel.app.head_position()
    with pytest.raises(AlreadyExists, match="already posted"):
        keel.app.handle(m.RevalueFx(meta=META, as_of=SEPT_30))
    assert keel.app.head_position() == head


def test_revaluation_is_refused_in_a_closed_period_and_without_a_closing_rate(keel: Keel) -> None:
    usd_invoice(keel, "1000.00", date(2026, 9, 10), rate="0.90")
    with pytest.raises(InvalidValue, match=r"no closing rate for USD on or before 2026-09-30"):
        keel.app.handle(m.RevalueFx(meta=META, as_of=SEPT_30))
    rate(keel, "USD", "0.95", SEPT_30)
    keel.app.handle(m.ClosePeriod(meta=META, lock_date=SEPT_30, on=date(2026, 10, 5)))
    with pytest.raises(InvalidTransition, match="closed up to 2026-09-30"):
        keel.app.handle(m.RevalueFx(meta=META, as_of=SEPT_30))


def test_a_later_month_revalues_from_the_documents_own_rates(keel: Keel) -> None:
    rate(keel, "USD", "0.90", date(2026, 9, 1))
    usd_invoice(keel, "1000.00", date(2026, 9, 10))
    rate(keel, "USD", "0.95", SEPT_30)
    keel.app.handle(m.RevalueFx(meta=META, as_of=SEPT_30))
    rate(keel, "USD", "0.93", date(2026, 10, 31))
    keel.app.handle(m.RevalueFx(meta=META, as_of=date(2026, 10, 31)))
    # October: September's 50.00 reversed, then 30.00 against the issue rate
    assert pnl(keel, OCT_1, date(2026, 10, 31)) == {"4910": D("-20.00")}
    assert reports.balance_sheet(keel.views, date(2026, 10, 31), "EUR").balance_of("1100") == D("930.00")

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from ledger.accounts import RECEIVABLES, SERVICE_REVENUE, TAX_PAYABLE
from ledger.chart_templates import DEFAULT_ROLES
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import Meta
from ledger.invoice import Invoice
from ledger.invoice_lines import make_line
from ledger.money import Money

META = Meta(actor="unit")
JAN = date(2026, 1, 15)


def drafted(*lines: tuple[str, str], tax: str = "24") -> Invoice:
    return Invoice.draft(uuid4(), uuid4(), "EUR", [make_line("Work", q, p, tax) for q, p in lines], JAN, META)


def issued(*lines: tuple[str, str], tax: str = "24") -> Invoice:
    inv = drafted(*lines, tax=tax)
    inv.issue("INV-2026-0001", JAN, 30, "EUR", Decimal(1), META, DEFAULT_ROLES)
    return inv


def test_tax_is_rounded_half_up_once_on_the_net() -> None:
    inv = drafted(("3", "33.335"), tax="24")  # line 100.005 -> 100.01; tax 24.0024 -> 24.00
    assert (inv.net, inv.tax, inv.total) == (
        Money.of("100.01", "EUR"),
        Money.of("24.00", "EUR"),
        Money.of("124.01", "EUR"),
    )


def test_issuing_posts_receivable_revenue_and_tax_and_sets_due_date() -> None:
    inv = issued(("10", "95.50"))
    event = inv.pending_events[-1]
    assert isinstance(event, Invoice.Issued)
    assert event.due_date == date(2026, 2, 14)
    assert {(ln.account, ln.amount) for ln in event.journal} == {
        (RECEIVABLES, Decimal("1184.20")),
        (SERVICE_REVENUE, Decimal("-955.00")),
        (TAX_PAYABLE, Decimal("-229.20")),
    }


def test_issuing_a_voided_invoice_is_refused() -> None:
    inv = issued(("1", "100"))
    inv.void("duplicate", JAN, META)
    with pytest.raises(InvalidTransition, match="only a draft can be issued; this invoice is voided"):
        inv.issue("INV-2026-0002", JAN, 30, "EUR", Decimal(1), META, DEFAULT_ROLES)


def test_voiding_reverses_the_issue_entry_exactly() -> None:
    inv = issued(("1", "100"))
    inv.void("duplicate", JAN, META)
    issue, void = inv.pending_events[-2:]
    assert isinstance(issue, Invoice.Issued) and isinstance(void, Invoice.Voided)
    assert [ln.amount for ln in void.journal] == [-ln.amount for ln in issue.journal]


def test_an_invoice_with_payments_cannot_be_voided() -> None:
    inv = issued(("1", "100"))
    inv.apply_payment(uuid4(), Money.of("10.00", "EUR"), JAN, META)
    with pytest.raises(InvalidTransition, match="only an untouched invoice can be voided"):
        inv.void("mistake", JAN, META)


def test_allocating_more_than_outstanding_is_refused() -> None:
    inv = issued(("1", "100"))
    with pytest.raises(InvalidTransition, match=r"exceeds the 124\.00 EUR outstanding"):
        inv.apply_payment(uuid4(), Money.of("124.01", "EUR"), JAN, META)


def test_payment_dated_before_the_invoice_is_refused() -> None:
    inv = issued(("1", "100"))
    with pytest.raises(InvalidValue, match="before invoice"):
        inv.apply_payment(uuid4(), Money.of("1.00", "EUR"), date(2026, 1, 1), META)


def test_allocating_to_a_draft_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="is draft"):
        drafted(("1", "100")).apply_payment(uuid4(), Money.of("1.00", "EUR"), JAN, META)


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [("0", "10", "quantity must be positive"), ("1", "-1", "must not be negative"), ("1", "abc", "not a decimal")],
)
def test_bad_lines_are_refused(quantity: str, price: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        make_line("Work", quantity, price)


def test_tax_rate_must_be_a_percentage() -> None:
    with pytest.raises(InvalidValue, match="between 0 and 100"):
        drafted(("1", "1"), tax="124")


def test_an_invoice_is_not_issued_dated_before_its_draft() -> None:
    inv = drafted(("1", "100.00"))
    with pytest.raises(InvalidValue, match="drafted on 2026-01-15 cannot be issued dated 2026-01-14"):
        inv.issue("INV-2026-0001", date(2026, 1, 14), 30, "EUR", Decimal(1), META, DEFAULT_ROLES)
    inv.issue("INV-2026-0001", JAN, 30, "EUR", Decimal(1), META, DEFAULT_ROLES)  # the same day is fine
    assert inv.number == "INV-2026-0001"


def test_a_void_reads_as_a_void_in_the_ledger() -> None:
    inv = issued(("1", "100.00"))
    inv.void("sent to the wrong customer", JAN, META)
    voided = inv.pending_events[-1]
    assert isinstance(voided, Invoice.Voided)
    assert {line.memo for line in voided.journal} == {"Void of invoice INV-2026-0001"}
    assert {line.memo for line in inv.journal} == {"Invoice INV-2026-0001"}  # the original is unchanged

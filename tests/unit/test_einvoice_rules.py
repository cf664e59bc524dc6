"""The EN 16931 rules Keel checks in code before a document is made, and the values they rest on."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from ledger.company import Address, check_iban, logo_type
from ledger.einvoice import Document, DocumentIncomplete, Line, Party, Payment, VatGroup, check, creditor_reference
from ledger.errors import InvalidValue

D = Decimal
SELLER = Party("Lumen & Co", Address("Ermou 56", "Athens", "105 63", "GR"), "EL801234567", "b@lumen.example")
BUYER = Party("Atlas", Address("Hafenstrasse 8", "Hamburg", "20457", "DE"), "DE129273398", "ap@atlas.example")
LINES = (
    Line("Design", D("10"), D("95.00"), D(0), D(24), False, D("950.00")),
    Line("Travel", D("1"), D("180.00"), D(0), D(0), False, D("180.00")),
)
DOC = Document(
    kind="invoice",
    id="x",
    number="INV-2026-0001",
    issue_date=date(2026, 7, 6),
    currency="EUR",
    seller=SELLER,
    buyer=BUYER,
    lines=LINES,
    groups=(VatGroup(D(0), D("180.00"), D("0.00")), VatGroup(D(24), D("950.00"), D("228.00"))),
    net=D("1130.00"),
    tax=D("228.00"),
    total=D("1358.00"),
    payment=Payment("GR1601101250000000012300695", "ETHNGRAA", "RF", date(2026, 8, 5), "30 days"),
    functional=None,
)


def test_a_consistent_invoice_passes() -> None:
    assert check(DOC) is DOC


def test_totals_that_do_not_add_up_are_named_by_rule() -> None:
    with pytest.raises(DocumentIncomplete) as refused:
        check(replace(DOC, net=D("1130.01"), total=D("1358.01")))
    assert any(p.startswith("BR-CO-10") for p in refused.value.errors)
    wrong_vat = replace(DOC, groups=(DOC.groups[0], VatGroup(D(24), D("950.00"), D("230.00"))), tax=D("230.00"))
    found = " ".join(_problems(wrong_vat))
    assert "BR-S-09" in found and "BR-CO-15" in found


def _problems(doc: Document) -> list[str]:
    from ledger.einvoice import problems

    return problems(doc)


def test_a_seller_without_vat_id_cannot_charge_vat() -> None:
    assert any("BR-S-02" in p for p in _problems(replace(DOC, seller=replace(SELLER, vat_id=""))))
    assert any("BT-50..55" in p for p in _problems(replace(DOC, buyer=replace(BUYER, address=None))))


def test_the_payment_reference_is_an_iso_11649_creditor_reference() -> None:
    reference = creditor_reference("INV-2026-0001")
    assert reference.startswith("RF") and reference.endswith("INV20260001")
    digits = "".join(str(int(c, 36)) for c in reference[4:] + reference[:4])
    assert int(digits) % 97 == 1


def test_an_iban_with_wrong_check_digits_is_refused() -> None:
    assert check_iban("gr16 0110 1250 0000 0001 2300 695") == "GR1601101250000000012300695"
    with pytest.raises(InvalidValue, match=r"^iban: "):
        check_iban("GR1701101250000000012300695")


def test_a_logo_is_read_from_its_own_bytes() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (40).to_bytes(4, "big") + (20).to_bytes(4, "big") + b"\x08\x02"
    assert logo_type(png) == "image/png"
    with pytest.raises(InvalidValue, match=r"^logo: not a PNG or JPEG"):
        logo_type(b"<svg/>")

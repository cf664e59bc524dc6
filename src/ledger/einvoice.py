"""An issued invoice or credit note as EN 16931 sees it, and the rules it must satisfy.

The model is built by the read side from the document as issued, the company's profile and the
customer's billing details as known at issue; the PDF and UBL writers (``api.documents``) only
lay it out. ``problems`` runs the main EN 16931 rules that can be checked in code (mandatory
business terms, totals, VAT breakdown): a document with problems is not made at all, and the
refusal names each missing or inconsistent term.

Keel's rates map to VAT categories: a positive rate is standard rated (S), 0% is zero rated (Z).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.company import Address
from ledger.errors import InvalidTransition
from ledger.money import Money

INVOICE, CREDIT_NOTE = "invoice", "credit-note"


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    address: Address | None
    vat_id: str
    email: str
    registration_id: str = ""


@dataclass(frozen=True, slots=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal  # as entered: net, or gross when tax_inclusive
    discount_percent: Decimal
    tax_rate: Decimal
    tax_inclusive: bool
    net: Decimal  # the line's net amount (BT-131), its share of inclusive tax taken out

    @property
    def category(self) -> str:
        return category_of(self.tax_rate)


@dataclass(frozen=True, slots=True)
class VatGroup:
    rate: Decimal
    base: Decimal  # BT-116
    tax: Decimal  # BT-117

    @property
    def category(self) -> str:
        return category_of(self.rate)


@dataclass(frozen=True, slots=True)
class Payment:
    iban: str
    bic: str
    reference: str  # BT-83, an ISO 11649 creditor reference made from the number
    due_date: date | None
    terms: str  # BT-20


@dataclass(frozen=True, slots=True)
class Functional:
    """Totals in the books' currency at the document's recorded rate (the posted values)."""

    currency: str
    rate: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Document:
    kind: str  # INVOICE or CREDIT_NOTE
    id: str
    number: str
    issue_date: date
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    groups: tuple[VatGroup, ...]
    net: Decimal  # BT-106 = BT-109
    tax: Decimal  # BT-110
    total: Decimal  # BT-112 = BT-115 (nothing prepaid on the document)
    payment: Payment
    functional: Functional | None  # None when the document is in the books' currency
    invoice_number: str = ""  # a credit note's invoice (BT-25)
    invoice_date: date | None = None  # BT-26
    note: str = ""  # BT-22: a credit note's reason
    logo: bytes = b""
    logo_type: str = ""


def category_of(rate: Decimal) -> str:
    return "S" if rate > 0 else "Z"


class DocumentIncomplete(InvalidTransition):
    """The document cannot be made: business terms are missing or do not add up."""

    def __init__(self, number: str, problems: list[str]) -> None:
        super().__init__(f"{number} cannot be made: " + "; ".join(problems))
        self.errors = problems


def creditor_reference(number: str) -> str:
    """ISO 11649 (RF) creditor reference of a document number: RF, two check digits, the number's
    letters and digits (INV-2026-0001 -> RF..INV20260001)."""
    body = "".join(c for c in number.upper() if c.isascii() and c.isalnum())[:21]
    digits = "".join(str(int(c, 36)) for c in body + "RF00")
    return f"RF{98 - int(digits) % 97:02d}{body}"


def problems(doc: Document) -> list[str]:
    """The EN 16931 rules this document breaks, each naming its business term (empty: none)."""
    found: list[str] = []
    seller, buyer = doc.seller, doc.buyer
    required = [
        (doc.number, "BT-1 the document number"),
        (seller.name, "BT-27 the company's legal name (PUT /v1/books/profile)"),
        (buyer.name, "BT-44 the customer's name"),
        (seller.address, "BT-35..40 the company's address (PUT /v1/books/profile)"),
        (buyer.address, "BT-50..55 the customer's billing address (PUT /v1/customers/{id}/billing)"),
        (seller.email, "BT-34 the company's e-mail, its electronic address (PUT /v1/books/profile)"),
        (buyer.email, "BT-49 the customer's billing e-mail, its electronic address (PUT /v1/customers/{id}/billing)"),
        (doc.payment.iban, "BT-84 the company's IBAN (PUT /v1/books/profile)"),
    ]
    found += [f"{what} is missing" for value, what in required if not value]
    if any(g.category == "S" for g in doc.groups) and not seller.vat_id:
        found.append("BR-S-02 the company's VAT id (BT-31) is missing, and the document charges VAT")
    if doc.kind == CREDIT_NOTE and not doc.invoice_number:
        found.append("BT-25 the credited invoice's number is missing")
    if not doc.lines:
        found.append("BR-16 the document has no line")
    found += _totals(doc)
    return found


def _totals(doc: Document) -> list[str]:
    found: list[str] = []
    lines_net = sum((ln.net for ln in doc.lines), Decimal(0))
    if lines_net != doc.net:  # BR-CO-10: sum of line net amounts = BT-106 (no document allowances)
        found.append(f"BR-CO-10 the lines' net amounts sum to {lines_net}, the document's net is {doc.net}")
    group_tax = sum((g.tax for g in doc.groups), Decimal(0))
    if group_tax != doc.tax:  # BR-CO-14
        found.append(f"BR-CO-14 the VAT breakdown sums to {group_tax}, the document's VAT is {doc.tax}")
    if doc.net + doc.tax != doc.total:  # BR-CO-15
        found.append(f"BR-CO-15 {doc.net} net and {doc.tax} VAT do not make the total {doc.total}")
    if doc.total <= 0:
        found.append(f"the document's total {doc.total} is not positive")
    for group in doc.groups:
        base = sum((ln.net for ln in doc.lines if ln.tax_rate == group.rate), Decimal(0))
        rule = f"BR-{group.category}-08"
        if base != group.base:
            found.append(
                f"{rule} the {group.rate}% lines' net amounts sum to {base}, its taxable amount is {group.base}"
            )
        expected = Money(group.base * group.rate / 100, doc.currency).rounded().amount
        if abs(expected - group.tax) >= 1:  # BR-S-09 / BR-Z-09, with the CEN validation's tolerance
            found.append(f"{rule[:-3]}-09 the {group.rate}% VAT {group.tax} is not {group.rate}% of {group.base}")
    if len({g.rate for g in doc.groups}) != len(doc.groups):
        found.append("BR-CO-18 a rate appears twice in the VAT breakdown")
    if doc.total > 0 and doc.payment.due_date is None and not doc.payment.terms:  # BR-CO-25
        found.append("BR-CO-25 an amount is due but neither a due date nor payment terms are given")
    return found


def check(doc: Document) -> Document:
    """The document itself when it breaks none of the rules; else DocumentIncomplete naming them."""
    found = problems(doc)
    if found:
        raise DocumentIncomplete(doc.number, found)
    return doc

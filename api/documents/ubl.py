"""A document as a UBL 2.1 Invoice or CreditNote following Peppol BIS Billing 3.0 (EN 16931).

Elements come in the order the UBL schema declares (it is a sequence); amounts carry their
currency and the currency's minor unit. Electronic addresses (BT-34, BT-49) are e-mail addresses
(Peppol EAS code ``EM``). Tests validate the output against the OASIS schemas in
``tests/fixtures/ubl-2.1``.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from ledger.company import Address
from ledger.einvoice import CREDIT_NOTE, Document, Line, Party
from ledger.money import Money

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOTS = {
    "invoice": ("Invoice", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"),
    CREDIT_NOTE: ("CreditNote", "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"),
}
SEPA_CREDIT_TRANSFER = "58"
UNIT = "C62"  # UN/ECE rec 20: one (unit)


def _cbc(parent: etree._Element, name: str, text: str, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{CBC}}}{name}", attrs)
    el.text = text
    return el


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def _amount(parent: etree._Element, name: str, value: Decimal, currency: str) -> None:
    _cbc(parent, name, f"{Money(value, currency).rounded().amount:f}", currencyID=currency)


def _number(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text if "." not in text else text.rstrip("0").rstrip(".")


def ubl(doc: Document) -> bytes:
    """The document's UBL XML, UTF-8, the same bytes for the same document."""
    tag, ns = ROOTS[doc.kind]
    root = etree.Element(f"{{{ns}}}{tag}", nsmap={None: ns, "cac": CAC, "cbc": CBC})
    _cbc(root, "CustomizationID", CUSTOMIZATION)
    _cbc(root, "ProfileID", PROFILE)
    _cbc(root, "ID", doc.number)
    _cbc(root, "IssueDate", doc.issue_date.isoformat())
    if doc.kind == CREDIT_NOTE:
        _cbc(root, "CreditNoteTypeCode", "381")
    else:
        if doc.payment.due_date is not None:
            _cbc(root, "DueDate", doc.payment.due_date.isoformat())
        _cbc(root, "InvoiceTypeCode", "380")
    if doc.note:
        _cbc(root, "Note", doc.note)
    _cbc(root, "DocumentCurrencyCode", doc.currency)
    if doc.functional is not None:
        _cbc(root, "TaxCurrencyCode", doc.functional.currency)  # BT-6
    _cbc(root, "BuyerReference", doc.number)  # BT-10: Peppol needs it or an order reference
    if doc.invoice_number:
        ref = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(ref, "ID", doc.invoice_number)  # BT-25
        if doc.invoice_date is not None:
            _cbc(ref, "IssueDate", doc.invoice_date.isoformat())  # BT-26
    _party(_cac(root, "AccountingSupplierParty"), doc.seller)
    _party(_cac(root, "AccountingCustomerParty"), doc.buyer)
    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", SEPA_CREDIT_TRANSFER)
    _cbc(means, "PaymentID", doc.payment.reference)  # BT-83
    account = _cac(means, "PayeeFinancialAccount")
    _cbc(account, "ID", doc.payment.iban)  # BT-84
    _cbc(account, "Name", doc.seller.name)
    if doc.payment.bic:
        _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", doc.payment.bic)  # BT-86
    _cbc(_cac(root, "PaymentTerms"), "Note", doc.payment.terms)  # BT-20
    _taxes(root, doc)
    totals = _cac(root, "LegalMonetaryTotal")
    for name, value in (
        ("LineExtensionAmount", doc.net),  # BT-106
        ("TaxExclusiveAmount", doc.net),  # BT-109
        ("TaxInclusiveAmount", doc.total),  # BT-112
        ("PayableAmount", doc.total),  # BT-115
    ):
        _amount(totals, name, value, doc.currency)
    for n, line in enumerate(doc.lines, start=1):
        _line(root, doc, n, line)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _party(holder: etree._Element, who: Party) -> None:
    party = _cac(holder, "Party")
    if who.email:
        _cbc(party, "EndpointID", who.email, schemeID="EM")
    _cbc(_cac(party, "PartyName"), "Name", who.name)
    _address(_cac(party, "PostalAddress"), who.address)
    if who.vat_id:
        scheme = _cac(party, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", who.vat_id)  # BT-31 / BT-48
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", who.name)
    if who.registration_id:
        _cbc(legal, "CompanyID", who.registration_id)  # BT-30
    if who.email:
        _cbc(_cac(party, "Contact"), "ElectronicMail", who.email)


def _address(el: etree._Element, address: Address | None) -> None:
    if address is None:
        return
    _cbc(el, "StreetName", address.street)
    _cbc(el, "CityName", address.city)
    if address.postal_code:
        _cbc(el, "PostalZone", address.postal_code)
    _cbc(_cac(el, "Country"), "IdentificationCode", address.country)


def _category(parent: etree._Element, name: str, rate: Decimal) -> None:
    cat = _cac(parent, name)
    _cbc(cat, "ID", "S" if rate > 0 else "Z")
    _cbc(cat, "Percent", _number(rate))
    _cbc(_cac(cat, "TaxScheme"), "ID", "VAT")


def _taxes(root: etree._Element, doc: Document) -> None:
    total = _cac(root, "TaxTotal")
    _amount(total, "TaxAmount", doc.tax, doc.currency)  # BT-110
    for group in doc.groups:
        sub = _cac(total, "TaxSubtotal")
        _amount(sub, "TaxableAmount", group.base, doc.currency)  # BT-116
        _amount(sub, "TaxAmount", group.tax, doc.currency)  # BT-117
        _category(sub, "TaxCategory", group.rate)
    if doc.functional is not None:  # BT-111: the VAT in the books' currency, as posted
        _amount(_cac(root, "TaxTotal"), "TaxAmount", doc.functional.tax, doc.functional.currency)


def _line(root: etree._Element, doc: Document, n: int, line: Line) -> None:
    credit = doc.kind == CREDIT_NOTE
    el = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(el, "ID", str(n))
    _cbc(el, "CreditedQuantity" if credit else "InvoicedQuantity", _number(line.quantity), unitCode=UNIT)
    _amount(el, "LineExtensionAmount", line.net, doc.currency)  # BT-131
    price = _net_price(line)
    allowance = Money(line.quantity * price, doc.currency).rounded().amount - line.net
    if allowance:  # the line's discount (BT-136), so quantity x price - allowance = net
        charge = _cac(el, "AllowanceCharge")
        _cbc(charge, "ChargeIndicator", "false")
        _cbc(charge, "AllowanceChargeReason", f"Discount {_number(line.discount_percent)}%")
        _amount(charge, "Amount", allowance, doc.currency)
    item = _cac(el, "Item")
    _cbc(item, "Name", line.description)  # BT-153
    _category(item, "ClassifiedTaxCategory", line.tax_rate)
    _cbc(_cac(el, "Price"), "PriceAmount", _number(price), currencyID=doc.currency)  # BT-146


def _net_price(line: Line) -> Decimal:
    """The item's net price before the discount (BT-146): the unit price as entered, or for a
    price that includes tax, what the line's net makes of it per unit."""
    if not line.tax_inclusive:
        return line.unit_price
    kept = (100 - line.discount_percent) / 100
    if kept == 0 or line.quantity == 0:
        return Decimal(0)
    return (line.net / kept / line.quantity).quantize(Decimal("0.000001"))

"""An issued invoice or credit note as its document shows it (``ledger.einvoice.Document``), read
from the ``issued_documents`` read model: the company's profile and the customer's name and billing
details as known at the document's issue (the latest recorded at or before its log position; when
none was by then, the first recorded after it, which never changes once recorded), and its seal.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.company import Address
from ledger.einvoice import CREDIT_NOTE, Document, Functional, Line, Party, Payment, VatGroup, creditor_reference
from ledger.errors import InvalidTransition, NotFound
from ledger.invoice_lines import InvoiceLine, taxes
from projections.engine.db import ViewDatabase
from projections.engine.sql import Cursor, as_date

# The row nearest a position: the latest at or before it, else the first after it.
_NEAREST = (
    " ORDER BY CASE WHEN position <= %s THEN 0 ELSE 1 END, CASE WHEN position <= %s THEN -position ELSE position END"
)


@dataclass(frozen=True)
class Seal:
    pdf_sha256: str
    ubl_sha256: str
    renderer: str
    sealed_on: date


@dataclass(frozen=True)
class ProfileView:
    legal_name: str
    street: str
    city: str
    postal_code: str
    country: str
    vat_id: str
    registration_id: str
    email: str
    iban: str
    bic: str
    logo_sha256: str
    position: int


def find_document(db: ViewDatabase, number: str) -> tuple[str, str] | None:
    """(id, kind) of the issued invoice or credit note with this number."""
    with db.read() as cur:
        cur.execute("SELECT id, kind FROM doc_sources WHERE number = %s", (number,))
        found = cur.fetchone()
    return (str(found[0]), str(found[1])) if found else None


def company_profile(db: ViewDatabase) -> ProfileView | None:
    """The company's profile as it stands now."""
    with db.read() as cur:
        cur.execute(f"SELECT {_PROFILE} FROM doc_profiles ORDER BY position DESC LIMIT 1")
        row = cur.fetchone()
    return _profile(row) if row else None


_PROFILE = (
    "legal_name, street, city, postal_code, country, vat_id, registration_id, email, iban, bic, logo_sha256, position"
)


def _profile(row: tuple[Any, ...]) -> ProfileView:
    t = [str(v) for v in row[:11]]
    return ProfileView(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], int(row[11]))


def document_source(
    db: ViewDatabase, document_id: str, kind: str, functional_currency: str
) -> tuple[Document, Seal | None]:
    """The document of the issued invoice or credit note ``document_id`` and its seal, if it has one.
    NotFound if there is none of this kind; InvalidTransition for a draft (it has no document yet)."""
    with db.read() as cur:
        cur.execute(
            "SELECT status, customer_id, currency, number, issue_date, due_date, rate, invoice_id, note,"
            " functional_net, functional_tax, position FROM doc_sources WHERE id = %s AND kind = %s",
            (document_id, kind),
        )
        src = cur.fetchone()
        label = "credit note" if kind == CREDIT_NOTE else "invoice"
        if src is None:
            raise NotFound(f"{label} {document_id} not found")
        if src[0] != "issued":
            raise InvalidTransition(f"{label} {document_id} is a draft: only an issued {label} has a document")
        position = int(src[11])
        lines = _lines(cur, document_id)
        seller, iban, bic, logo, logo_type = _seller(cur, position)
        buyer = _buyer(cur, str(src[1]), position)
        invoice_number, invoice_date = "", None
        if src[7]:
            cur.execute("SELECT number, issue_date FROM doc_sources WHERE id = %s", (str(src[7]),))
            inv = cur.fetchone()
            if inv is not None:
                invoice_number, invoice_date = str(inv[0] or ""), as_date(inv[1])
        cur.execute(
            "SELECT pdf_sha256, ubl_sha256, renderer, sealed_on FROM doc_seals WHERE document_id = %s", (document_id,)
        )
        s = cur.fetchone()
    seal = Seal(str(s[0]), str(s[1]), str(s[2]), _day(s[3])) if s else None
    currency, number, issued = str(src[2]), str(src[3]), _day(src[4])
    # The same tax computation as the domain's when the document was issued (ledger.tax).
    result = taxes(
        [
            InvoiceLine(ln.description, ln.quantity, ln.unit_price, ln.tax_rate, ln.tax_inclusive, ln.discount_percent)
            for ln in lines
        ],
        currency,
    )
    groups = tuple(VatGroup(g.rate, g.base.amount, g.tax.amount) for g in result.groups)
    net = sum((ln.net for ln in lines), Decimal(0))
    tax = sum((g.tax for g in groups), Decimal(0))
    due = as_date(src[5])
    terms = f"Payable by {due.isoformat()} ({(due - issued).days} days)" if due else "Settled against the invoice"
    functional = None
    if currency != functional_currency:
        f_net, f_tax = Decimal(src[9]), Decimal(src[10])
        functional = Functional(functional_currency, Decimal(src[6]), f_net, f_tax, f_net + f_tax)
    doc = Document(
        kind=kind,
        id=document_id,
        number=number,
        issue_date=issued,
        currency=currency,
        seller=seller,
        buyer=buyer,
        lines=tuple(lines),
        groups=groups,
        net=net,
        tax=tax,
        total=net + tax,
        payment=Payment(iban, bic, creditor_reference(number), due, terms),
        functional=functional,
        invoice_number=invoice_number,
        invoice_date=invoice_date,
        note=str(src[8]),
        logo=logo,
        logo_type=logo_type,
    )
    return doc, seal


def _day(value: object) -> date:
    found = as_date(value)
    assert found is not None
    return found


def _lines(cur: Cursor, document_id: str) -> list[Line]:
    cur.execute(
        "SELECT description, quantity, unit_price, discount_percent, tax_rate, tax_inclusive, net"
        " FROM doc_lines WHERE doc_id = %s ORDER BY line_no",
        (document_id,),
    )
    return [
        Line(str(r[0]), Decimal(r[1]), Decimal(r[2]), Decimal(r[3]), Decimal(r[4]), bool(r[5]), Decimal(r[6]))
        for r in cur.fetchall()
    ]


def _seller(cur: Cursor, position: int) -> tuple[Party, str, str, bytes, str]:
    cur.execute(f"SELECT {_PROFILE} FROM doc_profiles" + _NEAREST + " LIMIT 1", (position, position))
    row = cur.fetchone()
    if row is None:
        return Party("", None, "", ""), "", "", b"", ""
    p = _profile(row)
    logo, logo_type = b"", ""
    if p.logo_sha256:
        cur.execute("SELECT media_type, logo FROM doc_logos WHERE sha256 = %s", (p.logo_sha256,))
        found = cur.fetchone()
        if found is not None:
            logo_type, logo = str(found[0]), base64.b64decode(str(found[1]))
    address = Address(p.street, p.city, p.postal_code, p.country)
    return Party(p.legal_name, address, p.vat_id, p.email, p.registration_id), p.iban, p.bic, logo, logo_type


def _buyer(cur: Cursor, customer_id: str, position: int) -> Party:
    cur.execute(
        "SELECT name FROM doc_customer_names WHERE customer_id = %s" + _NEAREST + " LIMIT 1",
        (customer_id, position, position),
    )
    named = cur.fetchone()
    cur.execute(
        "SELECT street, city, postal_code, country, vat_id, email FROM doc_customer_billing WHERE customer_id = %s"
        + _NEAREST
        + " LIMIT 1",
        (customer_id, position, position),
    )
    b = cur.fetchone()
    name = str(named[0]) if named else ""
    if b is None:
        return Party(name, None, "", "")
    return Party(name, Address(str(b[0]), str(b[1]), str(b[2]), str(b[3])), str(b[4]), str(b[5]))

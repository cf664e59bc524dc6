"""The demo's e-invoicing details, entered at quarter end: the agency's profile (address, VAT id,
IBAN/BIC) and its customers' billing details, so every demo invoice and credit note has a
document. Entered after the invoices on purpose: a document takes the first profile recorded
after its issue when none was recorded before it (ADR 0040); the positions the README names
stay where they were."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from api.demo.ids import demo_id, meta
from commands.messages import Command, SetBillingDetails, SetCompanyProfile

QUARTER_END = date(2026, 9, 30)

BILLING = [
    ("northwind", "12 Wharf Road", "London", "N1 7GU", "GB", "GB123456789", "accounts@northwind.example"),
    ("helios", "Leof. Kifisias 44", "Athens", "115 26", "GR", "EL094259216", "ap@helios.example"),
    ("atlas", "Hafenstrasse 8", "Hamburg", "20457", "DE", "DE129273398", "invoices@atlas.example"),
    ("blueharbor", "200 Harbor Blvd", "Boston", "02210", "US", "", "payables@blueharbor.example"),
]


def documents() -> Iterator[Command]:
    yield SetCompanyProfile(
        meta=meta("profile:lumen"),
        on=QUARTER_END,
        legal_name="Lumen & Co Design Studio S.A.",
        street="Ermou 56",
        city="Athens",
        postal_code="105 63",
        country="GR",
        vat_id="EL801234567",
        registration_id="GEMI 123456701000",
        email="billing@lumen.example",
        iban="GR1601101250000000012300695",
        bic="ETHNGRAA",
    )
    for key, street, city, postal_code, country, vat_id, email in BILLING:
        yield SetBillingDetails(
            meta=meta(f"billing:{key}"),
            on=QUARTER_END,
            customer_id=demo_id(f"customer:{key}"),
            street=street,
            city=city,
            postal_code=postal_code,
            country=country,
            vat_id=vat_id,
            email=email,
        )

"""What an invoice's or credit note's document is made of (ADR 0040): the document as issued, the
company's profile and each customer's name and billing details with the log position each became
known, the logos by digest, and the digests of each document as first made (its seal).

Every row keeps its log position, so ``projections.finance.document_sources`` reads the profile
and the customer as they were known when the document was issued, and a rebuild gives the same
answer: a document is a function of the log up to its issue, never of later changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ledger.company import CompanyProfile
from ledger.credit_note import CreditNote
from ledger.customer import Customer
from ledger.invoice import Invoice
from ledger.invoice_lines import InvoiceLine, taxes
from ledger.journal import JournalLine
from ledger.money import Money
from ledger.roles import Role
from ledger.sealed_documents import SealedDocument
from projections.engine.projection import Fact
from projections.engine.sql import Cursor

_LINE_COLUMNS = "doc_id, line_no, description, quantity, unit_price, discount_percent, tax_rate, tax_inclusive, net"
_PROFILE_COLUMNS = (
    "position, legal_name, street, city, postal_code, country, vat_id, registration_id, email, iban, bic, logo_sha256"
)


class IssuedDocumentsProjection:
    name = "issued_documents"
    schema_version = 1
    tables = (
        "doc_sources",
        "doc_lines",
        "doc_profiles",
        "doc_logos",
        "doc_customer_names",
        "doc_customer_billing",
        "doc_seals",
    )
    folds = (
        Invoice.Drafted,
        Invoice.Issued,
        CreditNote.Issued,
        CompanyProfile.Event,
        Customer.Registered,
        Customer.Renamed,
        Customer.BillingDetailsSet,
        SealedDocument.Sealed,
    )

    def __init__(self, functional_currency: str) -> None:
        self.functional_currency = functional_currency

    def create(self, cur: Cursor) -> None:
        for ddl in (
            "CREATE TABLE doc_sources (id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,"
            " customer_id TEXT NOT NULL, currency TEXT NOT NULL, number TEXT, issue_date DATE, due_date DATE,"
            " rate TEXT, invoice_id TEXT, note TEXT NOT NULL, functional_net TEXT, functional_tax TEXT,"
            " position BIGINT NOT NULL)",
            "CREATE INDEX doc_sources_number ON doc_sources (number)",
            "CREATE TABLE doc_lines (doc_id TEXT NOT NULL, line_no INTEGER NOT NULL, description TEXT NOT NULL,"
            " quantity TEXT NOT NULL, unit_price TEXT NOT NULL, discount_percent TEXT NOT NULL,"
            " tax_rate TEXT NOT NULL, tax_inclusive BOOLEAN NOT NULL, net TEXT NOT NULL,"
            " PRIMARY KEY (doc_id, line_no))",
            "CREATE TABLE doc_profiles (position BIGINT PRIMARY KEY, legal_name TEXT NOT NULL, street TEXT NOT NULL,"
            " city TEXT NOT NULL, postal_code TEXT NOT NULL, country TEXT NOT NULL, vat_id TEXT NOT NULL,"
            " registration_id TEXT NOT NULL, email TEXT NOT NULL, iban TEXT NOT NULL, bic TEXT NOT NULL,"
            " logo_sha256 TEXT NOT NULL)",
            "CREATE TABLE doc_logos (sha256 TEXT PRIMARY KEY, media_type TEXT NOT NULL, logo TEXT NOT NULL)",
            "CREATE TABLE doc_customer_names (customer_id TEXT NOT NULL, position BIGINT NOT NULL,"
            " name TEXT NOT NULL, PRIMARY KEY (customer_id, position))",
            "CREATE TABLE doc_customer_billing (customer_id TEXT NOT NULL, position BIGINT NOT NULL,"
            " street TEXT NOT NULL, city TEXT NOT NULL, postal_code TEXT NOT NULL, country TEXT NOT NULL,"
            " vat_id TEXT NOT NULL, email TEXT NOT NULL, PRIMARY KEY (customer_id, position))",
            "CREATE TABLE doc_seals (document_id TEXT PRIMARY KEY, pdf_sha256 TEXT NOT NULL,"
            " ubl_sha256 TEXT NOT NULL, renderer TEXT NOT NULL, sealed_on DATE NOT NULL, position BIGINT NOT NULL)",
        ):
            cur.execute(ddl)

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e, oid = fact.event, str(fact.event.originator_id)
            if isinstance(e, Invoice.Drafted):
                self._source(cur, oid, "invoice", "draft", str(e.customer_id), e.currency, fact.position)
                self._lines(cur, oid, e.lines, e.currency)
            elif isinstance(e, Invoice.Issued):
                net, tax = _functional(e.journal, e.net, e.tax, e.rate, self.functional_currency)
                cur.execute(
                    "UPDATE doc_sources SET status = 'issued', number = %s, issue_date = %s, due_date = %s,"
                    " rate = %s, functional_net = %s, functional_tax = %s, position = %s WHERE id = %s",
                    (e.number, e.effective_date, e.due_date, str(e.rate), net, tax, fact.position, oid),
                )
            elif isinstance(e, CreditNote.Issued):
                net, tax = _functional(e.journal, e.net, e.tax, e.rate, self.functional_currency)
                cur.execute(
                    "INSERT INTO doc_sources (id, kind, status, customer_id, currency, number, issue_date, rate,"
                    " invoice_id, note, functional_net, functional_tax, position)"
                    " VALUES (%s, 'credit-note', 'issued', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        oid,
                        str(e.customer_id),
                        e.currency,
                        e.number,
                        e.effective_date,
                        str(e.rate),
                        str(e.invoice_id),
                        e.reason,
                        net,
                        tax,
                        fact.position,
                    ),
                )
                self._lines(cur, oid, e.lines, e.currency)
            elif isinstance(e, CompanyProfile.LogoStored):
                cur.execute(
                    "INSERT INTO doc_logos (sha256, media_type, logo) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                    (e.sha256, e.media_type, e.logo),
                )
            elif isinstance(e, CompanyProfile.DetailsSet):
                values = [getattr(e, c) for c in _PROFILE_COLUMNS.split(", ")[1:]]
                cur.execute(
                    f"INSERT INTO doc_profiles ({_PROFILE_COLUMNS}) VALUES ({', '.join(['%s'] * 12)})",
                    (fact.position, *values),
                )
            elif isinstance(e, Customer.Registered | Customer.Renamed):
                cur.execute(
                    "INSERT INTO doc_customer_names (customer_id, position, name) VALUES (%s, %s, %s)",
                    (oid, fact.position, e.name),
                )
            elif isinstance(e, Customer.BillingDetailsSet):
                cur.execute(
                    "INSERT INTO doc_customer_billing (customer_id, position, street, city, postal_code, country,"
                    " vat_id, email) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (oid, fact.position, e.street, e.city, e.postal_code, e.country, e.vat_id, e.email),
                )
            elif isinstance(e, SealedDocument.Sealed):
                cur.execute(
                    "INSERT INTO doc_seals (document_id, pdf_sha256, ubl_sha256, renderer, sealed_on, position)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    (str(e.document_id), e.pdf_sha256, e.ubl_sha256, e.renderer, e.effective_date, fact.position),
                )

    @staticmethod
    def _source(cur: Cursor, oid: str, kind: str, status: str, customer: str, currency: str, position: int) -> None:
        cur.execute(
            "INSERT INTO doc_sources (id, kind, status, customer_id, currency, note, position)"
            " VALUES (%s, %s, %s, %s, %s, '', %s)",
            (oid, kind, status, customer, currency, position),
        )

    @staticmethod
    def _lines(cur: Cursor, oid: str, lines: Sequence[InvoiceLine], currency: str) -> None:
        nets = taxes(list(lines), currency).nets
        rows: list[tuple[Any, ...]] = [
            (
                oid,
                n,
                ln.description,
                str(ln.quantity),
                str(ln.unit_price),
                str(ln.discount_percent),
                str(ln.tax_rate),
                ln.tax_inclusive,
                str(net.amount),
            )
            for n, (ln, net) in enumerate(zip(lines, nets, strict=True), start=1)
        ]
        cur.executemany(f"INSERT INTO doc_lines ({_LINE_COLUMNS}) VALUES ({', '.join(['%s'] * 9)})", rows)


def _functional(
    journal: Sequence[JournalLine], net: Decimal, tax: Decimal, rate: Decimal, currency: str
) -> tuple[str, str]:
    """The document's net and tax in the books' currency as posted: its revenue and output tax lines'
    values. Lines recorded before they carried roles are valued at the document's rate instead."""
    revenue = [ln.value for ln in journal if ln.role == Role.REVENUE.value]
    output = [ln.value for ln in journal if ln.role == Role.OUTPUT_TAX.value]
    if not revenue:
        return str(Money(net * rate, currency).rounded().amount), str(Money(tax * rate, currency).rounded().amount)
    return str(abs(sum(revenue, Decimal(0)))), str(abs(sum(output, Decimal(0))))

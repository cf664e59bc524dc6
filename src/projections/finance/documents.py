"""Open-item documents and the parties they belong to.

``documents`` holds what ageing needs of each invoice, bill and expense claim: its party,
number, dates and currency (amounts come from the general ledger, on both time axes).
``parties`` names customers, suppliers and employees for report labels. ``supplier_spans``
keeps the supplier list as bitemporal spans (see ``projections.engine.spans``): a supplier is
listed from its registration date, as known from when it was recorded. (A supplier has no other
event yet; when one can be renamed, its spans are re-derived as customers' are, see
``projections.finance.customer_spans``.)
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.customer import Customer
from ledger.expenses import ExpenseClaim
from ledger.invoice import Invoice
from ledger.payables import Bill, Supplier
from projections.engine.projection import Fact
from projections.engine.spans import FOREVER, FOREVER_DATE, create_span_index
from projections.engine.sql import Cursor


class DocumentsProjection:
    name = "documents"
    schema_version = 2  # 2: the supplier list as spans
    tables = ("documents", "parties", "supplier_spans")
    query_indexes = ("supplier_spans_at",)
    folds = (
        Invoice.Drafted,
        Invoice.Issued,
        Bill.Recorded,
        ExpenseClaim.Submitted,
        Customer.Registered,
        Customer.Renamed,
        Supplier.Registered,
    )

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE documents (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                party_id TEXT NOT NULL,
                number TEXT NOT NULL,
                currency TEXT NOT NULL,
                issue_date DATE NOT NULL,
                due_date DATE NOT NULL,
                position BIGINT NOT NULL
            )"""
        )
        cur.execute(
            """CREATE TABLE parties (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                name TEXT NOT NULL
            )"""
        )
        cur.execute(
            "CREATE TABLE supplier_spans (supplier_id TEXT NOT NULL, valid_from DATE NOT NULL,"
            " valid_to DATE NOT NULL, known_from TIMESTAMPTZ NOT NULL, known_to TIMESTAMPTZ NOT NULL,"
            " name TEXT NOT NULL)"
        )
        create_span_index(cur, "supplier_spans")

    def _document(
        self, cur: Cursor, fact: Fact, kind: str, party: str, number: str, currency: str, due: object
    ) -> None:
        e = fact.event
        cur.execute(
            "INSERT INTO documents (id, kind, party_id, number, currency, issue_date, due_date, position)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (str(e.originator_id), kind, party, number, currency, e.effective_date, due, fact.position),
        )

    def _party(self, cur: Cursor, party_id: str, kind: str, name: str) -> None:
        cur.execute(
            "INSERT INTO parties (id, kind, name) VALUES (%s, %s, %s) ON CONFLICT (id) DO UPDATE SET name = %s",
            (party_id, kind, name, name),
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e = fact.event
            if isinstance(e, Invoice.Drafted):
                # The number and due date arrive with the issue; keep what the draft knows.
                cur.execute(
                    "INSERT INTO documents (id, kind, party_id, number, currency, issue_date, due_date, position)"
                    " VALUES (%s, 'invoice', %s, '', %s, %s, %s, %s)",
                    (
                        str(e.originator_id),
                        str(e.customer_id),
                        e.currency,
                        e.effective_date,
                        e.effective_date,
                        fact.position,
                    ),
                )
            elif isinstance(e, Invoice.Issued):
                cur.execute(
                    "UPDATE documents SET number = %s, issue_date = %s, due_date = %s WHERE id = %s",
                    (e.number, e.effective_date, e.due_date, str(e.originator_id)),
                )
            elif isinstance(e, Bill.Recorded):
                self._document(cur, fact, "bill", str(e.supplier_id), e.supplier_reference, e.currency, e.due_date)
            elif isinstance(e, ExpenseClaim.Submitted):
                ref = e.details.receipt_reference
                self._document(cur, fact, "claim", e.employee, ref, e.currency, e.effective_date)
                self._party(cur, e.employee, "employee", e.employee)
            elif isinstance(e, Customer.Registered | Customer.Renamed):
                self._party(cur, str(e.originator_id), "customer", e.name)
            elif isinstance(e, Supplier.Registered):
                self._party(cur, str(e.originator_id), "supplier", e.name)
                cur.execute(
                    "INSERT INTO supplier_spans (supplier_id, valid_from, valid_to, known_from, known_to, name)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    (str(e.originator_id), e.effective_date, FOREVER_DATE, fact.recorded_at, FOREVER, e.name),
                )

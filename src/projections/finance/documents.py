"""Open-item documents and the parties they belong to.

``documents`` holds what ageing needs of each invoice, bill and expense claim: its party,
number, dates and currency (amounts come from the general ledger, on both time axes).
``parties`` names customers, suppliers and employees for report labels. ``supplier_spans``
keeps the supplier list as bitemporal spans (see ``projections.engine.spans``): a supplier is
listed from its registration date, as known from when it was recorded. (A supplier has no other
event yet; when one can be renamed, its spans are re-derived as customers' are, see
``projections.finance.customer_spans``.)

It also keeps the documents that never change after they are made, or change only by their own
events, as their single GETs answer them (``projections.finance.records``): credit notes with
their lines, customer payments with what is allocated to each invoice now and the credit left,
supplier payments with the bills they settle — each with its aggregate's version. Their amounts
are kept as recorded, to the digit (text, not minor units): the answer is the event's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ledger.credit_note import CreditNote
from ledger.customer import Customer
from ledger.expenses import ExpenseClaim
from ledger.invoice import Invoice
from ledger.payables import Bill, Supplier
from ledger.payment import Payment
from ledger.supplier_payment import SupplierPayment
from projections.engine.projection import Fact
from projections.engine.spans import FOREVER, FOREVER_DATE, create_span_index
from projections.engine.sql import Cursor


class DocumentsProjection:
    name = "documents"
    # 2: the supplier list as spans; 3: credit notes, payments, supplier payments; 4: reversed_on;
    # 5: documents by kind and date (the bill list's order)
    schema_version = 5
    tables = (
        "documents",
        "parties",
        "supplier_spans",
        "credit_notes",
        "credit_note_lines",
        "payments",
        "payment_allocations",
        "supplier_payments",
        "supplier_payment_allocations",
    )
    query_indexes = ("supplier_spans_at", "documents_kind_date")
    folds = (
        Invoice.Drafted,
        Invoice.Issued,
        Bill.Recorded,
        ExpenseClaim.Submitted,
        Customer.Registered,
        Customer.Renamed,
        Supplier.Registered,
        CreditNote.Issued,
        Payment.Received,
        Payment.Unallocated,
        Payment.Reversed,
        SupplierPayment.Made,
        SupplierPayment.Reversed,
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
        cur.execute("CREATE INDEX documents_kind_date ON documents (kind, issue_date, id)")  # bills in date order
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
        versioned = "version INTEGER NOT NULL, position BIGINT NOT NULL"
        for ddl in (
            "CREATE TABLE credit_notes (id TEXT PRIMARY KEY, invoice_id TEXT NOT NULL, customer_id TEXT NOT NULL,"
            " number TEXT NOT NULL, issued_on DATE NOT NULL, currency TEXT NOT NULL, net TEXT NOT NULL,"
            f" tax TEXT NOT NULL, to_credit TEXT NOT NULL, reason TEXT NOT NULL, {versioned})",
            "CREATE TABLE credit_note_lines (credit_note_id TEXT NOT NULL, line_no INTEGER NOT NULL,"
            " description TEXT NOT NULL, quantity TEXT NOT NULL, unit_price TEXT NOT NULL,"
            " discount_percent TEXT NOT NULL, tax_rate TEXT NOT NULL, tax_inclusive BOOLEAN NOT NULL,"
            " amount TEXT NOT NULL, PRIMARY KEY (credit_note_id, line_no))",
            "CREATE TABLE payments (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, received_on DATE NOT NULL,"
            " currency TEXT NOT NULL, amount TEXT NOT NULL, rate TEXT NOT NULL, credit TEXT NOT NULL, reversed_on DATE,"
            f" {versioned})",
            "CREATE TABLE payment_allocations (payment_id TEXT NOT NULL, line_no INTEGER NOT NULL,"
            " invoice_id TEXT NOT NULL, amount TEXT NOT NULL, PRIMARY KEY (payment_id, line_no))",
            "CREATE TABLE supplier_payments (id TEXT PRIMARY KEY, supplier_id TEXT NOT NULL, paid_on DATE NOT NULL,"
            " currency TEXT NOT NULL, amount TEXT NOT NULL, rate TEXT NOT NULL, reference TEXT NOT NULL,"
            f" reversed_on DATE, {versioned})",
            "CREATE TABLE supplier_payment_allocations (payment_id TEXT NOT NULL, line_no INTEGER NOT NULL,"
            " bill_id TEXT NOT NULL, amount TEXT NOT NULL, PRIMARY KEY (payment_id, line_no))",
        ):
            cur.execute(ddl)

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
            elif isinstance(e, CreditNote.Issued | Payment.Event | SupplierPayment.Event):
                self._settlement(cur, fact)
            elif isinstance(e, Supplier.Registered):
                self._party(cur, str(e.originator_id), "supplier", e.name)
                cur.execute(
                    "INSERT INTO supplier_spans (supplier_id, valid_from, valid_to, known_from, known_to, name)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    (str(e.originator_id), e.effective_date, FOREVER_DATE, fact.recorded_at, FOREVER, e.name),
                )

    @staticmethod
    def _settlement(cur: Cursor, fact: Fact) -> None:
        """A credit note, a customer payment or a supplier payment made; a payment's allocation
        taken back (what the invoice had less the amount; the credit grows by it)."""
        e, oid, version = fact.event, str(fact.event.originator_id), (fact.event.originator_version, fact.position)
        if isinstance(e, CreditNote.Issued):
            cur.execute(
                "INSERT INTO credit_notes (id, invoice_id, customer_id, number, issued_on, currency, net, tax,"
                " to_credit, reason, version, position) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    oid,
                    str(e.invoice_id),
                    str(e.customer_id),
                    e.number,
                    e.effective_date,
                    e.currency,
                    str(e.net),
                    str(e.tax),
                    str(e.to_credit),
                    e.reason,
                    *version,
                ),
            )
            for n, ln in enumerate(e.lines, start=1):
                cur.execute(
                    "INSERT INTO credit_note_lines (credit_note_id, line_no, description, quantity, unit_price,"
                    " discount_percent, tax_rate, tax_inclusive, amount) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        oid,
                        n,
                        ln.description,
                        str(ln.quantity),
                        str(ln.unit_price),
                        str(ln.discount_percent),
                        str(ln.tax_rate),
                        ln.tax_inclusive,
                        str(ln.amount(e.currency).amount),
                    ),
                )
        elif isinstance(e, Payment.Received):
            cur.execute(
                "INSERT INTO payments (id, customer_id, received_on, currency, amount, rate, credit, version, position)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    oid,
                    str(e.customer_id),
                    e.effective_date,
                    e.currency,
                    str(e.amount),
                    str(e.rate),
                    str(e.credit),
                    *version,
                ),
            )
            for n, a in enumerate(e.allocations, start=1):
                cur.execute(
                    "INSERT INTO payment_allocations (payment_id, line_no, invoice_id, amount) VALUES (%s, %s, %s, %s)",
                    (oid, n, str(a.invoice_id), str(a.amount)),
                )
        elif isinstance(e, Payment.Unallocated):
            cur.execute(
                "SELECT line_no, amount FROM payment_allocations WHERE payment_id = %s AND invoice_id = %s",
                (oid, str(e.invoice_id)),
            )
            line = cur.fetchone()
            cur.execute("SELECT credit FROM payments WHERE id = %s", (oid,))
            held = cur.fetchone()
            assert line is not None and held is not None
            cur.execute(
                "UPDATE payment_allocations SET amount = %s WHERE payment_id = %s AND line_no = %s",
                (str(Decimal(line[1]) - e.amount), oid, line[0]),
            )
            cur.execute(
                "UPDATE payments SET credit = %s, version = %s, position = %s WHERE id = %s",
                (str(Decimal(held[0]) + e.amount), *version, oid),
            )
        elif isinstance(e, Payment.Reversed):  # nothing allocated, no credit left: all of it went back
            cur.execute("UPDATE payment_allocations SET amount = '0' WHERE payment_id = %s", (oid,))
            cur.execute(
                "UPDATE payments SET credit = '0', reversed_on = %s, version = %s, position = %s WHERE id = %s",
                (e.effective_date, *version, oid),
            )
        elif isinstance(e, SupplierPayment.Reversed):
            cur.execute("UPDATE supplier_payment_allocations SET amount = '0' WHERE payment_id = %s", (oid,))
            cur.execute(
                "UPDATE supplier_payments SET reversed_on = %s, version = %s, position = %s WHERE id = %s",
                (e.effective_date, *version, oid),
            )
        elif isinstance(e, SupplierPayment.Made):
            cur.execute(
                "INSERT INTO supplier_payments (id, supplier_id, paid_on, currency, amount, rate, reference, version,"
                " position) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    oid,
                    str(e.supplier_id),
                    e.effective_date,
                    e.currency,
                    str(e.amount),
                    str(e.rate),
                    e.reference,
                    *version,
                ),
            )
            for n, b in enumerate(e.allocations, start=1):
                cur.execute(
                    "INSERT INTO supplier_payment_allocations (payment_id, line_no, bill_id, amount)"
                    " VALUES (%s, %s, %s, %s)",
                    (oid, n, str(b.bill_id), str(b.amount)),
                )

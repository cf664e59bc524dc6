"""Invoices as they stand now, with their lines: the invoices list and invoice detail."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.invoice import Invoice, totals
from ledger.money import Money
from projections.db import Cursor
from projections.engine import Fact


class InvoicesProjection:
    name = "invoices"
    schema_version = 1
    tables = ("invoices", "invoice_lines")

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE invoices (
                id TEXT PRIMARY KEY,
                customer_id TEXT NOT NULL,
                number TEXT,
                status TEXT NOT NULL,
                currency TEXT NOT NULL,
                tax_percent TEXT NOT NULL,
                net_minor BIGINT NOT NULL,
                tax_minor BIGINT NOT NULL,
                paid_minor BIGINT NOT NULL,
                drafted_on DATE NOT NULL,
                issue_date DATE,
                due_date DATE,
                voided_on DATE,
                void_reason TEXT,
                version INTEGER NOT NULL,
                position BIGINT NOT NULL
            )"""
        )
        cur.execute("CREATE INDEX invoices_customer ON invoices (customer_id, status)")
        cur.execute(
            """CREATE TABLE invoice_lines (
                invoice_id TEXT NOT NULL,
                line_no INTEGER NOT NULL,
                description TEXT NOT NULL,
                quantity TEXT NOT NULL,
                unit_price TEXT NOT NULL,
                amount_minor BIGINT NOT NULL,
                PRIMARY KEY (invoice_id, line_no)
            )"""
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e = fact.event
            iid = str(e.originator_id)
            if isinstance(e, Invoice.Drafted):
                net, tax = totals(list(e.lines), e.tax_percent, e.currency)
                cur.execute(
                    "INSERT INTO invoices (id, customer_id, number, status, currency, tax_percent, net_minor,"
                    " tax_minor, paid_minor, drafted_on, version, position)"
                    " VALUES (%s, %s, NULL, 'draft', %s, %s, %s, %s, 0, %s, %s, %s)",
                    (
                        iid,
                        str(e.customer_id),
                        e.currency,
                        str(e.tax_percent),
                        net.to_minor(),
                        tax.to_minor(),
                        e.effective_date,
                        e.originator_version,
                        fact.position,
                    ),
                )
                cur.executemany(
                    "INSERT INTO invoice_lines (invoice_id, line_no, description, quantity, unit_price, amount_minor)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    [
                        (
                            iid,
                            n,
                            line.description,
                            str(line.quantity),
                            str(line.unit_price),
                            line.amount(e.currency).to_minor(),
                        )
                        for n, line in enumerate(e.lines, start=1)
                    ],
                )
            elif isinstance(e, Invoice.Issued):
                cur.execute(
                    "UPDATE invoices SET status = 'issued', number = %s, issue_date = %s, due_date = %s,"
                    " version = %s, position = %s WHERE id = %s",
                    (e.number, e.effective_date, e.due_date, e.originator_version, fact.position, iid),
                )
            elif isinstance(e, Invoice.Voided):
                cur.execute(
                    "UPDATE invoices SET status = 'voided', voided_on = %s, void_reason = %s,"
                    " version = %s, position = %s WHERE id = %s",
                    (e.effective_date, e.reason, e.originator_version, fact.position, iid),
                )
            elif isinstance(e, Invoice.PaymentApplied):
                cur.execute("SELECT currency FROM invoices WHERE id = %s", (iid,))
                row = cur.fetchone()
                assert row is not None, f"payment applied to unknown invoice {iid}"
                cur.execute(
                    "UPDATE invoices SET paid_minor = paid_minor + %s, version = %s, position = %s WHERE id = %s",
                    (Money(e.amount, row[0]).to_minor(), e.originator_version, fact.position, iid),
                )

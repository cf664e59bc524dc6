"""Invoices as they stand now, with their lines: the invoices list and invoice detail."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.invoice import Invoice, taxes
from ledger.money import Money
from projections.db import Cursor
from projections.engine import Fact

_ADDS = {
    Invoice.PaymentApplied: "paid_minor",
    Invoice.CustomerCreditApplied: "paid_minor",
    Invoice.Credited: "credited_minor",
    Invoice.WrittenOff: "written_off_minor",
}


class InvoicesProjection:
    name = "invoices"
    schema_version = 2
    tables = ("invoices", "invoice_lines")
    folds = (Invoice.Event,)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE invoices (
                id TEXT PRIMARY KEY,
                customer_id TEXT NOT NULL,
                series TEXT NOT NULL,
                number TEXT,
                status TEXT NOT NULL,
                currency TEXT NOT NULL,
                rate TEXT,
                net_minor BIGINT NOT NULL,
                tax_minor BIGINT NOT NULL,
                paid_minor BIGINT NOT NULL,
                credited_minor BIGINT NOT NULL,
                written_off_minor BIGINT NOT NULL,
                drafted_on DATE NOT NULL,
                issue_date DATE,
                due_date DATE,
                sent_on DATE,
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
                service_code TEXT,
                quantity TEXT NOT NULL,
                unit_price TEXT NOT NULL,
                discount_percent TEXT NOT NULL,
                tax_rate TEXT NOT NULL,
                tax_inclusive BOOLEAN NOT NULL,
                amount_minor BIGINT NOT NULL,
                PRIMARY KEY (invoice_id, line_no)
            )"""
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e = fact.event
            iid = str(e.originator_id)
            stamp = (e.originator_version, fact.position, iid)
            if isinstance(e, Invoice.Drafted):
                result = taxes(list(e.lines), e.currency)
                cur.execute(
                    "INSERT INTO invoices (id, customer_id, series, number, status, currency, net_minor, tax_minor,"
                    " paid_minor, credited_minor, written_off_minor, drafted_on, version, position)"
                    " VALUES (%s, %s, %s, NULL, 'draft', %s, %s, %s, 0, 0, 0, %s, %s, %s)",
                    (
                        iid,
                        str(e.customer_id),
                        e.series,
                        e.currency,
                        result.net.to_minor(),
                        result.tax.to_minor(),
                        e.effective_date,
                        e.originator_version,
                        fact.position,
                    ),
                )
                cur.executemany(
                    "INSERT INTO invoice_lines (invoice_id, line_no, description, service_code, quantity, unit_price,"
                    " discount_percent, tax_rate, tax_inclusive, amount_minor)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        (
                            iid,
                            n,
                            ln.description,
                            ln.service_code,
                            str(ln.quantity),
                            str(ln.unit_price),
                            str(ln.discount_percent),
                            str(ln.tax_rate),
                            ln.tax_inclusive,
                            ln.amount(e.currency).to_minor(),
                        )
                        for n, ln in enumerate(e.lines, start=1)
                    ],
                )
            elif isinstance(e, Invoice.Issued):
                cur.execute(
                    "UPDATE invoices SET status = 'issued', number = %s, issue_date = %s, due_date = %s, rate = %s,"
                    " version = %s, position = %s WHERE id = %s",
                    (e.number, e.effective_date, e.due_date, str(e.rate), *stamp),
                )
            elif isinstance(e, Invoice.Sent):
                cur.execute(
                    "UPDATE invoices SET sent_on = %s, version = %s, position = %s WHERE id = %s",
                    (e.effective_date, *stamp),
                )
            elif isinstance(e, Invoice.Voided):
                cur.execute(
                    "UPDATE invoices SET status = 'voided', voided_on = %s, void_reason = %s,"
                    " version = %s, position = %s WHERE id = %s",
                    (e.effective_date, e.reason, *stamp),
                )
            elif isinstance(e, Invoice.PaymentUnapplied):
                self._add(cur, "paid_minor", -1, fact)
            elif type(e) in _ADDS:
                self._add(cur, _ADDS[type(e)], 1, fact)

    @staticmethod
    def _add(cur: Cursor, column: str, sign: int, fact: Fact) -> None:
        e = fact.event
        iid = str(e.originator_id)
        cur.execute("SELECT currency FROM invoices WHERE id = %s", (iid,))
        row = cur.fetchone()
        assert row is not None, f"event for unknown invoice {iid}"
        cur.execute(
            f"UPDATE invoices SET {column} = {column} + %s, version = %s, position = %s WHERE id = %s",
            (sign * Money(e.amount, row[0]).to_minor(), e.originator_version, fact.position, iid),
        )

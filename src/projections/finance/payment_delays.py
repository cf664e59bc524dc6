"""How late each customer pays, as bitemporal spans.

Per customer, the running sums of payments on invoices and of payments times the days they came
after the invoice's due date, as spans over the dates of the payments (see
``projections.finance.open_items.SpanTable``). Their ratio as of D known at K is the customer's average
delay then: what the cash forecast moves the customer's receivables by.

A read model of its own, apart from open items: it folds only payments and the invoices they pay,
and a rebuild of either does not redo the other's work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from ledger.chart_templates import role_of
from ledger.invoice import Invoice
from ledger.money import to_minor
from ledger.payment import Payment
from ledger.roles import Role
from projections.engine.projection import Fact
from projections.engine.rounding import create_half_even
from projections.engine.sql import Cursor, as_date, rows_where_one_of
from projections.finance.open_items import TEXT, Line, SpanTable

PAYMENT_DELAYS = SpanTable("customer_delays", (("party_id", TEXT),), ("paid_minor", "late_minor_days"))


class PaymentDelaysProjection:
    name = "payment_delays"
    # 1: apart from open items (their v8 kept these spans as ``payment_delays``)
    # 2: keel_half_even, with which the cash forecast rounds the delays in the database
    schema_version = 2
    tables = (PAYMENT_DELAYS.table, "delay_due_dates")
    query_indexes = PAYMENT_DELAYS.span_indexes
    folds = (Invoice.Issued, Payment.Event)

    def __init__(self, functional_currency: str) -> None:
        self.functional_currency = functional_currency

    def create(self, cur: Cursor) -> None:
        PAYMENT_DELAYS.create(cur)
        create_half_even(cur)
        cur.execute("CREATE TABLE delay_due_dates (document_id TEXT PRIMARY KEY, due_date DATE NOT NULL)")

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        issued: dict[str, date] = {}
        paid: list[tuple[Fact, str, str, int]] = []  # a payment line on an invoice: its customer, its invoice
        for fact in facts:
            event = fact.event
            if isinstance(event, Invoice.Issued):
                issued[str(event.originator_id)] = event.due_date
            elif isinstance(event, Payment.Event):
                for line in getattr(event, "journal", None) or ():
                    value = to_minor(line.value, self.functional_currency)
                    if value < 0 and line.document_id and role_of(line) == Role.RECEIVABLE:
                        paid.append((fact, str(line.party_id), str(line.document_id), value))
        due = self._due_dates(cur, {doc for _, _, doc, _ in paid} - set(issued)) | issued
        lines: dict[str, list[Line]] = defaultdict(list)
        for fact, party, doc, value in paid:
            if doc not in due:  # not an invoice (an opening balance, a journal entry)
                continue
            day = fact.event.effective_date
            lines[party].append((fact.recorded_at, day, -value, -value * (day - due[doc]).days))
        spans = PAYMENT_DELAYS.current(cur, lines)
        PAYMENT_DELAYS.write(cur, PAYMENT_DELAYS.fold(spans, lines, {party: (party,) for party in lines}))
        if issued:  # an invoice is issued once
            cur.copy_rows("delay_due_dates", ("document_id", "due_date"), sorted(issued.items()))

    @staticmethod
    def _due_dates(cur: Cursor, documents: set[str]) -> dict[str, date]:
        rows = rows_where_one_of(cur, "delay_due_dates", "document_id", "due_date", documents)
        return {str(doc): as_date(day) or date.min for doc, day in rows}

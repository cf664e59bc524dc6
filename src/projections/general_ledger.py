"""General-ledger lines: every journal line any event posted, with both time axes.

Each row keeps the business date it is about (``effective_date``) and when the books
learnt of it (``position``, ``recorded_at``), so "as of D, known at K" is an indexed
aggregate over this one table.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.journal import JournalLine
from ledger.money import Money
from projections.db import Cursor
from projections.engine import Fact


class GeneralLedgerProjection:
    name = "general_ledger"
    schema_version = 1
    tables = ("gl_lines",)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE gl_lines (
                position BIGINT NOT NULL,
                line_no INTEGER NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL,
                effective_date DATE NOT NULL,
                source_id TEXT NOT NULL,
                source_version INTEGER NOT NULL,
                event_topic TEXT NOT NULL,
                account TEXT NOT NULL,
                currency TEXT NOT NULL,
                amount_minor BIGINT NOT NULL,
                customer_id TEXT,
                invoice_id TEXT,
                memo TEXT NOT NULL,
                PRIMARY KEY (position, line_no)
            )"""
        )
        cur.execute("CREATE INDEX gl_lines_account_date ON gl_lines (account, effective_date, recorded_at)")
        cur.execute("CREATE INDEX gl_lines_customer_date ON gl_lines (customer_id, effective_date)")

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        rows = []
        for fact in facts:
            journal: list[JournalLine] | None = getattr(fact.event, "journal", None)
            if not journal:
                continue
            event = fact.event
            for line_no, line in enumerate(journal, start=1):
                rows.append(
                    (
                        fact.position,
                        line_no,
                        fact.recorded_at,
                        event.effective_date,
                        str(event.originator_id),
                        event.originator_version,
                        type(event).TOPIC,
                        line.account,
                        line.currency,
                        Money(line.amount, line.currency).to_minor(),
                        line.customer_id,
                        line.invoice_id,
                        line.memo,
                    )
                )
        if rows:
            cur.executemany(
                "INSERT INTO gl_lines (position, line_no, recorded_at, effective_date, source_id, source_version,"
                " event_topic, account, currency, amount_minor, customer_id, invoice_id, memo)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )

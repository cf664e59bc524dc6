"""General-ledger lines: every journal line any event posted, with both time axes.

Each row keeps the business date it is about (``effective_date``) and when the books
learnt of it (``position``, ``recorded_at``), the transaction-currency amount and its value
in the functional currency, and the line's dimensions. "As of D, known at K" is an
indexed aggregate over this one table.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.journal import JournalLine
from ledger.money import to_minor
from ledger.topics import events_with_field
from projections.db import Cursor
from projections.engine import Fact

YEAR_CLOSE_TOPIC = "keel.books.YearClosed.v1"
COLUMNS = (
    "position",
    "line_no",
    "recorded_at",
    "effective_date",
    "source_id",
    "source_version",
    "event_topic",
    "account",
    "currency",
    "amount_minor",
    "value_minor",
    "party_id",
    "document_id",
    "cost_center",
    "project_id",
    "tax_code",
    "memo",
)


class GeneralLedgerProjection:
    name = "general_ledger"
    schema_version = 2
    tables = ("gl_lines",)
    # Every event that posts to the books carries its journal lines.
    folds = events_with_field("journal")

    def __init__(self, functional_currency: str = "EUR") -> None:
        self.functional_currency = functional_currency

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
                value_minor BIGINT NOT NULL,
                party_id TEXT,
                document_id TEXT,
                cost_center TEXT,
                project_id TEXT,
                tax_code TEXT,
                memo TEXT NOT NULL,
                PRIMARY KEY (position, line_no)
            )"""
        )
        cur.execute("CREATE INDEX gl_lines_account_date ON gl_lines (account, effective_date, recorded_at)")
        cur.execute("CREATE INDEX gl_lines_party_date ON gl_lines (party_id, effective_date)")
        cur.execute("CREATE INDEX gl_lines_document ON gl_lines (document_id)")

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
                        to_minor(line.amount, line.currency),
                        to_minor(line.value, self.functional_currency),
                        line.party_id,
                        line.document_id,
                        line.cost_center,
                        line.project_id,
                        line.tax_code,
                        line.memo,
                    )
                )
        if rows:
            cur.copy_rows("gl_lines", COLUMNS, rows)

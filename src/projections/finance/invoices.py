"""Invoices as they stand now, with their lines (an invoice's detail), and their list rows as
bitemporal spans (the list as of D known at K, see ``projections.finance.invoice_spans``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ledger.invoice import Invoice
from ledger.invoice_lines import taxes
from ledger.money import to_minor
from projections.engine.projection import Fact
from projections.engine.sql import Cursor, update_rows
from projections.finance import invoice_spans

_ADDS = {
    Invoice.PaymentApplied: "paid_minor",
    Invoice.CustomerCreditApplied: "paid_minor",
    Invoice.Credited: "credited_minor",
    Invoice.WrittenOff: "written_off_minor",
}


INVOICE_COLUMNS = (
    "id",
    "customer_id",
    "series",
    "number",
    "status",
    "currency",
    "rate",
    "net_minor",
    "tax_minor",
    "paid_minor",
    "credited_minor",
    "written_off_minor",
    "drafted_on",
    "issue_date",
    "due_date",
    "sent_on",
    "voided_on",
    "void_reason",
    "version",
    "position",
)
# Columns that events after the draft set (never back to NULL) or add to.
SET_LATER = ("status", "number", "issue_date", "due_date", "rate", "sent_on", "voided_on", "void_reason")
ADDED = ("paid_minor", "credited_minor", "written_off_minor")
COLUMN_TYPES = {
    **dict.fromkeys(("status", "number", "rate", "void_reason"), "text"),
    **dict.fromkeys(("issue_date", "due_date", "sent_on", "voided_on"), "date"),
    **dict.fromkeys((*ADDED, "position"), "bigint"),
    "version": "integer",
}
LINE_COLUMNS = (
    "invoice_id",
    "line_no",
    "description",
    "service_code",
    "quantity",
    "unit_price",
    "discount_percent",
    "tax_rate",
    "tax_inclusive",
    "amount_minor",
)


class InvoicesProjection:
    name = "invoices"
    schema_version = 4  # 3: list rows as spans; 4: the list's order indexed
    tables = ("invoices", "invoice_lines", "invoice_facts", "invoice_spans")
    query_indexes = ("invoices_customer", "invoices_drafted", *invoice_spans.INDEXES)
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
        cur.execute("CREATE INDEX invoices_drafted ON invoices (drafted_on, id)")  # the list's order
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
        invoice_spans.create(cur)

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        # Invoices drafted in this page are folded in memory and inserted at the end in one COPY
        # (a rebuild sees most invoices drafted, issued and paid within a page); the changes to
        # invoices of earlier pages are merged per invoice and written in one statement.
        drafted: dict[str, dict[str, Any]] = {}
        earlier: dict[str, dict[str, Any]] = {}
        lines: list[tuple[Any, ...]] = []
        spans: list[tuple[Any, ...]] = []
        changed: dict[str, list[tuple[int, datetime]]] = defaultdict(list)  # invoice -> its events in the page
        currencies = self._currencies(cur, facts)
        for fact in facts:
            e = fact.event
            if not isinstance(e, Invoice.Event):
                continue
            iid = str(e.originator_id)
            currency = e.currency if isinstance(e, Invoice.Drafted) else currencies.get(iid) or drafted[iid]["currency"]
            spans.append(invoice_spans.fact_row(fact, currency))
            changed[iid].append((fact.position, fact.recorded_at))
            if isinstance(e, Invoice.Drafted):
                result = taxes(list(e.lines), e.currency)
                drafted[iid] = {
                    "id": iid,
                    "customer_id": str(e.customer_id),
                    "series": e.series,
                    "number": None,
                    "status": "draft",
                    "currency": e.currency,
                    "rate": None,
                    "net_minor": to_minor(result.net.amount, result.net.currency),
                    "tax_minor": to_minor(result.tax.amount, result.tax.currency),
                    "paid_minor": 0,
                    "credited_minor": 0,
                    "written_off_minor": 0,
                    "drafted_on": e.effective_date,
                    "issue_date": None,
                    "due_date": None,
                    "sent_on": None,
                    "voided_on": None,
                    "void_reason": None,
                    "version": e.originator_version,
                    "position": fact.position,
                }
                lines += [
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
                        to_minor(ln.amount(e.currency).amount, e.currency),
                    )
                    for n, ln in enumerate(e.lines, start=1)
                ]
                continue
            changes = self._changes(e, currency)
            if not changes:
                continue
            row = drafted.get(iid)
            if row is None:
                row = earlier.setdefault(iid, {**dict.fromkeys(SET_LATER), **dict.fromkeys(ADDED, 0)})
            for column, (value, add) in changes.items():
                row[column] = row[column] + value if add else value
            row.update(version=e.originator_version, position=fact.position)
        if drafted:
            cur.copy_rows("invoices", INVOICE_COLUMNS, [tuple(r[c] for c in INVOICE_COLUMNS) for r in drafted.values()])
            cur.copy_rows("invoice_lines", LINE_COLUMNS, lines)
        if earlier:
            self._update(cur, earlier)
        if spans:
            cur.copy_rows("invoice_facts", invoice_spans.FACT_COLUMNS, spans)
            invoice_spans.update_spans(cur, changed)

    @staticmethod
    def _update(cur: Cursor, changed: dict[str, dict[str, Any]]) -> None:
        """Apply each invoice's merged changes: columns set by its events (None: not set), sums
        added, the version and position of its last event."""
        columns = (*SET_LATER, *ADDED, "version", "position")
        assign = {c: "COALESCE({new}, {old})" for c in SET_LATER}
        assign.update({c: "{old} + {new}" for c in ADDED}, version="{new}", position="{new}")
        update_rows(
            cur,
            "invoices",
            (("id", "text"), *((c, COLUMN_TYPES[c]) for c in columns)),
            [[iid, *(row[c] for c in columns)] for iid, row in changed.items()],
            assign,
            ("id",),
        )

    @staticmethod
    def _changes(e: Any, currency: str) -> dict[str, tuple[Any, bool]]:
        """What an event after the draft changes: column -> (value, added rather than set)."""
        if isinstance(e, Invoice.Issued):
            return {
                "status": ("issued", False),
                "number": (e.number, False),
                "issue_date": (e.effective_date, False),
                "due_date": (e.due_date, False),
                "rate": (str(e.rate), False),
            }
        if isinstance(e, Invoice.Sent):
            return {"sent_on": (e.effective_date, False)}
        if isinstance(e, Invoice.Voided):
            return {
                "status": ("voided", False),
                "voided_on": (e.effective_date, False),
                "void_reason": (e.reason, False),
            }
        if isinstance(e, Invoice.PaymentUnapplied):
            return {"paid_minor": (-to_minor(e.amount, currency), True)}
        if type(e) in _ADDS:
            return {_ADDS[type(e)]: (to_minor(e.amount, currency), True)}
        return {}

    @staticmethod
    def _currencies(cur: Cursor, facts: Sequence[Fact]) -> dict[str, str]:
        """The currency of each earlier invoice the page changes, in one query per thousand
        invoices rather than one per event (each would wait for the database)."""
        drafted = {f.event.originator_id for f in facts if isinstance(f.event, Invoice.Drafted)}
        ids = sorted(
            {
                str(f.event.originator_id)
                for f in facts
                if isinstance(f.event, Invoice.Event) and f.event.originator_id not in drafted
            }
        )
        currencies: dict[str, str] = {}
        for chunk in (ids[n : n + 1000] for n in range(0, len(ids), 1000)):
            cur.execute(f"SELECT id, currency FROM invoices WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            currencies.update((str(r[0]), str(r[1])) for r in cur.fetchall())
        return currencies

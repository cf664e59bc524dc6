"""Open items: what each document still owes or is owed on the control accounts, as bitemporal
spans.

An item is one document's balance on one control account and currency (lines without a document
make one item per party). Its balance over business dates is a step function that changes on
the dates of its lines. ``open_items`` keeps, for every item, the spans of business dates on
which that balance is not zero, each with the span of recording times over which it was
believed (see ``projections.engine.spans``). When a line arrives, the spans it changes are closed at
its recording time and the new ones open there. Open items as of D known at K are then the spans
containing both D and K: the answer, without reading the history that settled everything else.

How late each customer pays is kept alike, in a read model of its own (``projections.finance.payment_delays``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from ledger.chart_templates import role_of
from ledger.invoice import Invoice
from ledger.journal import JournalLine
from ledger.money import to_minor
from ledger.payables import Bill
from ledger.roles import Role
from ledger.supplier_credit import SupplierCreditNote
from ledger.topics import events_with_field
from projections.engine.projection import Fact
from projections.engine.spans import FOREVER, FOREVER_DATE, create_span_index, spans_at
from projections.engine.sql import Cursor, as_date, in_chunks, one_of, rows_where_one_of, update_rows

# The control roles whose lines make open items (the line's role, not its account: ADR 0032).
OPEN_ITEM_ROLES = frozenset(
    {Role.RECEIVABLE.value, Role.PAYABLE.value, Role.CUSTOMER_CREDIT.value, Role.EMPLOYEE_PAYABLE.value}
)

Span = tuple[date, date, int, int]  # valid_from, valid_to, and the two sums
Line = tuple[datetime, date, int, int]  # recorded_at, effective_date, and what it adds to the two sums
Writes = tuple[list[tuple[Any, ...]], list[list[Any]]]  # spans to close, rows to insert


def item_key(line: JournalLine, role: str) -> str:
    return f"{role}|{line.currency}|{line.party_id or ''}|{line.document_id or ''}"


def with_line(spans: Sequence[Span], day: date, amount: int, value: int) -> list[Span]:
    """The item's nonzero spans (in date order) once a line of (amount, value) dated ``day`` is
    added: every balance from that day on moves by it. Adjacent spans of equal balance are merged,
    so an item's spans are one canonical set for its balance function."""
    if not spans:  # most lines: a document's first, on an item with no balance yet
        return [(day, FOREVER_DATE, amount, value)] if amount or value else []
    pieces = [s for s in spans if s[1] <= day]  # wholly before the line: unchanged
    later = [s for s in spans if s[1] > day]
    pieces += [(f, day, a, v) for f, _, a, v in later if f < day]  # the part before it, unchanged
    edges = sorted({day, FOREVER_DATE, *(s[0] for s in later if s[0] > day), *(s[1] for s in later)})
    for start, end in pairwise(edges):
        a, v = next(((a, v) for f, t, a, v in later if f <= start < t), (0, 0))
        pieces.append((start, end, a + amount, v + value))
    out: list[Span] = []
    for start, end, a, v in pieces:
        if a == 0 and v == 0:
            continue
        if out and out[-1][1] == start and out[-1][2:] == (a, v):
            out[-1] = (out[-1][0], end, a, v)
        else:
            out.append((start, end, a, v))
    return out


@dataclass(frozen=True)
class SpanTable:
    """A table of items' step functions as bitemporal spans: ``names`` (column, SQL type) describe
    an item, and ``measures`` are the two sums that step (see ``with_line``)."""

    table: str
    names: tuple[tuple[str, str], ...]
    measures: tuple[str, str]
    # On PostgreSQL, one R-tree per part (its name, its condition) instead of one for all the
    # spans: a query that asks for one part then reads none of the others' spans.
    parts: tuple[tuple[str, str], ...] = ()

    def create(self, cur: Cursor) -> None:
        described = "".join(f"{name} {kind}, " for name, kind in self.names)
        measured = ", ".join(f"{m} BIGINT NOT NULL" for m in self.measures)
        # Closing a span sets its known_to, which no index the fold keeps names, in pages left
        # with room: PostgreSQL then updates the row in place (a HOT update) without touching an
        # index. (The R-tree names known_to, but a rebuild builds it after the fold.)
        room = " WITH (fillfactor = 85)" if cur.dialect == "postgres" else ""
        cur.execute(
            f"CREATE TABLE {self.table} (item TEXT NOT NULL, {described}valid_from DATE NOT NULL,"
            " valid_to DATE NOT NULL, known_from TIMESTAMPTZ NOT NULL, known_to TIMESTAMPTZ NOT NULL,"
            f" {measured}){room}"
        )
        cur.execute(f"CREATE INDEX {self.table}_current ON {self.table} (item, valid_to, valid_from)")
        if self.parts and cur.dialect == "postgres":
            for name, condition in self.parts:
                create_span_index(cur, self.table, f"at_{name}", condition)
        else:
            create_span_index(cur, self.table)

    @property
    def span_indexes(self) -> tuple[str, ...]:
        return (f"{self.table}_at", *(f"{self.table}_at_{name}" for name, _ in self.parts))

    def fold(
        self, spans: dict[str, list[Span]], lines: dict[str, list[Line]], names: dict[str, tuple[Any, ...]]
    ) -> Writes:
        """Add each item's lines (in log order) to its current ``spans``, event by event: the
        spans a line changes are closed at its recording time and the new ones open there.
        Returns the spans to close and the rows to insert (see ``write``)."""
        known_to = 1 + len(self.names) + 3  # in a row: item, names, valid_from, valid_to, known_from, known_to
        closed: list[tuple[Any, ...]] = []  # spans recorded before this page that stop holding
        opened: list[list[Any]] = []  # spans this page opens (and may close again)
        for key, changes in lines.items():
            before = spans.get(key, [])
            fresh: dict[Span, list[Any]] = {}
            for recorded_at, day, amount, value in changes:
                after = with_line(before, day, amount, value)
                for span in set(before) - set(after):
                    if span in fresh:
                        fresh.pop(span)[known_to] = recorded_at
                    else:
                        closed.append((recorded_at, key, span[1], span[0]))
                for span in set(after) - set(before):
                    fresh[span] = row = [key, *names[key], span[0], span[1], recorded_at, FOREVER, *span[2:]]
                    opened.append(row)
                before = after
        # A span opened and closed by events recorded together was never visible to anyone.
        return closed, [row for row in opened if row[known_to - 1] != row[known_to]]

    def write(self, cur: Cursor, writes: Writes) -> None:
        closed, rows = writes
        # Closed before the inserts: a span reopened with the same start must not be closed.
        update_rows(
            cur,
            self.table,
            (("known_to", "timestamptz"), ("item", "text"), ("valid_to", "date"), ("valid_from", "date")),
            closed,
            {"known_to": "{new}"},
            ("item", "valid_to", "valid_from"),
            {"known_to": FOREVER},
        )
        if rows:
            names = (name for name, _ in self.names)
            columns = ("item", *names, "valid_from", "valid_to", "known_from", "known_to", *self.measures)
            cur.copy_rows(self.table, columns, rows)

    def current(self, cur: Cursor, lines: dict[str, list[Line]]) -> dict[str, list[Span]]:
        """The spans known now of these items that their lines can change, in date order: those
        ending on or after the earliest line's date (a line changes the spans after its date and
        may merge with the one just before)."""
        keys = sorted(lines)
        since = min((line[1] for changes in lines.values() for line in changes), default=FOREVER_DATE)
        spans: dict[str, list[Span]] = defaultdict(list)
        for chunk in in_chunks(cur, keys):
            among, params = one_of(cur, "item", chunk)
            cur.execute(
                f"SELECT item, valid_from, valid_to, {', '.join(self.measures)} FROM {self.table}"
                f" WHERE known_to = %s AND valid_to >= %s AND {among}",
                [FOREVER, since, *params],
            )
            for key, start, end, amount, value in cur.fetchall():
                first, last = as_date(start), as_date(end)
                assert first is not None and last is not None
                spans[str(key)].append((first, last, int(amount), int(value)))
        return {key: sorted(found) for key, found in spans.items()}


TEXT, DATE = "TEXT", "DATE"
ROLE_PARTS = {
    Role.RECEIVABLE.value: "receivables",
    Role.PAYABLE.value: "payables",
    Role.CUSTOMER_CREDIT.value: "credit",
    Role.EMPLOYEE_PAYABLE.value: "claims",
}
OPEN_ITEMS = SpanTable(
    "open_items",
    # The document's number and due date ride along, so ageing and the forecast read one table.
    (
        ("role", TEXT),
        ("currency", TEXT),
        ("party_id", TEXT),
        ("document_id", TEXT),
        ("number", TEXT),
        ("due_date", DATE),
    ),
    ("amount_minor", "value_minor"),
    # Reports ask for one control role's items (see ``open_items_of``).
    tuple((name, f"role = '{role}'") for role, name in ROLE_PARTS.items()),
)


def open_items_of(
    cur: Cursor, roles: Sequence[str], as_of: date, known_at: datetime | None, columns: str
) -> tuple[str, list[Any]]:
    """A subquery (to alias) of ``columns`` of the open items of the control ``roles`` on ``as_of``
    as known at ``known_at``: an arm per role, each read through that role's own index."""
    arms, params = [], []
    for role in roles:
        at, at_params = spans_at(cur, as_of, known_at, alias="o")
        arms.append(f"SELECT {columns} FROM open_items o WHERE o.role = %s AND {at}")
        params += [role, *at_params]
    return f"({' UNION ALL '.join(arms)})", params


Terms = tuple[str, date]  # a document's number and due date


class OpenItemsProjection:
    name = "open_items"
    # 2: payment delays; 3: spans indexed as boxes; 4: current spans by their end; 5: as points;
    # 6: spans closed in place; 7: items carry their document's number and due date; 8: an
    # R-tree per control account; 9: payment delays apart (projections.finance.payment_delays); 10: items
    # by the line's control role, not its account (ADR 0032)
    schema_version = 10
    tables = ("open_items", "document_terms")
    # v6 kept invoices' due dates alone; v8 kept the payment delays
    retired_tables = ("invoice_due_dates", "payment_delays")
    query_indexes = OPEN_ITEMS.span_indexes

    @property
    def folds(self) -> tuple[type, ...]:
        """Every event that posts to the books carries its journal lines. Asked when the engine
        reads the log, not in the class body: finding them imports every ``ledger`` module."""
        return events_with_field("journal")

    def __init__(self, functional_currency: str) -> None:
        self.functional_currency = functional_currency

    def create(self, cur: Cursor) -> None:
        OPEN_ITEMS.create(cur)
        # Invoices' and bills' numbers and due dates, for the later lines of their items.
        cur.execute(
            "CREATE TABLE document_terms (document_id TEXT PRIMARY KEY, number TEXT NOT NULL, due_date DATE NOT NULL)"
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        items: dict[str, list[Line]] = defaultdict(list)  # per item, its lines in this page
        documents: dict[str, tuple[Any, ...]] = {}  # per item: role, currency, party, document
        issued: dict[str, Terms] = {}
        for fact in facts:
            event = fact.event
            if isinstance(event, Invoice.Issued):
                issued[str(event.originator_id)] = (event.number, event.due_date)
            elif isinstance(event, Bill.Recorded):
                issued[str(event.originator_id)] = (event.supplier_reference, event.due_date)
            elif isinstance(event, SupplierCreditNote.Received):  # its supplier credit: an item of its own
                issued[str(event.originator_id)] = (event.supplier_reference, event.effective_date)
            for line in getattr(event, "journal", None) or ():
                role = role_of(line)
                if role not in OPEN_ITEM_ROLES:
                    continue
                key = item_key(line, role)
                documents[key] = (role, line.currency, line.party_id, line.document_id)
                value = to_minor(line.value, self.functional_currency)
                items[key].append((fact.recorded_at, event.effective_date, to_minor(line.amount, line.currency), value))
        # Every read first, then the writes: each read waits for what was sent before it.
        wanted = {str(doc) for *_, doc in documents.values() if doc} - set(issued)
        terms = self._terms(cur, wanted) | issued
        open_spans = OPEN_ITEMS.current(cur, items)
        names = {key: (*doc, *terms.get(str(doc[3]), ("", None))) for key, doc in documents.items()}
        OPEN_ITEMS.write(cur, OPEN_ITEMS.fold(open_spans, items, names))
        if issued:  # a document is issued once
            rows = sorted((doc, number, due) for doc, (number, due) in issued.items())
            cur.copy_rows("document_terms", ("document_id", "number", "due_date"), rows)

    @staticmethod
    def _terms(cur: Cursor, documents: set[str]) -> dict[str, Terms]:
        rows = rows_where_one_of(cur, "document_terms", "document_id", "number, due_date", documents)
        return {str(doc): (str(number), as_date(due) or date.min) for doc, number, due in rows}

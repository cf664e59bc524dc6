"""Open items: what each document still owes or is owed on the control accounts, as bitemporal
spans.

An item is one document's balance on one control account and currency (lines without a document
make one item per party). Its balance over business dates is a step function that changes on
the dates of its lines. ``open_items`` keeps, for every item, the spans of business dates on
which that balance is not zero, each with the span of recording times over which it was
believed (see ``projections.spans``). When a line arrives, the spans it changes are closed at
its recording time and the new ones open there. Open items as of D known at K are then the spans
containing both D and K: the answer, without reading the history that settled everything else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from ledger.accounts import CUSTOMER_CREDIT, EMPLOYEE_PAYABLE, PAYABLES, RECEIVABLES
from ledger.journal import JournalLine
from ledger.money import to_minor
from ledger.topics import events_with_field
from projections.db import Cursor, as_date
from projections.engine import Fact
from projections.spans import FOREVER, FOREVER_DATE, create_span_index

OPEN_ITEM_ACCOUNTS = frozenset({RECEIVABLES, PAYABLES, CUSTOMER_CREDIT, EMPLOYEE_PAYABLE})
COLUMNS = (
    "item",
    "account",
    "currency",
    "party_id",
    "document_id",
    "valid_from",
    "valid_to",
    "known_from",
    "known_to",
    "amount_minor",
    "value_minor",
)

Span = tuple[date, date, int, int]  # valid_from, valid_to, amount, value (minor units)


def item_key(line: JournalLine) -> str:
    return f"{line.account}|{line.currency}|{line.party_id or ''}|{line.document_id or ''}"


def with_line(spans: Sequence[Span], day: date, amount: int, value: int) -> list[Span]:
    """The item's nonzero spans (in date order) once a line of (amount, value) dated ``day`` is
    added: every balance from that day on moves by it. Adjacent spans of equal balance are merged,
    so an item's spans are one canonical set for its balance function."""
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


class OpenItemsProjection:
    name = "open_items"
    schema_version = 1
    tables = ("open_items",)
    folds = events_with_field("journal")

    def __init__(self, functional_currency: str = "EUR") -> None:
        self.functional_currency = functional_currency

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE open_items (
                item TEXT NOT NULL,
                account TEXT NOT NULL,
                currency TEXT NOT NULL,
                party_id TEXT,
                document_id TEXT,
                valid_from DATE NOT NULL,
                valid_to DATE NOT NULL,
                known_from TIMESTAMPTZ NOT NULL,
                known_to TIMESTAMPTZ NOT NULL,
                amount_minor BIGINT NOT NULL,
                value_minor BIGINT NOT NULL
            )"""
        )
        cur.execute("CREATE INDEX open_items_current ON open_items (item, known_to, valid_from)")
        create_span_index(cur, "open_items")

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        # Per item, its lines in this page: (position, recorded_at, date, amount, value).
        lines: dict[str, list[tuple[int, datetime, date, int, int]]] = defaultdict(list)
        names: dict[str, tuple[str, str, str | None, str | None]] = {}
        for fact in facts:
            journal: list[JournalLine] | None = getattr(fact.event, "journal", None)
            for line in journal or ():
                if line.account not in OPEN_ITEM_ACCOUNTS:
                    continue
                key = item_key(line)
                names[key] = (line.account, line.currency, line.party_id, line.document_id)
                amount = to_minor(line.amount, line.currency)
                value = to_minor(line.value, self.functional_currency)
                lines[key].append((fact.position, fact.recorded_at, fact.event.effective_date, amount, value))
        if not lines:
            return
        spans = self._current(cur, sorted(lines))
        closed: list[tuple[Any, ...]] = []  # spans recorded before this page that stop holding
        opened: list[list[Any]] = []  # spans this page opens (and may close again)
        for key, changes in lines.items():
            before = spans.get(key, [])
            fresh: dict[Span, list[Any]] = {}
            for _, recorded_at, day, amount, value in changes:
                after = with_line(before, day, amount, value)
                for span in set(before) - set(after):
                    if span in fresh:
                        fresh.pop(span)[8] = recorded_at
                    else:
                        closed.append((recorded_at, key, span[0], FOREVER))
                for span in set(after) - set(before):
                    fresh[span] = row = [key, *names[key], span[0], span[1], recorded_at, FOREVER, span[2], span[3]]
                    opened.append(row)
                before = after
        if closed:  # before the inserts: a span reopened with the same start must not be closed
            cur.executemany(
                "UPDATE open_items SET known_to = %s WHERE item = %s AND valid_from = %s AND known_to = %s", closed
            )
        # A span opened and closed by events recorded together was never visible to anyone.
        rows = [row for row in opened if row[7] != row[8]]
        if rows:
            cur.copy_rows("open_items", COLUMNS, rows)

    @staticmethod
    def _current(cur: Cursor, keys: Sequence[str]) -> dict[str, list[Span]]:
        """The spans known now of these items."""
        spans: dict[str, list[Span]] = defaultdict(list)
        for chunk in (keys[n : n + 500] for n in range(0, len(keys), 500)):
            cur.execute(
                "SELECT item, valid_from, valid_to, amount_minor, value_minor FROM open_items"
                f" WHERE known_to = %s AND item IN ({', '.join(['%s'] * len(chunk))})",
                [FOREVER, *chunk],
            )
            for key, start, end, amount, value in cur.fetchall():
                first, last = as_date(start), as_date(end)
                assert first is not None and last is not None
                spans[str(key)].append((first, last, int(amount), int(value)))
        return {key: sorted(found) for key, found in spans.items()}

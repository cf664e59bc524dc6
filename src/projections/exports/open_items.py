"""Open items as a dataset: what each customer, supplier and employee owes or is owed, document by
document, on the snapshot's date as known at its moment — the ageing's and the forecast's rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledger.money import minor_units
from projections.engine.spans import spans_at
from projections.engine.sql import as_date, as_datetime
from projections.exports.datasets import (
    BATCH_ROWS,
    LATEST_DAY,
    Batch,
    Column,
    Dataset,
    MinorUnits,
    Snapshot,
    Sources,
    known_moment,
)

COLUMNS = (
    Column("role", "text", "receivable, payable, customer_credit, employee_payable …"),
    Column("party_id", "text", "Who owes or is owed"),
    Column("document_id", "text", "The invoice, bill or claim"),
    Column("number", "text", "The document's number"),
    Column("due_date", "date", "When it is due"),
    Column("currency", "text", "The document's currency (ISO 4217)"),
    Column("open_amount", "money", "What is open, in the document's currency: a debit (owed to us) positive"),
    Column("open_functional", "money", "The same valued in the functional currency"),
    Column("functional_currency", "text", "The books' functional currency"),
    Column("open_since", "date", "The business date from which this amount has been open"),
    Column("recorded_at", "timestamp", "When the books came to know this amount (UTC)"),
    Column("item", "text", "The item's key: role, currency, party and document"),
)


def open_item_batches(sources: Sources, snapshot: Snapshot) -> Iterator[Batch]:
    """Every open item on ``as_of`` (or once everything dated is posted) as known at ``known_at``
    (or at the snapshot's position): a few thousand rows however long the history."""
    known_at = known_moment(sources, snapshot)
    if known_at is None:
        return
    fc = snapshot.functional_currency
    with sources.views.read() as cur:
        at, params = spans_at(cur, snapshot.as_of or LATEST_DAY, known_at)
        cur.execute(
            "SELECT role, party_id, document_id, number, due_date, currency, amount_minor, value_minor,"
            f" valid_from, known_from, item FROM open_items WHERE {at} ORDER BY item",
            params,
        )
        rows = cur.fetchall()
    for start in range(0, len(rows), BATCH_ROWS):
        columns: list[Any] = list(zip(*rows[start : start + BATCH_ROWS], strict=True))
        currency = columns[5]
        yield [
            *columns[:4],
            [as_date(d) for d in columns[4]],
            currency,
            MinorUnits([int(v) for v in columns[6]], [minor_units(c) for c in currency]),
            MinorUnits([int(v) for v in columns[7]], [minor_units(fc)] * len(currency)),
            [fc] * len(currency),
            [as_date(d) for d in columns[8]],
            [as_datetime(t) for t in columns[9]],
            columns[10],
        ]


OPEN_ITEMS = Dataset(
    "open_items",
    "What each party owes or is owed, document by document, on as_of as known at known_at",
    COLUMNS,
    open_item_batches,
    ("open_items",),
)

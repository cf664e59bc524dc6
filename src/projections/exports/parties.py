"""Customers as a dataset: each as it stood on the snapshot's date (its name then, terms, owner,
a merge into another), as known at the snapshot's moment — what the other datasets' ``customer_id``
and ``party_id`` name."""

from __future__ import annotations

from collections.abc import Iterator

from projections.engine.spans import spans_at
from projections.engine.sql import as_date, as_datetime
from projections.exports.datasets import (
    LATEST_DAY,
    Batch,
    Column,
    Dataset,
    Snapshot,
    Sources,
    in_batches,
    known_moment,
)

CUSTOMER_COLUMNS = (
    Column("customer_id", "text", "The customer"),
    Column("name", "text", "Its name on the snapshot's date"),
    Column("currency", "text", "Its default currency (ISO 4217)"),
    Column("payment_terms_days", "int64", "Days its invoices are due after issue"),
    Column("owner", "text", "Who owns the relationship"),
    Column("registered_on", "date", "When it was registered"),
    Column("merged_into", "text", "The customer it was merged into, if by then"),
    Column("version", "int64", "Its version in this state"),
    Column("recorded_at", "timestamp", "When the books came to know this state (UTC)"),
)


def customer_batches(sources: Sources, snapshot: Snapshot) -> Iterator[Batch]:
    """Every customer registered by ``as_of``, as it stood then (merged ones too, with the merge)."""
    known = known_moment(sources, snapshot)
    if known is None:
        return
    with sources.views.read() as cur:
        at, params = spans_at(cur, snapshot.as_of or LATEST_DAY, known)
        cur.execute(
            "SELECT customer_id, name, currency, payment_terms_days, owner, registered_on, merged_into, version,"
            f" known_from FROM customer_spans WHERE {at} ORDER BY customer_id",
            params,
        )
        rows = cur.fetchall()
    for c in in_batches(rows):
        yield [*c[:5], [as_date(d) for d in c[5]], c[6], c[7], [as_datetime(t) for t in c[8]]]


CUSTOMERS = Dataset(
    "customers",
    "Every customer registered by as_of as it stood then (name, terms, owner, merge), as known at known_at",
    CUSTOMER_COLUMNS,
    customer_batches,
    ("customers",),
)

"""Customers as bitemporal spans: each customer's list row (name, terms, currency, registration,
owner, merged or not) over which business dates, as known over which recording times.

``customer_facts`` keeps every customer event with its effective date and when it was recorded;
the row as of D known at K takes, field by field, the latest by (effective date, position) of the
facts dated on or before D among those recorded by K, from the registration's date on (its
version: the highest folded). The answer is kept materialised, as deals' are (see
``projections.crm.deal_spans``): when an event changes a customer's timeline, the spans that no
longer hold are closed at its recording time and the new ones open there, so the list as of D
known at K is a plain filter on ``customer_spans`` (see ``projections.engine.spans``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ledger.customer import Customer
from projections.engine.projection import Fact
from projections.engine.spans import Span, create_span_index, save_spans, steps
from projections.engine.sql import Cursor, as_date, in_chunks, one_of

FACT_COLUMNS = (
    "customer_id",
    "effective_date",
    "position",
    "recorded_at",
    "version",
    "name",
    "payment_terms_days",
    "currency",
    "owner",
    "merged_into",
)
STATE = ("name", "payment_terms_days", "currency", "registered_on", "owner", "merged_into", "version")
SPAN_COLUMNS = ("customer_id", "valid_from", "valid_to", "known_from", "known_to", *STATE)
INDEXES = ("customer_spans_at",)  # for queries alone: built once a rebuild has filled the table


def create(cur: Cursor) -> None:
    cur.execute(
        "CREATE TABLE customer_facts (customer_id TEXT NOT NULL, effective_date DATE NOT NULL,"
        " position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, version INTEGER NOT NULL, name TEXT,"
        " payment_terms_days INTEGER, currency TEXT, owner TEXT, merged_into TEXT,"
        " PRIMARY KEY (customer_id, position))"
    )
    cur.execute(
        "CREATE TABLE customer_spans (customer_id TEXT NOT NULL, valid_from DATE NOT NULL, valid_to DATE NOT NULL,"
        " known_from TIMESTAMPTZ NOT NULL, known_to TIMESTAMPTZ NOT NULL, name TEXT NOT NULL,"
        " payment_terms_days INTEGER NOT NULL, currency TEXT NOT NULL, registered_on DATE NOT NULL,"
        " owner TEXT NOT NULL, merged_into TEXT, version INTEGER NOT NULL)"
    )
    cur.execute("CREATE INDEX customer_spans_current ON customer_spans (customer_id, known_to, valid_from)")
    create_span_index(cur, "customer_spans")


def fact_row(fact: Fact) -> tuple[Any, ...]:
    """What one customer event says of the list row (None: nothing; every event moves the version)."""
    e = fact.event
    name = terms = currency = owner = merged = None
    if isinstance(e, Customer.Registered):  # no owner yet, as the aggregate has it
        name, terms, currency, owner = e.name, e.payment_terms_days, e.currency, ""
    elif isinstance(e, Customer.Renamed):
        name = e.name
    elif isinstance(e, Customer.PaymentTermsChanged):
        terms = e.payment_terms_days
    elif isinstance(e, Customer.OwnerAssigned):
        owner = e.owner
    elif isinstance(e, Customer.MergedInto):
        merged = str(e.target_id)
    oid = str(e.originator_id)
    return (
        oid,
        e.effective_date,
        fact.position,
        fact.recorded_at,
        e.originator_version,
        name,
        terms,
        currency,
        owner,
        merged,
    )


def _latest(facts: Sequence[tuple[Any, ...]], field: int) -> Any:
    return next((f[field] for f in reversed(facts) if f[field] is not None), None)


def _state(now: list[tuple[Any, ...]]) -> tuple[Any, ...] | None:
    registered = next((f for f in reversed(now) if f[5] is not None), None)
    if registered is None:
        return None
    return (
        _latest(now, 3),
        _latest(now, 4),
        registered[5],
        registered[0],
        _latest(now, 6) or "",
        _latest(now, 7),
        max(f[2] for f in now),
    )


def timeline(facts: Sequence[tuple[Any, ...]]) -> set[Span]:
    """The customer's list rows between the dates its history changes, from its registration on.
    Facts are (effective_date, position, version, name, terms, currency, owner, merged_into)."""
    return steps(facts, _state)


def update_spans(cur: Cursor, changes: dict[str, list[tuple[int, datetime]]]) -> None:
    """Re-derive the spans of the customers this page changed (their facts already written)."""
    ids = sorted(changes)
    history: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for chunk in in_chunks(cur, ids):
        among, params = one_of(cur, "customer_id", chunk)
        cur.execute(
            "SELECT customer_id, effective_date, position, version, name, payment_terms_days, currency, owner,"
            f" merged_into FROM customer_facts WHERE {among}",
            params,
        )
        for customer, day, position, version, *rest in cur.fetchall():
            history[str(customer)].append((as_date(day), int(position), int(version), *rest))
    save_spans(cur, "customer_spans", SPAN_COLUMNS, changes, history, timeline)

"""Deals as bitemporal spans: what state each deal was in over which business dates, as known
over which recording times.

``deal_stages`` and ``deal_facts`` keep every change with its effective date and when it was
recorded; the state as of D known at K is the latest of each dated on or before D among those
recorded by K. Ranking every deal's history for each query grows with the whole pipeline's past,
so the projection also keeps the answer materialised: a row per (business-date span, knowledge
span) of each deal. When an event changes a deal's timeline, the spans that no longer hold are
closed at its recording time and the new ones open there; a query is then a plain filter
``valid_from <= D < valid_to AND known_from <= K < known_to``, one row per deal (see
``projections.engine.spans``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger.money import Money, from_minor, to_minor
from projections.engine.spans import FOREVER_DATE, Span, save_spans
from projections.engine.sql import Cursor, as_date, in_chunks, one_of

DDL = (
    "CREATE TABLE deal_spans (deal_id TEXT NOT NULL, valid_from DATE NOT NULL, valid_to DATE NOT NULL,"
    " known_from TIMESTAMPTZ NOT NULL, known_to TIMESTAMPTZ NOT NULL, customer_id TEXT NOT NULL,"
    " title TEXT NOT NULL, value_minor BIGINT NOT NULL, currency TEXT NOT NULL, owner TEXT NOT NULL,"
    " source TEXT NOT NULL, lead_id TEXT, opened_on DATE NOT NULL, expected_close DATE, stage TEXT NOT NULL,"
    " probability TEXT NOT NULL, status TEXT NOT NULL, since DATE NOT NULL, reached TEXT NOT NULL,"
    " weighted_minor BIGINT NOT NULL)",
    "CREATE INDEX deal_spans_current ON deal_spans (deal_id, known_to, valid_from)",
)
STATE = (
    "customer_id",
    "title",
    "value_minor",
    "currency",
    "owner",
    "source",
    "lead_id",
    "opened_on",
    "expected_close",
    "stage",
    "probability",
    "status",
    "since",
    "reached",  # every stage the deal had been in by then, comma-separated (for conversion)
    "weighted_minor",  # value x probability, rounded per deal (summed by the pipeline and the forecast)
)
COLUMNS = ("deal_id", "valid_from", "valid_to", "known_from", "known_to", *STATE)


def timeline(stages: Sequence[tuple[Any, ...]], facts: Sequence[tuple[Any, ...]]) -> set[Span]:
    """The deal's states between the dates its history changes. Rows are (effective_date,
    position, …) and the latest by (effective_date, position) on or before a date is in force."""
    stages, facts = sorted(stages), sorted(facts)
    spans: set[Span] = set()
    changes = sorted({row[0] for row in (*stages, *facts)})
    for n, day in enumerate(changes):
        stage = next((s for s in reversed(stages) if s[0] <= day), None)
        fact = next((f for f in reversed(facts) if f[0] <= day), None)
        if stage is None or fact is None:
            continue
        until = changes[n + 1] if n + 1 < len(changes) else FOREVER_DATE
        reached = ",".join(sorted({s[2] for s in stages if s[0] <= day}))
        spans.add((day, until, (*fact[2:], *stage[2:], stage[0], reached, weighted(fact[4], fact[5], stage[3]))))
    return spans


def _timeline(rows: Sequence[tuple[Any, ...]]) -> set[Span]:
    """``timeline`` of a history as ``update_spans`` tags it: (effective_date, position, "stage" or
    "fact", …)."""
    untagged = {tag: [(r[0], r[1], *r[3:]) for r in rows if r[2] == tag] for tag in ("stage", "fact")}
    return timeline(untagged["stage"], untagged["fact"])


def weighted(value_minor: int, currency: str, probability: str) -> int:
    """A deal's probability-weighted value in minor units, rounded as ``DealState.weighted``."""
    value = from_minor(value_minor, currency)
    return to_minor(Money(value * Decimal(probability) / 100, currency).rounded().amount, currency)


def update_spans(cur: Cursor, changes: dict[str, list[tuple[int, datetime]]]) -> None:
    """Re-derive the spans of the deals this page changed, event by event (see ``respan``):
    ``changes`` maps a deal to the (position, recorded_at) of each of its events in the page."""
    ids = sorted(changes)
    stages: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    facts: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for chunk in in_chunks(cur, ids):
        among, params = one_of(cur, "deal_id", chunk)
        cur.execute(
            f"SELECT deal_id, effective_date, position, stage, probability, status FROM deal_stages WHERE {among}",
            params,
        )
        for deal, day, position, *rest in cur.fetchall():
            stages[str(deal)].append((as_date(day), int(position), *rest))
        cur.execute(
            f"SELECT deal_id, effective_date, position, customer_id, title, value_minor, currency, owner, source,"
            f" lead_id, opened_on, expected_close FROM deal_facts WHERE {among}",
            params,
        )
        for deal, day, position, *rest in cur.fetchall():
            rest[2] = int(rest[2])
            rest[7], rest[8] = as_date(rest[7]), as_date(rest[8])
            facts[str(deal)].append((as_date(day), int(position), *rest))
    # One history per deal for ``respan``: its stages and facts, each tagged after its position.
    history = {
        deal: [(s[0], s[1], "stage", *s[2:]) for s in stages[deal]]
        + [(f[0], f[1], "fact", *f[2:]) for f in facts[deal]]
        for deal in ids
    }
    save_spans(cur, "deal_spans", COLUMNS, changes, history, _timeline)

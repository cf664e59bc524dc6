"""Projects as bitemporal spans: each project's list row (customer, name, status, billing, budget,
dates, department) over which business dates, as known over which recording times.

``project_facts`` keeps the events that change a project's list row (drafted, configured,
activated, closed) with their effective dates and when they were recorded; the row as of D known
at K takes the draft, the latest configuration and the latest change of status by (effective
date, position) among those dated on or before D and recorded by K, from the draft's date on. The
answer is kept materialised, as customers' are (see ``projections.finance.customer_spans``): when
an event changes a project's timeline, the spans that no longer hold are closed at its recording
time and the new ones open there, so the list as of D known at K is a plain filter on
``project_spans`` (see ``projections.engine.spans``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ledger.money import Money, to_minor
from ledger.projects import Project
from projections.engine.projection import Fact
from projections.engine.spans import Span, create_span_index, save_spans, steps
from projections.engine.sql import Cursor, as_date, in_chunks, one_of

# A fact: what one event says of the row; the columns an event does not set are NULL.
DETAILS = (
    "customer_id",
    "name",
    "deal_id",
    "model",
    "currency",
    "budget_hours",
    "budget_minor",
    "start_date",
    "end_date",
    "cost_center",
)
FACT_COLUMNS = ("project_id", "effective_date", "position", "recorded_at", "kind", *DETAILS)
STATE = (
    "customer_id",
    "name",
    "status",
    "model",
    "currency",
    "budget_hours",
    "budget_minor",
    "start_date",
    "end_date",
    "cost_center",
    "deal_id",
    "drafted_on",
)
SPAN_COLUMNS = ("project_id", "valid_from", "valid_to", "known_from", "known_to", *STATE)
INDEXES = ("project_spans_at",)  # for queries alone: built once a rebuild has filled the table
KINDS: dict[type[Project.Event], str] = {
    Project.Drafted: "drafted",
    Project.DraftedFromDeal: "drafted",
    Project.Configured: "configured",
    Project.Activated: "active",
    Project.Closed: "closed",
}
FOLDED = tuple(KINDS)


def create(cur: Cursor) -> None:
    cur.execute(
        "CREATE TABLE project_facts (project_id TEXT NOT NULL, effective_date DATE NOT NULL,"
        " position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, kind TEXT NOT NULL, customer_id TEXT,"
        " name TEXT, deal_id TEXT, model TEXT, currency TEXT, budget_hours TEXT, budget_minor BIGINT,"
        " start_date DATE, end_date DATE, cost_center TEXT, PRIMARY KEY (project_id, position))"
    )
    cur.execute(
        "CREATE TABLE project_spans (project_id TEXT NOT NULL, valid_from DATE NOT NULL, valid_to DATE NOT NULL,"
        " known_from TIMESTAMPTZ NOT NULL, known_to TIMESTAMPTZ NOT NULL, customer_id TEXT NOT NULL,"
        " name TEXT NOT NULL, status TEXT NOT NULL, model TEXT, currency TEXT, budget_hours TEXT NOT NULL,"
        " budget_minor BIGINT NOT NULL, start_date DATE, end_date DATE, cost_center TEXT NOT NULL, deal_id TEXT,"
        " drafted_on DATE NOT NULL)"
    )
    cur.execute("CREATE INDEX project_spans_current ON project_spans (project_id, known_to, valid_from)")
    create_span_index(cur, "project_spans")


def fact_row(fact: Fact) -> tuple[Any, ...]:
    """What a drafted, configured, activated or closed project event says of the list row."""
    e = fact.event
    details: list[Any] = [None] * len(DETAILS)
    if isinstance(e, Project.Drafted | Project.DraftedFromDeal):
        deal = str(e.deal_id) if isinstance(e, Project.DraftedFromDeal) else None
        currency = e.currency if isinstance(e, Project.DraftedFromDeal) else None
        details[:5] = [str(e.customer_id), e.name, deal, None, currency]
    elif isinstance(e, Project.Configured):
        b = e.billing
        budget = to_minor(Money(e.budget_amount, b.currency).rounded().amount, b.currency)
        details[3:] = [b.model, b.currency, str(e.budget_hours), budget, e.start, e.end, e.cost_center]
    kind = KINDS[type(e)]
    return (str(e.originator_id), e.effective_date, fact.position, fact.recorded_at, kind, *details)


def state_of(facts: Sequence[tuple[Any, ...]]) -> tuple[Any, ...] | None:
    """The list row folded from these facts (effective_date, position, kind, *DETAILS) in business
    order; None before the draft."""
    facts = sorted(facts)
    drafted = next((f for f in facts if f[2] == "drafted"), None)
    if drafted is None:
        return None
    configured = next((f for f in reversed(facts) if f[2] == "configured"), None)
    status = next((f[2] for f in reversed(facts) if f[2] in ("active", "closed")), "draft")
    customer, name, deal, _, currency = drafted[3:8]
    terms: list[Any] = [None, currency, "0", 0, None, None, ""]
    if configured is not None:
        terms = list(configured[6:])
    return (customer, name, status, *terms, deal, drafted[0])


def timeline(facts: Sequence[tuple[Any, ...]]) -> set[Span]:
    """The project's list rows between the dates its history changes, from its draft on."""
    return steps(facts, state_of)


def update_spans(cur: Cursor, changes: dict[str, list[tuple[int, datetime]]]) -> None:
    """Re-derive the spans of the projects this page changed (their facts already written)."""
    history: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for chunk in in_chunks(cur, sorted(changes)):
        among, params = one_of(cur, "project_id", chunk)
        cur.execute(
            f"SELECT {', '.join(FACT_COLUMNS[:3])}, kind, {', '.join(DETAILS)} FROM project_facts WHERE {among}", params
        )
        for project, day, position, kind, *rest in cur.fetchall():
            rest[6] = None if rest[6] is None else int(rest[6])
            rest[7], rest[8] = as_date(rest[7]), as_date(rest[8])
            history[str(project)].append((as_date(day), int(position), kind, *rest))
    save_spans(cur, "project_spans", SPAN_COLUMNS, changes, history, timeline)

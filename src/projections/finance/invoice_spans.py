"""Invoices as bitemporal spans: each invoice's list row (status, number and dates, what was paid,
credited and written off, its version) over which business dates, as known over which recording
times.

``invoice_facts`` keeps every invoice event with its effective date and when it was recorded; the
row as of D known at K folds the facts dated on or before D among those recorded by K, from the
draft's date on: issued from the issue's date, voided from the void's, the sums of the payments
(less those taken back), credit notes and write-offs dated by then. The answer is kept
materialised, as customers' are (see ``projections.finance.customer_spans``): when an event changes
an invoice's timeline, the spans that no longer hold are closed at its recording time and the new
ones open there, so the list as of D known at K is a plain filter on ``invoice_spans`` (see
``projections.engine.spans``). What never changes after the draft (customer, series, currency,
amounts) stays on the ``invoices`` row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ledger.invoice import Invoice
from ledger.money import to_minor
from projections.engine.projection import Fact
from projections.engine.spans import Span, create_span_index, save_spans, steps
from projections.engine.sql import Cursor, as_date, in_chunks, one_of

FACT_COLUMNS = (
    "invoice_id",
    "effective_date",
    "position",
    "recorded_at",
    "version",
    "kind",
    "amount_minor",
    "number",
    "due_date",
    "rate",
    "reason",
)
STATE = (
    "status",
    "number",
    "issue_date",
    "due_date",
    "rate",
    "sent_on",
    "voided_on",
    "void_reason",
    "paid_minor",
    "credited_minor",
    "written_off_minor",
    "version",
)
SPAN_COLUMNS = ("invoice_id", "valid_from", "valid_to", "known_from", "known_to", *STATE)
INDEXES = ("invoice_spans_at",)  # for queries alone: built once a rebuild has filled the table
# The kinds of settlement summed (a payment taken back adds a negative amount to "paid").
SUMS = ("paid", "credited", "written_off")


def create(cur: Cursor) -> None:
    cur.execute(
        "CREATE TABLE invoice_facts (invoice_id TEXT NOT NULL, effective_date DATE NOT NULL,"
        " position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL,"
        " amount_minor BIGINT, number TEXT, due_date DATE, rate TEXT, reason TEXT,"
        " PRIMARY KEY (invoice_id, position))"
    )
    cur.execute(
        "CREATE TABLE invoice_spans (invoice_id TEXT NOT NULL, valid_from DATE NOT NULL, valid_to DATE NOT NULL,"
        " known_from TIMESTAMPTZ NOT NULL, known_to TIMESTAMPTZ NOT NULL, status TEXT NOT NULL, number TEXT,"
        " issue_date DATE, due_date DATE, rate TEXT, sent_on DATE, voided_on DATE, void_reason TEXT,"
        " paid_minor BIGINT NOT NULL, credited_minor BIGINT NOT NULL, written_off_minor BIGINT NOT NULL,"
        " version INTEGER NOT NULL)"
    )
    cur.execute("CREATE INDEX invoice_spans_current ON invoice_spans (invoice_id, known_to, valid_from)")
    create_span_index(cur, "invoice_spans")


def fact_row(fact: Fact, currency: str) -> tuple[Any, ...]:
    """What one invoice event says of the list row (kind "other": only the version moves)."""
    e = fact.event
    kind, amount, number, due, rate, reason = "other", None, None, None, None, None
    if isinstance(e, Invoice.Drafted):
        kind = "drafted"
    elif isinstance(e, Invoice.Issued):
        kind, number, due, rate = "issued", e.number, e.due_date, str(e.rate)
    elif isinstance(e, Invoice.Sent):
        kind = "sent"
    elif isinstance(e, Invoice.Voided):
        kind, reason = "voided", e.reason
    elif isinstance(e, Invoice.PaymentApplied | Invoice.CustomerCreditApplied):
        kind, amount = "paid", to_minor(e.amount, currency)
    elif isinstance(e, Invoice.PaymentUnapplied):
        kind, amount = "paid", -to_minor(e.amount, currency)
    elif isinstance(e, Invoice.Credited):
        kind, amount = "credited", to_minor(e.amount, currency)
    elif isinstance(e, Invoice.WrittenOff):
        kind, amount = "written_off", to_minor(e.amount, currency)
    oid = str(e.originator_id)
    return (
        oid,
        e.effective_date,
        fact.position,
        fact.recorded_at,
        e.originator_version,
        kind,
        amount,
        number,
        due,
        rate,
        reason,
    )


def state_of(facts: Sequence[tuple[Any, ...]]) -> tuple[Any, ...] | None:
    """The list row folded from these facts (effective_date, position, version, kind, amount_minor,
    number, due_date, rate, reason), in business order; None before the draft."""
    facts = sorted(facts)
    if not any(f[3] == "drafted" for f in facts):
        return None
    last = {f[3]: f for f in facts}  # the latest of each kind
    issued, voided, sent = last.get("issued"), last.get("voided"), last.get("sent")
    status = "voided" if voided else "issued" if issued else "draft"
    sums = [sum(f[4] for f in facts if f[3] == kind) for kind in SUMS]
    return (
        status,
        issued[5] if issued else None,
        issued[0] if issued else None,
        issued[6] if issued else None,
        issued[7] if issued else None,
        sent[0] if sent else None,
        voided[0] if voided else None,
        voided[8] if voided else None,
        *sums,
        max(f[2] for f in facts),
    )


def timeline(facts: Sequence[tuple[Any, ...]]) -> set[Span]:
    """The invoice's list rows between the dates its history changes, from its draft on."""
    return steps(facts, state_of)


def update_spans(cur: Cursor, changes: dict[str, list[tuple[int, datetime]]]) -> None:
    """Re-derive the spans of the invoices this page changed (their facts already written)."""
    history: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for chunk in in_chunks(cur, sorted(changes)):
        among, params = one_of(cur, "invoice_id", chunk)
        cur.execute(
            "SELECT invoice_id, effective_date, position, version, kind, amount_minor, number, due_date, rate, reason"
            f" FROM invoice_facts WHERE {among}",
            params,
        )
        for invoice, day, position, version, kind, amount, number, due, rate, reason in cur.fetchall():
            facts = history[str(invoice)]
            facts.append((as_date(day), int(position), int(version), kind, amount, number, as_date(due), rate, reason))
    save_spans(cur, "invoice_spans", SPAN_COLUMNS, changes, history, timeline)

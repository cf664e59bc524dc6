"""Invoices and customer payments as datasets, each as it stood on the snapshot's date as known at
its moment: an invoice's status and what was paid, credited or written off by then; a payment's
allocations and credit by then, and its reversal if dated by then."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger.money import minor_units, to_minor
from ledger.payment import Payment
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
    decimals,
    in_batches,
    known_moment,
)

INVOICE_COLUMNS = (
    Column("invoice_id", "text", "The invoice"),
    Column("number", "text", "Its number, once issued"),
    Column("series", "text", "The numbering series"),
    Column("customer_id", "text", "Who it bills"),
    Column("status", "text", "draft, issued or voided on the snapshot's date"),
    Column("currency", "text", "The invoice's currency (ISO 4217)"),
    Column("net", "money", "Net of tax"),
    Column("tax", "money", "Tax"),
    Column("total", "money", "Net plus tax"),
    Column("paid", "money", "Paid by then (payments and customer credit applied, less taken back)"),
    Column("credited", "money", "Credited by credit notes by then"),
    Column("written_off", "money", "Written off by then"),
    Column("outstanding", "money", "What is still owed (issued invoices; zero otherwise)"),
    Column("rate", "decimal", "The exchange rate to the functional currency fixed at issue"),
    Column("drafted_on", "date", "When it was drafted"),
    Column("issue_date", "date", "When it was issued"),
    Column("due_date", "date", "When it is due"),
    Column("sent_on", "date", "When it was sent"),
    Column("voided_on", "date", "When it was voided"),
    Column("void_reason", "text", "Why it was voided"),
    Column("version", "int64", "The invoice's version in this state"),
    Column("recorded_at", "timestamp", "When the books came to know this state (UTC)"),
)


def invoice_batches(sources: Sources, snapshot: Snapshot) -> Iterator[Batch]:
    """Every invoice drafted by ``as_of`` as it stood then, by draft date (the invoice list's rows)."""
    known = known_moment(sources, snapshot)
    if known is None:
        return
    as_of = snapshot.as_of or LATEST_DAY
    with sources.views.read() as cur:
        at, params = spans_at(cur, as_of, known, "s")
        cur.execute(
            "SELECT i.id, s.number, i.series, i.customer_id, s.status, i.currency, i.net_minor, i.tax_minor,"
            " s.paid_minor, s.credited_minor, s.written_off_minor, s.rate, i.drafted_on, s.issue_date, s.due_date,"
            " s.sent_on, s.voided_on, s.void_reason, s.version, s.known_from"
            f" FROM invoices i JOIN invoice_spans s ON s.invoice_id = i.id WHERE {at} AND i.drafted_on <= %s"
            " ORDER BY i.drafted_on, i.id",
            [*params, as_of],
        )
        rows = cur.fetchall()
    for start in range(0, len(rows), BATCH_ROWS):
        c: list[Any] = list(zip(*rows[start : start + BATCH_ROWS], strict=True))
        exponents = [minor_units(code) for code in c[5]]
        net, tax, paid, credited, written_off = ([int(v) for v in column] for column in c[6:11])
        total = [n + t for n, t in zip(net, tax, strict=True)]
        outstanding = [
            t - p - cr - w if status == "issued" else 0
            for t, p, cr, w, status in zip(total, paid, credited, written_off, c[4], strict=True)
        ]
        money = [MinorUnits(v, exponents) for v in (net, tax, total, paid, credited, written_off, outstanding)]
        yield [
            *c[:6],
            *money,
            decimals(c[11]),
            *([as_date(d) for d in column] for column in c[12:17]),
            c[17],
            c[18],
            [as_datetime(t) for t in c[19]],
        ]


PAYMENT_COLUMNS = (
    Column("payment_id", "text", "The payment"),
    Column("customer_id", "text", "Who paid"),
    Column("received_on", "date", "When it was received"),
    Column("currency", "text", "The payment's currency (ISO 4217)"),
    Column("amount", "money", "As received, bank fee included"),
    Column("bank_fee", "money", "The bank's fee, kept from the amount"),
    Column("rate", "decimal", "The exchange rate to the functional currency on receipt"),
    Column("reference", "text", "The payer's reference"),
    Column("allocated", "money", "What is allocated to invoices on the snapshot's date"),
    Column("credit", "money", "What is left as the customer's credit on the snapshot's date"),
    Column(
        "allocations", "json", 'Per invoice on the snapshot\'s date: [{"invoice_id", "amount"}], amounts as strings'
    ),
    Column("reversed_on", "date", "When it was taken back, if by the snapshot's date"),
    Column("position", "int64", "The log position of its receipt"),
    Column("recorded_at", "timestamp", "When its receipt was recorded (UTC)"),
)
_PAYMENT_TOPICS = tuple(str(vars(c)["TOPIC"]) for c in (Payment.Received, Payment.Unallocated, Payment.Reversed))


def payment_batches(sources: Sources, snapshot: Snapshot) -> Iterator[Batch]:
    """Every customer payment received by ``as_of`` and recorded by the snapshot, folded from its
    own events (the payments read model keeps only their present state)."""
    payments: dict[str, dict[str, Any]] = {}
    after = 0
    while after < snapshot.position:
        page = sources.log.read_log(after, min(BATCH_ROWS, snapshot.position - after), _PAYMENT_TOPICS)
        page = [(position, event) for position, event in page if position <= snapshot.position]
        if not page:
            break
        after = page[-1][0]
        for position, event in page:
            if snapshot.as_of is None or event.effective_date <= snapshot.as_of:
                _fold(payments, position, event)
    times = sources.log.times_of([p["position"] for p in payments.values()])
    for columns in in_batches([_payment_row(p, times.get(p["position"])) for p in payments.values()]):
        exponents = [minor_units(code) for code in columns[3]]
        batch: Batch = list(columns)
        for money in (4, 5, 8, 9):
            batch[money] = MinorUnits(columns[money], exponents)
        batch[6] = decimals(columns[6])
        yield batch


def _fold(payments: dict[str, dict[str, Any]], position: int, event: Any) -> None:
    key = str(event.originator_id)
    if isinstance(event, Payment.Received):
        allocated = {str(a.invoice_id): a.amount for a in event.allocations}
        receipt = (key, str(event.customer_id), event.effective_date, event.currency, event.amount, event.bank_fee)
        # What the row needs, not the event (its journal lines): 160,000 payments in ~100 MB, not 1 GB
        payments[key] = {
            "receipt": (*receipt, event.rate, event.reference),
            "position": position,
            "allocated": allocated,
            "credit": event.credit,
        }
        return
    payment = payments.get(key)
    if payment is None:  # received after as_of: nothing of it stands then
        return
    if isinstance(event, Payment.Unallocated):
        invoice = str(event.invoice_id)
        payment["allocated"][invoice] -= event.amount
        payment["credit"] += event.amount
    elif isinstance(event, Payment.Reversed):
        payment["allocated"] = dict.fromkeys(payment["allocated"], Decimal(0))
        payment["credit"] = Decimal(0)
        payment["reversed_on"] = event.effective_date


def _payment_row(payment: dict[str, Any], recorded_at: datetime | None) -> tuple[Any, ...]:
    """A payment's row, its money in minor units (columns 4, 5, 8 and 9)."""
    payment_id, customer_id, received_on, currency, amount, bank_fee, rate, reference = payment["receipt"]
    allocated: dict[str, Decimal] = payment["allocated"]
    reversed_on: date | None = payment.get("reversed_on")
    return (
        payment_id,
        customer_id,
        received_on,
        currency,
        to_minor(amount, currency),
        to_minor(bank_fee, currency),
        rate,
        reference,
        to_minor(sum(allocated.values(), Decimal(0)), currency),
        to_minor(payment["credit"], currency),
        json.dumps([{"invoice_id": i, "amount": str(a)} for i, a in allocated.items() if a], separators=(",", ":")),
        reversed_on,
        payment["position"],
        recorded_at,
    )


INVOICES = Dataset(
    "invoices",
    "Every invoice drafted by as_of as it stood then (status, paid, credited, written off), as known at known_at",
    INVOICE_COLUMNS,
    invoice_batches,
    ("invoices",),
)


PAYMENTS = Dataset(
    "payments",
    "Every customer payment received by as_of and recorded by known_at, with its allocations then",
    PAYMENT_COLUMNS,
    payment_batches,
    (),
)

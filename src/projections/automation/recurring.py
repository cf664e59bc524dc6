"""Recurring invoices as they stood: one row per change, each with both time axes, so "as of D known
at K" is the latest row dated on or before D and recorded by K (no replay). The worker reads the
subscriptions not ended from it; what each period owes it asks of the log (``ledger.recurring``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.invoice_lines import InvoiceLine
from ledger.recurring import ACTIVE, ENDED, PAUSED, RecurringInvoice
from projections.engine.db import ViewDatabase
from projections.engine.pages import Page, fetch_page
from projections.engine.projection import Fact
from projections.engine.sql import Cursor, Row, as_date

STATUSES = (ACTIVE, PAUSED, ENDED)
_STATE = (
    "id, customer_id, name, currency, frequency, start_date, anchor, end_date, auto_issue, payment_terms_days, status,"
    " line_versions, last_billed, periods_billed"
)


@dataclass(frozen=True)
class RecurringLineView:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    service_code: str | None


@dataclass(frozen=True)
class LineVersionView:
    effective_from: date
    lines: list[RecurringLineView]


@dataclass(frozen=True)
class RecurringView:
    id: str
    customer_id: str
    name: str
    currency: str
    frequency: str
    start: date
    anchor: date
    end: date | None
    auto_issue: bool
    payment_terms_days: int | None
    status: str
    line_versions: list[LineVersionView]  # the lines in force from each date, oldest first
    last_billed: date | None  # the last day of the periods invoiced so far
    periods_billed: int


class RecurringProjection:
    name = "recurring"
    schema_version = 1
    tables = ("recurring_states",)
    folds = (RecurringInvoice.Event,)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE recurring_states (
                id TEXT NOT NULL, customer_id TEXT NOT NULL, name TEXT NOT NULL, currency TEXT NOT NULL,
                frequency TEXT NOT NULL, start_date DATE NOT NULL, anchor DATE NOT NULL, end_date DATE,
                auto_issue BOOLEAN NOT NULL, payment_terms_days INTEGER, status TEXT NOT NULL,
                line_versions TEXT NOT NULL,
                last_billed DATE, periods_billed INTEGER NOT NULL,
                effective_date DATE NOT NULL, position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (id, position)
            )"""
        )
        cur.execute("CREATE INDEX recurring_states_at ON recurring_states (effective_date, recorded_at)")

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e, oid = fact.event, str(fact.event.originator_id)
            if not isinstance(e, RecurringInvoice.Event):
                continue  # a rebuild that reads every topic hands over the others too
            if isinstance(e, RecurringInvoice.Set):
                versions = [_version(e.start, e.lines)]
                state: dict[str, Any] = {
                    "customer_id": str(e.customer_id),
                    "name": e.name,
                    "currency": e.currency,
                    "frequency": e.frequency,
                    "start_date": e.start,
                    "anchor": e.anchor,
                    "end_date": e.end,
                    "auto_issue": e.auto_issue,
                    "payment_terms_days": e.payment_terms_days,
                    "status": ACTIVE,
                    "line_versions": json.dumps(versions),
                    "last_billed": None,
                    "periods_billed": 0,
                }
            else:
                state = _latest(cur, oid)
                if isinstance(e, RecurringInvoice.LinesChanged):
                    kept = [v for v in json.loads(state["line_versions"]) if v["from"] < e.effective_from.isoformat()]
                    state["line_versions"] = json.dumps([*kept, _version(e.effective_from, e.lines)])
                elif isinstance(e, RecurringInvoice.Paused):
                    state["status"] = PAUSED
                elif isinstance(e, RecurringInvoice.Resumed):
                    state["status"] = ACTIVE
                elif isinstance(e, RecurringInvoice.Ended):
                    state["status"], state["end_date"] = ENDED, e.end
                elif isinstance(e, RecurringInvoice.PeriodBilled):
                    last = as_date(state["last_billed"])
                    state["last_billed"] = e.period_end if last is None or e.period_end > last else last
                    state["periods_billed"] = int(state["periods_billed"]) + 1
                else:
                    continue
            columns = ", ".join(["id", *state, "effective_date", "position", "recorded_at"])
            marks = ", ".join(["%s"] * (len(state) + 4))
            cur.execute(
                f"INSERT INTO recurring_states ({columns}) VALUES ({marks})",
                (oid, *state.values(), e.effective_date, fact.position, fact.recorded_at),
            )


def _version(day: date, lines: Sequence[InvoiceLine]) -> dict[str, Any]:
    return {
        "from": day.isoformat(),
        "lines": [
            {
                "description": ln.description,
                "quantity": str(ln.quantity),
                "unit_price": str(ln.unit_price),
                "tax_rate": str(ln.tax_rate),
                "service_code": ln.service_code,
            }
            for ln in lines
        ],
    }


def _latest(cur: Cursor, oid: str) -> dict[str, Any]:
    cur.execute(f"SELECT {_STATE} FROM recurring_states WHERE id = %s ORDER BY position DESC LIMIT 1", (oid,))
    row = cur.fetchone()
    assert row is not None, f"recurring invoice {oid} changed before it was set up"
    return dict(zip(_STATE.split(", ")[1:], row[1:], strict=True))


def _view(r: Row) -> RecurringView:
    start, anchor = as_date(r[5]), as_date(r[6])
    assert start is not None and anchor is not None
    versions = [
        LineVersionView(
            date.fromisoformat(v["from"]),
            [
                RecurringLineView(
                    ln["description"],
                    Decimal(ln["quantity"]),
                    Decimal(ln["unit_price"]),
                    Decimal(ln["tax_rate"]),
                    ln["service_code"],
                )
                for ln in v["lines"]
            ],
        )
        for v in json.loads(r[11])
    ]
    terms = None if r[9] is None else int(r[9])
    return RecurringView(
        str(r[0]), str(r[1]), r[2], r[3], r[4], start, anchor, as_date(r[7]), bool(r[8]), terms, r[10], versions,
        as_date(r[12]), int(r[13]),
    )  # fmt: skip


_AS_OF = (
    "effective_date <= %s AND recorded_at <= %s AND NOT EXISTS (SELECT 1 FROM recurring_states later"
    " WHERE later.id = recurring_states.id AND later.effective_date <= %s AND later.recorded_at <= %s"
    " AND (later.effective_date > recurring_states.effective_date OR (later.effective_date ="
    " recurring_states.effective_date AND later.position > recurring_states.position)))"
)
FOREVER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def list_recurring(
    db: ViewDatabase,
    as_of: date,
    known_at: datetime | None = None,
    customer_id: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[RecurringView]:
    """The recurring invoices set up by ``as_of`` as they stood then, as known at ``known_at``, by name."""
    known: Any = known_at or FOREVER
    with db.read() as cur:
        where, params = [_AS_OF], [as_of, known, as_of, known]
        for column, value in (("customer_id", customer_id), ("status", status)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        select = f"SELECT {_STATE}, name, id FROM recurring_states"
        return fetch_page(cur, select, ["name", "id"], where, params, cursor, limit, _view)


def get_recurring(db: ViewDatabase, recurring_id: str) -> RecurringView | None:
    """A recurring invoice as it stands now."""
    with db.read() as cur:
        cur.execute(
            f"SELECT {_STATE} FROM recurring_states WHERE id = %s ORDER BY position DESC LIMIT 1", (recurring_id,)
        )
        row = cur.fetchone()
    return _view(row) if row else None


def open_subscriptions(db: ViewDatabase, after: str, limit: int) -> list[UUID]:
    """Recurring invoices not ended (as known now): the worker's candidates, a page in id order.
    One ended after its last period was billed is left out; one ended later still owes until its end."""
    with db.read() as cur:
        cur.execute(
            "SELECT DISTINCT id FROM recurring_states s WHERE id > %s AND NOT EXISTS (SELECT 1 FROM recurring_states"
            " e WHERE e.id = s.id AND e.status = 'ended' AND e.last_billed IS NOT NULL AND e.last_billed >= e.end_date)"
            " ORDER BY id LIMIT %s",
            (after, limit),
        )
        return [UUID(str(r[0])) for r in cur.fetchall()]

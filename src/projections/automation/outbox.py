"""The outbox as the worker and operators see it: each message, its state, attempts and last error.

The worker asks it which messages are due (queued, their next attempt reached); before sending, it
loads the message itself from the log, so a read model that lags never makes it send twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from ledger.outbox import Message
from projections.engine.db import ViewDatabase
from projections.engine.projection import Fact
from projections.engine.sql import Cursor, as_date, as_datetime


class OutboxProjection:
    name = "outbox"
    schema_version = 1
    tables = ("outbox_messages",)
    folds = (Message.Event,)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE outbox_messages (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                cause TEXT NOT NULL,
                recipient TEXT NOT NULL,
                subject TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                due_at TIMESTAMPTZ NOT NULL,
                last_error TEXT,
                queued_at TIMESTAMPTZ NOT NULL,
                delivered_at TIMESTAMPTZ,
                position BIGINT NOT NULL
            )"""
        )
        cur.execute("CREATE INDEX outbox_messages_due ON outbox_messages (status, due_at, id)")

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e, oid = fact.event, str(fact.event.originator_id)
            if isinstance(e, Message.Queued):
                cur.execute(
                    "INSERT INTO outbox_messages (id, kind, cause, recipient, subject, status, attempts, due_at,"
                    " queued_at, position) VALUES (%s, %s, %s, %s, %s, 'queued', 0, %s, %s, %s)",
                    (oid, e.kind, e.cause, e.to, e.subject, fact.recorded_at, fact.recorded_at, fact.position),
                )
            elif isinstance(e, Message.Delivered):
                cur.execute(
                    "UPDATE outbox_messages SET status = 'delivered', attempts = %s, delivered_at = %s, position = %s"
                    " WHERE id = %s",
                    (e.attempt, e.delivered_at, fact.position, oid),
                )
            elif isinstance(e, Message.Withdrawn):
                cur.execute(
                    "UPDATE outbox_messages SET status = 'withdrawn', last_error = %s, position = %s WHERE id = %s",
                    (e.reason, fact.position, oid),
                )
            elif isinstance(e, Message.DeliveryFailed):
                cur.execute(
                    "UPDATE outbox_messages SET attempts = %s, due_at = %s, last_error = %s, position = %s"
                    " WHERE id = %s",
                    (e.attempt, e.next_attempt_at, e.reason, fact.position, oid),
                )


def due_messages(db: ViewDatabase, now: datetime, after: str, limit: int) -> list[tuple[UUID, int]]:
    """Queued messages whose next attempt has come, with their attempts so far: a page in id order."""
    with db.read() as cur:
        cur.execute(
            "SELECT id, attempts FROM outbox_messages WHERE status = 'queued' AND due_at <= %s AND id > %s"
            " ORDER BY id LIMIT %s",
            (now, after, limit),
        )
        return [(UUID(str(r[0])), int(r[1])) for r in cur.fetchall()]


@dataclass(frozen=True)
class OutboxState:
    queued: int
    failing: int  # queued, with at least one failed attempt
    delivered: int
    last_error: str | None
    oldest_queued_at: datetime | None


def outbox_state(db: ViewDatabase) -> OutboxState:
    with db.read() as cur:
        cur.execute(
            "SELECT status, attempts > 0, COUNT(*), MIN(queued_at) FROM outbox_messages GROUP BY status, attempts > 0"
        )
        rows = cur.fetchall()
        cur.execute(
            "SELECT last_error FROM outbox_messages WHERE status = 'queued' AND last_error IS NOT NULL"
            " ORDER BY position DESC LIMIT 1"
        )
        error = cur.fetchone()
    queued = sum(int(r[2]) for r in rows if r[0] == "queued")
    failing = sum(int(r[2]) for r in rows if r[0] == "queued" and r[1])
    delivered = sum(int(r[2]) for r in rows if r[0] == "delivered")
    oldest = [t for r in rows if r[0] == "queued" and (t := as_datetime(r[3])) is not None]
    return OutboxState(queued, failing, delivered, str(error[0]) if error else None, min(oldest) if oldest else None)


def issued_invoices(db: ViewDatabase, start: date, end: date, after: str, limit: int) -> list[UUID]:
    """Invoices issued from ``start`` to ``end`` (the invoice e-mails' window), a page in id order."""
    with db.read() as cur:
        cur.execute(
            "SELECT id FROM invoices WHERE status = 'issued' AND issue_date >= %s AND issue_date <= %s AND id > %s"
            " ORDER BY id LIMIT %s",
            (start, end, after, limit),
        )
        return [UUID(str(r[0])) for r in cur.fetchall()]


def active_projects(db: ViewDatabase) -> list[tuple[UUID, str, date | None]]:
    """Active projects with their start (the billing job's causes)."""
    with db.read() as cur:
        cur.execute("SELECT id, name, start_date FROM work_projects WHERE status = 'active' ORDER BY id")
        return [(UUID(str(r[0])), str(r[1]), as_date(r[2])) for r in cur.fetchall()]

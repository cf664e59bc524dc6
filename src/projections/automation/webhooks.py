"""Webhooks as the worker and operators see them: subscriptions (never their secrets), what each
owes (the fan-out of public events to matching subscriptions) and the delivery log, attempt by attempt.

The fan-out is folded here, from the log in order: an event is owed to the subscriptions enabled
when it was recorded whose patterns match its public type. A rebuild folds the same answer again,
and the deliveries recorded since mark it done, so a rebuild re-sends nothing. The worker re-reads
each delivery from the log before sending, so a lagging view cannot make it send twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ledger.webhooks import WebhookDelivery, WebhookSubscription, delivery_id
from projections.engine.db import ViewDatabase
from projections.engine.projection import Fact
from projections.engine.sql import Cursor, as_datetime
from projections.public_events import matches, public_type

OWED = ("pending", "failing", "replay")


class WebhooksProjection:
    name = "webhooks"
    schema_version = 1
    tables = ("webhook_subscriptions", "webhook_deliveries", "webhook_attempts")
    folds = None  # every event: any public event may be owed to a subscription

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE webhook_subscriptions (
                id TEXT PRIMARY KEY,
                url TEXT NOT NULL,
                events TEXT NOT NULL,
                description TEXT NOT NULL,
                enabled INTEGER NOT NULL,
                disabled_reason TEXT NOT NULL,
                failures INTEGER NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                position BIGINT NOT NULL
            )"""
        )
        cur.execute(
            """CREATE TABLE webhook_deliveries (
                id TEXT PRIMARY KEY,
                subscription_id TEXT NOT NULL,
                event_position BIGINT NOT NULL,
                event_type TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                due_at TIMESTAMPTZ,
                last_status_code INTEGER NOT NULL,
                last_error TEXT NOT NULL,
                last_attempt_at TIMESTAMPTZ,
                position BIGINT NOT NULL
            )"""
        )
        cur.execute("CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, due_at)")
        cur.execute("CREATE INDEX webhook_deliveries_log ON webhook_deliveries (event_position, subscription_id)")
        cur.execute(
            """CREATE TABLE webhook_attempts (
                delivery_id TEXT NOT NULL,
                attempt INTEGER NOT NULL,
                status_code INTEGER NOT NULL,
                error TEXT NOT NULL,
                attempted_at TIMESTAMPTZ NOT NULL,
                position BIGINT NOT NULL,
                PRIMARY KEY (delivery_id, attempt)
            )"""
        )

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        cur.execute("SELECT id, events FROM webhook_subscriptions WHERE enabled = 1")
        enabled = {str(r[0]): str(r[1]).split(",") for r in cur.fetchall()}
        for fact in facts:
            e = fact.event
            if isinstance(e, WebhookSubscription.Event):
                self._subscription(cur, fact, enabled)
            elif isinstance(e, WebhookDelivery.Event):
                self._delivery(cur, fact)
            elif enabled and (typed := public_type(str(type(e).TOPIC))) is not None:
                for sub, patterns in enabled.items():
                    if matches(patterns, typed[0]):
                        cur.execute(
                            "INSERT INTO webhook_deliveries (id, subscription_id, event_position, event_type, status,"
                            " attempts, due_at, last_status_code, last_error, position)"
                            " VALUES (%s, %s, %s, %s, 'pending', 0, %s, 0, '', %s) ON CONFLICT (id) DO NOTHING",
                            (str(delivery_id(UUID(sub), fact.position)), sub, fact.position, typed[0],
                             fact.recorded_at, fact.position),
                        )  # fmt: skip

    def _subscription(self, cur: Cursor, fact: Fact, enabled: dict[str, list[str]]) -> None:
        e, sid = fact.event, str(fact.event.originator_id)
        if isinstance(e, WebhookSubscription.Subscribed):
            cur.execute(
                "INSERT INTO webhook_subscriptions (id, url, events, description, enabled, disabled_reason, failures,"
                " created_at, position) VALUES (%s, %s, %s, %s, 1, '', 0, %s, %s)",
                (sid, e.url, ",".join(e.events), e.description, fact.recorded_at, fact.position),
            )
            enabled[sid] = list(e.events)
        elif isinstance(e, WebhookSubscription.Disabled):
            cur.execute(
                "UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = %s, position = %s WHERE id = %s",
                (("automatically: " if e.automatic else "") + e.reason, fact.position, sid),
            )
            enabled.pop(sid, None)
        elif isinstance(e, WebhookSubscription.Enabled):
            cur.execute(
                "UPDATE webhook_subscriptions SET enabled = 1, disabled_reason = '', failures = 0, position = %s"
                " WHERE id = %s",
                (fact.position, sid),
            )
            cur.execute("SELECT events FROM webhook_subscriptions WHERE id = %s", (sid,))
            row = cur.fetchone()
            if row:
                enabled[sid] = str(row[0]).split(",")

    def _delivery(self, cur: Cursor, fact: Fact) -> None:
        e, did = fact.event, str(fact.event.originator_id)
        if isinstance(e, WebhookDelivery.ReplayRequested):
            cur.execute(
                "UPDATE webhook_deliveries SET status = 'replay', due_at = %s, position = %s WHERE id = %s",
                (e.requested_at, fact.position, did),
            )
            return
        if isinstance(e, WebhookDelivery.FirstAttempted):
            attempt = 1
            cur.execute(
                "INSERT INTO webhook_deliveries (id, subscription_id, event_position, event_type, status, attempts,"
                " due_at, last_status_code, last_error, position)"
                " VALUES (%s, %s, %s, %s, 'pending', 0, NULL, 0, '', %s)"
                " ON CONFLICT (id) DO NOTHING",
                (did, str(e.subscription_id), e.position, e.event_type, fact.position),
            )
        elif isinstance(e, WebhookDelivery.Attempted):
            attempt = e.attempt
        else:
            return
        status = "delivered" if e.next_attempt_at is None else "failing"
        cur.execute(
            "UPDATE webhook_deliveries SET status = %s, attempts = %s, due_at = %s, last_status_code = %s,"
            " last_error = %s, last_attempt_at = %s, position = %s WHERE id = %s",
            (status, attempt, e.next_attempt_at, e.status_code, e.reason, e.attempted_at, fact.position, did),
        )
        cur.execute(
            "INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, attempted_at, position)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (delivery_id, attempt) DO NOTHING",
            (did, attempt, e.status_code, e.reason, e.attempted_at, fact.position),
        )
        # Consecutive failed attempts per subscription: what automatic disabling counts.
        cur.execute(
            "UPDATE webhook_subscriptions SET failures = "
            + ("0" if status == "delivered" else "failures + 1")
            + " WHERE id = (SELECT subscription_id FROM webhook_deliveries WHERE id = %s)",
            (did,),
        )


# -- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    id: UUID
    url: str
    events: list[str]
    description: str
    enabled: bool
    disabled_reason: str
    failures: int  # consecutive failed attempts
    created_at: datetime | None


@dataclass(frozen=True)
class Attempt:
    attempt: int
    status_code: int
    error: str
    attempted_at: datetime | None


@dataclass(frozen=True)
class Delivery:
    id: UUID
    subscription_id: UUID
    event_position: int
    event_type: str
    status: str  # pending, delivered, failing (retries due), replay (a replay asked for)
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int
    last_error: str
    last_attempt_at: datetime | None


def subscriptions(db: ViewDatabase, only_enabled: bool = False) -> list[Subscription]:
    with db.read() as cur:
        cur.execute(
            "SELECT id, url, events, description, enabled, disabled_reason, failures, created_at"
            " FROM webhook_subscriptions" + (" WHERE enabled = 1" if only_enabled else "") + " ORDER BY position, id"
        )
        rows = cur.fetchall()
    return [
        Subscription(UUID(str(r[0])), str(r[1]), str(r[2]).split(","), str(r[3]), bool(r[4]), str(r[5]), int(r[6]),
                     as_datetime(r[7]))
        for r in rows
    ]  # fmt: skip


def failures(db: ViewDatabase, subscription_id: UUID) -> int:
    with db.read() as cur:
        cur.execute("SELECT failures FROM webhook_subscriptions WHERE id = %s", (str(subscription_id),))
        row = cur.fetchone()
    return int(row[0]) if row else 0


_DELIVERY = (
    "SELECT d.id, d.subscription_id, d.event_position, d.event_type, d.status, d.attempts, d.due_at,"
    " d.last_status_code, d.last_error, d.last_attempt_at FROM webhook_deliveries d"
)


def _delivery(r: Sequence[object]) -> Delivery:
    return Delivery(
        UUID(str(r[0])), UUID(str(r[1])), int(str(r[2])), str(r[3]), str(r[4]), int(str(r[5])), as_datetime(r[6]),
        int(str(r[7])), str(r[8]), as_datetime(r[9]),
    )  # fmt: skip


def due_deliveries(db: ViewDatabase, now: datetime, after: tuple[int, str], limit: int) -> list[Delivery]:
    """Deliveries owed to enabled subscriptions whose next attempt has come, in log order: a page
    after ``(event position, subscription id)``."""
    with db.read() as cur:
        cur.execute(
            _DELIVERY + " JOIN webhook_subscriptions s ON s.id = d.subscription_id"
            " WHERE s.enabled = 1 AND d.status IN ('pending', 'failing', 'replay') AND d.due_at <= %s"
            " AND (d.event_position > %s OR (d.event_position = %s AND d.subscription_id > %s))"
            " ORDER BY d.event_position, d.subscription_id LIMIT %s",
            (now, after[0], after[0], after[1], limit),
        )
        return [_delivery(r) for r in cur.fetchall()]


def deliveries(
    db: ViewDatabase,
    failed: bool = False,
    subscription: UUID | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[Delivery]:
    """The delivery log, newest event first; ``failed``: those whose last attempt failed."""
    where, args = ["d.status <> 'pending'"], []  # pending: owed, never tried yet
    if failed:
        where.append("d.status = 'failing'")
    if subscription is not None:
        where.append("d.subscription_id = %s")
        args.append(str(subscription))
    if before is not None:
        where.append("d.event_position < %s")
        args.append(str(before))
    with db.read() as cur:
        cur.execute(
            _DELIVERY + " WHERE " + " AND ".join(where) + " ORDER BY d.event_position DESC, d.subscription_id LIMIT %s",
            (*args, limit),
        )
        return [_delivery(r) for r in cur.fetchall()]


def delivery(db: ViewDatabase, delivery_id: UUID) -> tuple[Delivery, list[Attempt]] | None:
    with db.read() as cur:
        cur.execute(_DELIVERY + " WHERE d.id = %s", (str(delivery_id),))
        row = cur.fetchone()
        if row is None:
            return None
        cur.execute(
            "SELECT attempt, status_code, error, attempted_at FROM webhook_attempts WHERE delivery_id = %s"
            " ORDER BY attempt",
            (str(delivery_id),),
        )
        attempts = [Attempt(int(a[0]), int(a[1]), str(a[2]), as_datetime(a[3])) for a in cur.fetchall()]
    return _delivery(row), attempts


def ids_starting(db: ViewDatabase, table: str, prefix: str, limit: int = 2) -> list[str]:
    """The ids of subscriptions or deliveries that begin with ``prefix`` (the short id tables show)."""
    if table not in ("webhook_subscriptions", "webhook_deliveries"):
        raise ValueError(table)
    with db.read() as cur:
        cur.execute(f"SELECT id FROM {table} WHERE id LIKE %s ORDER BY id LIMIT %s", (f"{prefix}%", limit))
        return [str(r[0]) for r in cur.fetchall()]

"""Who was reminded of what, as of any date: one row per reminder, with both time axes.

A reminder's business date is the day the worker ran for (``--as-of``); the recording time is when
the log took it. "As of D known at K" is the rows dated on or before D and recorded by K. The
dunning policy in force (levels, grace, opted-out customers) is kept beside it for the API and CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger.dunning import DunningPolicy, levels_of
from ledger.reminders import Reminder
from projections.engine.db import ViewDatabase
from projections.engine.pages import Page, fetch_page
from projections.engine.projection import Fact
from projections.engine.sql import Cursor, Row, as_date


class RemindersProjection:
    name = "reminders"
    schema_version = 1
    tables = ("reminders", "dunning_levels", "dunning_settings", "dunning_opt_outs")
    folds = (Reminder.Event, DunningPolicy.Event)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE reminders (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                cause TEXT NOT NULL,
                subject_id TEXT NOT NULL,
                subject TEXT NOT NULL,
                party TEXT NOT NULL,
                level INTEGER NOT NULL,
                level_name TEXT NOT NULL,
                recipient TEXT NOT NULL,
                open_amount TEXT,
                currency TEXT NOT NULL,
                fee TEXT,
                fee_invoice_id TEXT,
                message_id TEXT NOT NULL,
                reminded_on DATE NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL,
                position BIGINT NOT NULL
            )"""
        )
        cur.execute("CREATE INDEX reminders_by_day ON reminders (reminded_on, position)")
        cur.execute("CREATE INDEX reminders_by_subject ON reminders (kind, subject_id, level)")
        cur.execute(
            "CREATE TABLE dunning_levels (number INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " days_after_due INTEGER NOT NULL, template TEXT NOT NULL, fee TEXT, fee_currency TEXT NOT NULL)"
        )
        cur.execute(
            "CREATE TABLE dunning_settings (id INTEGER PRIMARY KEY, minimum_open TEXT NOT NULL,"
            " grace_days INTEGER NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL)"
        )
        cur.execute("CREATE TABLE dunning_opt_outs (customer_id TEXT PRIMARY KEY, since DATE NOT NULL)")

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e = fact.event
            if isinstance(e, Reminder.Recorded):
                cur.execute(
                    "INSERT INTO reminders (id, kind, cause, subject_id, subject, party, level, level_name, recipient,"
                    " open_amount, currency, fee, fee_invoice_id, message_id, reminded_on, recorded_at, position)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        str(e.originator_id),
                        e.kind,
                        e.cause,
                        e.subject_id,
                        e.subject,
                        e.party,
                        e.level,
                        e.level_name,
                        e.recipient,
                        _text(e.open_amount),
                        e.currency,
                        _text(e.fee),
                        str(e.fee_invoice_id) if e.fee_invoice_id else None,
                        str(e.message_id),
                        e.effective_date,
                        fact.recorded_at,
                        fact.position,
                    ),
                )
            elif isinstance(e, DunningPolicy.LevelsSet):
                cur.execute("DELETE FROM dunning_levels")
                for level in levels_of(e.levels):
                    cur.execute(
                        "INSERT INTO dunning_levels (number, name, days_after_due, template, fee, fee_currency)"
                        " VALUES (%s, %s, %s, %s, %s, %s)",
                        (
                            level.number,
                            level.name,
                            level.days_after_due,
                            level.template,
                            _text(level.fee),
                            level.fee_currency,
                        ),
                    )
                cur.execute("DELETE FROM dunning_settings")
                cur.execute(
                    "INSERT INTO dunning_settings (id, minimum_open, grace_days, version, position)"
                    " VALUES (1, %s, %s, %s, %s)",
                    (str(e.minimum_open), e.grace_days, e.originator_version, fact.position),
                )
            elif isinstance(e, DunningPolicy.CustomerOptedOut):
                cur.execute(
                    "INSERT INTO dunning_opt_outs (customer_id, since) VALUES (%s, %s)",
                    (str(e.customer_id), e.effective_date),
                )
            elif isinstance(e, DunningPolicy.CustomerOptedIn):
                cur.execute("DELETE FROM dunning_opt_outs WHERE customer_id = %s", (str(e.customer_id),))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class ReminderView:
    id: str
    kind: str
    reminded_on: date
    subject_id: str
    subject: str
    party: str  # a customer's id (dunning), a person's name (follow-up, approval)
    level: int
    level_name: str
    recipient: str
    open_amount: Decimal | None
    currency: str
    fee: Decimal | None
    fee_invoice_id: str | None
    cause: str


def _view(r: Row) -> ReminderView:
    reminded_on = as_date(r[2])
    assert reminded_on is not None
    return ReminderView(
        str(r[0]),
        str(r[1]),
        reminded_on,
        str(r[3]),
        str(r[4]),
        str(r[5]),
        int(r[6]),
        str(r[7]),
        str(r[8]),
        Decimal(r[9]) if r[9] is not None else None,
        str(r[10]),
        Decimal(r[11]) if r[11] is not None else None,
        str(r[12]) if r[12] is not None else None,
        str(r[13]),
    )


def list_reminders(
    db: ViewDatabase,
    as_of: date,
    known_at: datetime | None = None,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[ReminderView]:
    """Reminders dated on or before ``as_of`` as known at ``known_at``, by day and log position."""
    where: list[str] = ["reminded_on <= %s"]
    params: list[Any] = [as_of]
    if known_at is not None:
        where.append("recorded_at <= %s")
        params.append(known_at)
    if kind:
        where.append("kind = %s")
        params.append(kind)
    with db.read() as cur:
        return fetch_page(
            cur,
            "SELECT id, kind, reminded_on, subject_id, subject, party, level, level_name, recipient, open_amount,"
            " currency, fee, fee_invoice_id, cause, reminded_on, position FROM reminders",
            ["reminded_on", "position"],
            where,
            params,
            cursor,
            limit,
            _view,
        )


@dataclass(frozen=True)
class LevelView:
    number: int
    name: str
    days_after_due: int
    template: str
    fee: Decimal | None
    fee_currency: str


@dataclass(frozen=True)
class DunningPolicyView:
    levels: list[LevelView]
    minimum_open: Decimal
    grace_days: int
    opted_out: list[str]  # customer ids
    version: int  # the policy's version when its levels were last set (0: never)


def dunning_policy(db: ViewDatabase) -> DunningPolicyView:
    with db.read() as cur:
        cur.execute(
            "SELECT number, name, days_after_due, template, fee, fee_currency FROM dunning_levels ORDER BY number"
        )
        levels = [
            LevelView(int(r[0]), str(r[1]), int(r[2]), str(r[3]), Decimal(r[4]) if r[4] else None, str(r[5]))
            for r in cur.fetchall()
        ]
        cur.execute("SELECT minimum_open, grace_days, version FROM dunning_settings WHERE id = 1")
        row = cur.fetchone()
        cur.execute("SELECT customer_id FROM dunning_opt_outs ORDER BY customer_id")
        opted_out = [str(r[0]) for r in cur.fetchall()]
    if row is None:
        return DunningPolicyView(levels, Decimal(0), 0, opted_out, 0)
    return DunningPolicyView(levels, Decimal(row[0]), int(row[1]), opted_out, int(row[2]))

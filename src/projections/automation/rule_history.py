"""A rule tested against history (ADR 0067): what it would have done between two dates, read from
the CRM's read models as known now, and planned by the same ``ledger.sales_rules.plan`` the worker
records. Nothing is written. Each trigger is found the way the worker finds it: a deal's entry into
a stage (its first stage, a move to another, a reopening; in log order), a lead captured, a
follow-up still open the day it became overdue by more than the rule's days, a deal still open
and untouched for the rule's days (a change of its own or an activity about it is a touch).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from ledger.sales_rules import (
    DEAL_IDLE,
    ENTERED_STAGE,
    FOLLOWUP_OVERDUE,
    LEAD_CAPTURED,
    Effect,
    RuleSpec,
    Trigger,
    entry_cause,
    idle_cause,
    lead_cause,
    overdue_cause,
    plan,
)
from projections.automation.sales_rules import TOUCHES
from projections.engine.db import ViewDatabase
from projections.engine.sql import Cursor, day


@dataclass(frozen=True)
class WouldDo:
    trigger: Trigger
    effect: Effect


@dataclass(frozen=True)
class History:
    start: date
    end: date
    total: int  # triggers in the range; ``items`` holds at most the limit asked for
    items: list[WouldDo]


def would_do(db: ViewDatabase, spec: RuleSpec, start: date, end: date, limit: int, turn: int = 0) -> History:
    """What ``spec`` would have done for each trigger dated from ``start`` to ``end``, in date order;
    the round robin starts at ``turn`` (the rule's turns so far, for a saved rule)."""
    with db.read() as cur:
        found = {
            ENTERED_STAGE: _entries,
            LEAD_CAPTURED: _captures,
            FOLLOWUP_OVERDUE: _overdue,
            DEAL_IDLE: _idle,
        }[spec.trigger](cur, spec, start, end)
    found.sort(key=lambda t: (t.on, t.cause))
    items = [WouldDo(t, plan(spec, t, turn + n)) for n, t in enumerate(found[:limit])]
    return History(start, end, len(found), items)


def _entries(cur: Cursor, spec: RuleSpec, start: date, end: date) -> list[Trigger]:
    cur.execute(
        "SELECT x.deal_id, x.effective_date, x.position,"
        " (SELECT f.owner FROM deal_facts f WHERE f.deal_id = x.deal_id AND f.position <= x.position"
        "  ORDER BY f.position DESC LIMIT 1),"
        " (SELECT f.title FROM deal_facts f WHERE f.deal_id = x.deal_id AND f.position <= x.position"
        "  ORDER BY f.position DESC LIMIT 1)"
        " FROM (SELECT deal_id, stage, status, effective_date, position,"
        "  LAG(stage) OVER (PARTITION BY deal_id ORDER BY position) AS before FROM deal_stages) x"
        " WHERE x.stage = %s AND x.status = 'open' AND (x.before IS NULL OR x.before <> x.stage)"
        " AND x.effective_date >= %s AND x.effective_date <= %s",
        (spec.stage, start, end),
    )
    return [
        Trigger(entry_cause(r[0], int(r[2])), "deal", UUID(str(r[0])), day(r[1]), str(r[3] or ""),
                title=str(r[4] or ""))
        for r in cur.fetchall()
    ]  # fmt: skip


def _captures(cur: Cursor, spec: RuleSpec, start: date, end: date) -> list[Trigger]:
    cur.execute(
        "SELECT id, captured_on, owner, name, source FROM leads WHERE captured_on >= %s AND captured_on <= %s",
        (start, end),
    )
    wanted = spec.source.casefold()
    return [
        Trigger(lead_cause(r[0]), "lead", UUID(str(r[0])), day(r[1]), str(r[2]), title=str(r[3]))
        for r in cur.fetchall()
        if wanted in ("", str(r[4]).casefold())
    ]


def _overdue(cur: Cursor, spec: RuleSpec, start: date, end: date) -> list[Trigger]:
    late = timedelta(days=spec.days + 1)
    cur.execute(
        "SELECT followup_id, about_kind, about_id, owner, due, status, note, effective_date FROM followup_states"
        " WHERE followup_id IN (SELECT followup_id FROM followup_states WHERE due >= %s AND due <= %s)"
        " ORDER BY followup_id, position",
        (start - late, end - late),
    )
    states: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    for r in cur.fetchall():
        states[str(r[0])].append(r)
    found = []
    for fid, rows in states.items():
        for n, r in enumerate(rows):
            due = day(r[4])
            on = due + late
            after = rows[n + 1] if n + 1 < len(rows) else None
            # open that day: nothing later (completed, cancelled, rescheduled) took effect by then
            if r[5] == "open" and start <= on <= end and (after is None or day(after[7]) >= on):
                found.append(
                    Trigger(overdue_cause(fid, due), "followup", UUID(fid), on, str(r[3]), about_kind=str(r[1]),
                            about_id=UUID(str(r[2])), title=str(r[6]))
                )  # fmt: skip
    return found


def _idle(cur: Cursor, spec: RuleSpec, start: date, end: date) -> list[Trigger]:
    idle = timedelta(days=spec.days)
    cur.execute(
        "SELECT id, owner, title, opened_on, closed_on FROM deals WHERE opened_on <= %s"
        " AND (closed_on IS NULL OR closed_on >= %s)",
        (end - idle, start),
    )
    deals = {str(r[0]): r for r in cur.fetchall()}
    # the days a person touched each deal (a rule's own change is none): the worker's definition
    cur.execute(f"SELECT deal_id, touched_on FROM {TOUCHES} WHERE touched_on <= %s", (end,))
    touches: dict[str, set[date]] = defaultdict(set)
    for deal_id, on in cur.fetchall():
        if str(deal_id) in deals:
            touches[str(deal_id)].add(day(on))
    found = []
    for did, r in deals.items():
        closed = day(r[4]) if r[4] is not None else None
        days = sorted(touches[did] | {day(r[3])})
        for n, touched in enumerate(days):
            on = touched + idle
            following = days[n + 1] if n + 1 < len(days) else None
            if start <= on <= end and (following is None or following > on) and (closed is None or closed > on):
                found.append(Trigger(idle_cause(did, touched), "deal", UUID(did), on, str(r[1]), title=str(r[2])))
    return found

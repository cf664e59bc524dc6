"""Questions to the sales rules' read model: the causes each rule owes as of a date (the worker's),
the rules with what they did lately (the list the API, the CLI and the web app share)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from ledger.sales_rules import DEAL_IDLE, FOLLOWUP_OVERDUE, RuleSpec, idle_cause, overdue_cause
from projections.automation.sales_rules import DEALS, FIRINGS, FOLLOWUPS, OWED, RULE_COLUMNS, RULES
from projections.engine.db import ViewDatabase
from projections.engine.sql import day, moment

PAGE = 500


@dataclass(frozen=True)
class RuleRow:
    id: UUID
    spec: RuleSpec
    status: str  # active, paused, removed
    pause_reason: str
    since: date
    turns: int
    changed_at: datetime
    fired: int
    skipped: int
    owed: int  # causes seen and not yet acted on (stage entries, captured leads)


@dataclass(frozen=True)
class FiringRow:
    id: UUID
    rule_id: UUID
    rule_name: str
    cause: str
    outcome: str  # fired or skipped
    subject_kind: str
    subject_id: UUID
    action: str
    summary: str  # what it did, or why not
    made: UUID | None
    on: date
    position: int
    recorded_at: datetime


def _spec(row: tuple[object, ...]) -> RuleSpec:
    v = dict(zip(RULE_COLUMNS, row, strict=True))
    team = str(v["team"])
    return RuleSpec(
        name=str(v["name"]),
        trigger=str(v["trigger"]),
        action=str(v["action"]),
        stage=str(v["stage"]),
        source=str(v["source"]),
        days=int(str(v["days"])),
        in_days=int(str(v["in_days"])),
        note=str(v["note"]),
        team=tuple(team.split("\n")) if team else (),
        probability=None if v["probability"] is None else Decimal(str(v["probability"])),
        target_stage=str(v["target_stage"]),
    )


def rules(db: ViewDatabase, include_removed: bool = False) -> list[RuleRow]:
    where = "" if include_removed else " WHERE r.status <> 'removed'"
    with db.read() as cur:
        cur.execute(
            f"SELECT r.id, {', '.join('r.' + c for c in RULE_COLUMNS)}, r.status, r.pause_reason, r.since, r.turns,"
            " r.changed_at,"
            f" (SELECT COUNT(*) FROM {FIRINGS} f WHERE f.rule_id = r.id AND f.outcome = 'fired'),"
            f" (SELECT COUNT(*) FROM {FIRINGS} f WHERE f.rule_id = r.id AND f.outcome = 'skipped'),"
            f" (SELECT COUNT(*) FROM {OWED} o WHERE o.rule_id = r.id)"
            f" FROM {RULES} r{where} ORDER BY r.name, r.id"
        )
        found = []
        for r in cur.fetchall():
            n = len(RULE_COLUMNS)
            status, reason, since, turns, changed, fired, skipped, owed = r[1 + n :]
            found.append(
                RuleRow(UUID(str(r[0])), _spec(r[1 : 1 + n]), str(status), str(reason), day(since), int(turns),
                        moment(changed), int(fired), int(skipped), int(owed))
            )  # fmt: skip
        return found


def firings(
    db: ViewDatabase, rule_id: UUID | None = None, limit: int = 20, before: int | None = None
) -> list[FiringRow]:
    """The latest firings (of one rule, or of all), newest first; ``before``: a position to page back from."""
    clauses: list[str] = []
    params: list[object] = []
    if rule_id is not None:
        clauses.append("rule_id = %s")
        params.append(str(rule_id))
    if before is not None:
        clauses.append("position < %s")
        params.append(before)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    with db.read() as cur:
        cur.execute(
            "SELECT id, rule_id, rule_name, cause, outcome, subject_kind, subject_id, action, summary, made,"
            f" effective_date, position, recorded_at FROM {FIRINGS}{where} ORDER BY position DESC, id LIMIT %s",
            (*params, limit),
        )
        return [
            FiringRow(UUID(str(r[0])), UUID(str(r[1])), str(r[2]), str(r[3]), str(r[4]), str(r[5]), UUID(str(r[6])),
                      str(r[7]), str(r[8]), UUID(str(r[9])) if r[9] else None, day(r[10]), int(r[11]),
                      moment(r[12]))
            for r in cur.fetchall()
        ]  # fmt: skip


# -- the worker's question: what is owed as of a date ---------------------------------------------


def owed_causes(db: ViewDatabase, as_of: date) -> Iterator[tuple[UUID, str]]:
    """(rule, cause) pairs owed by the active rules as of ``as_of``, a page at a time: stage entries
    and captured leads in log order, then follow-ups overdue and deals idle by each rule's days since
    the rule's own date (a state that began before the rule was defined is not its business)."""
    after: tuple[int, str, str] = (0, "", "")
    while True:
        with db.read() as cur:
            cur.execute(
                f"SELECT o.trigger_position, o.rule_id, o.cause FROM {OWED} o JOIN {RULES} r ON r.id = o.rule_id"
                " WHERE r.status = 'active' AND o.trigger_on <= %s"
                " AND (o.trigger_position, o.rule_id, o.cause) > (%s, %s, %s)"
                " ORDER BY o.trigger_position, o.rule_id, o.cause LIMIT %s",
                (as_of, *after, PAGE),
            )
            page = cur.fetchall()
        yield from ((UUID(str(r[1])), str(r[2])) for r in page)
        if len(page) < PAGE:
            break
        after = (int(page[-1][0]), str(page[-1][1]), str(page[-1][2]))
    for row in rules(db):
        if row.status == "active" and row.spec.trigger in (FOLLOWUP_OVERDUE, DEAL_IDLE):
            yield from ((row.id, cause) for cause in _state_causes(db, row, as_of))


def _state_causes(db: ViewDatabase, row: RuleRow, as_of: date) -> Iterator[str]:
    days = row.spec.days
    cause: Callable[[str, date], str]
    if row.spec.trigger == FOLLOWUP_OVERDUE:  # overdue by more than ``days``: from due + days + 1
        table, key, column, cause = FOLLOWUPS, "followup_id", "due", overdue_cause
        latest, earliest = as_of - timedelta(days=days + 1), row.since - timedelta(days=days + 1)
    else:  # idle for ``days``: from the last touch + days
        table, key, column, cause = DEALS, "deal_id", "last_touch", idle_cause
        latest, earliest = as_of - timedelta(days=days), row.since - timedelta(days=days)
    after = ""
    while True:
        with db.read() as cur:
            cur.execute(
                f"SELECT {key}, {column} FROM {table} WHERE status = 'open' AND {column} <= %s AND {column} >= %s"
                f" AND {key} > %s ORDER BY {key} LIMIT %s",
                (latest, earliest, after, PAGE),
            )
            page = [(str(r[0]), cause(str(r[0]), day(r[1]))) for r in cur.fetchall()]
            fired: set[str] = set()
            if page:
                marks = ", ".join(["%s"] * len(page))
                cur.execute(
                    f"SELECT cause FROM {FIRINGS} WHERE rule_id = %s AND cause IN ({marks})",
                    (str(row.id), *(c for _, c in page)),
                )
                fired = {str(r[0]) for r in cur.fetchall()}
        yield from (c for _, c in page if c not in fired)
        if len(page) < PAGE:
            return
        after = page[-1][0]

"""Sales rules as the worker and people see them (ADR 0067): the rules, what each owes, what each did.

What a rule owes is folded here from the log in order: a deal's entry into a stage (its first
stage, a move to another, a reopening) and a lead's capture are owed to the active rules with that
trigger defined before the event's position. A follow-up overdue and a deal idle are states, asked
of the small tables kept here (open follow-ups; open deals with the last day a person touched them:
their own changes and activities about them, never a rule's). A firing in the log marks its cause
done, so a rebuild folds the same owed causes and the same firings: nothing is owed twice. The
worker re-reads each cause from the log before acting, so a lagging view cannot make a rule act.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ledger.activities import Activity, FollowUp
from ledger.crm import Deal
from ledger.leads import Lead
from ledger.rule_firings import RuleFiring
from ledger.sales_rule_book import SalesRules
from ledger.sales_rules import ENTERED_STAGE, LEAD_CAPTURED, RULES_ACTOR, entry_cause, lead_cause
from projections.engine.projection import Fact
from projections.engine.sql import Cursor

RULES, OWED, FIRINGS = "sales_rules", "sales_rule_owed", "sales_rule_firings"
DEALS, FOLLOWUPS, TOUCHES = "sales_rule_deals", "sales_rule_followups", "sales_rule_touches"
RULE_COLUMNS = (
    "name",
    "trigger",
    "action",
    "stage",
    "source",
    "days",
    "in_days",
    "note",
    "team",
    "probability",
    "target_stage",
)


class SalesRulesProjection:
    name = "sales_rules"
    automation = True  # what it owes, it owes for real events: a scenario never branches it
    schema_version = 1
    tables = (RULES, OWED, FIRINGS, DEALS, FOLLOWUPS, TOUCHES)
    folds = (SalesRules.Event, RuleFiring.Event, Deal.Event, Lead.Captured, FollowUp.Event, Activity.Logged)

    def create(self, cur: Cursor) -> None:
        for ddl in (
            f"CREATE TABLE {RULES} (id TEXT PRIMARY KEY, name TEXT NOT NULL, trigger TEXT NOT NULL,"
            " action TEXT NOT NULL, stage TEXT NOT NULL, source TEXT NOT NULL, days INTEGER NOT NULL,"
            " in_days INTEGER NOT NULL, note TEXT NOT NULL, team TEXT NOT NULL, probability TEXT,"
            " target_stage TEXT NOT NULL, status TEXT NOT NULL, pause_reason TEXT NOT NULL, since DATE NOT NULL,"
            " defined_at BIGINT NOT NULL,"
            " turns INTEGER NOT NULL, changed_at TIMESTAMPTZ NOT NULL, position BIGINT NOT NULL)",
            f"CREATE TABLE {OWED} (rule_id TEXT NOT NULL, cause TEXT NOT NULL, trigger_on DATE NOT NULL,"
            " trigger_position BIGINT NOT NULL, PRIMARY KEY (rule_id, cause))",
            f"CREATE INDEX {OWED}_order ON {OWED} (trigger_position, rule_id)",
            f"CREATE TABLE {FIRINGS} (id TEXT PRIMARY KEY, rule_id TEXT NOT NULL, rule_name TEXT NOT NULL,"
            " cause TEXT NOT NULL, outcome TEXT NOT NULL, subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL,"
            " action TEXT NOT NULL, summary TEXT NOT NULL, made TEXT, effective_date DATE NOT NULL,"
            " position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL)",
            f"CREATE UNIQUE INDEX {FIRINGS}_cause ON {FIRINGS} (rule_id, cause)",
            f"CREATE INDEX {FIRINGS}_recent ON {FIRINGS} (rule_id, position)",
            f"CREATE TABLE {DEALS} (deal_id TEXT PRIMARY KEY, owner TEXT NOT NULL, stage TEXT NOT NULL,"
            " status TEXT NOT NULL, last_touch DATE NOT NULL)",
            f"CREATE TABLE {FOLLOWUPS} (followup_id TEXT PRIMARY KEY, owner TEXT NOT NULL, due DATE NOT NULL,"
            " status TEXT NOT NULL)",
            # the days a person touched a deal (the history test's idle days: the worker's own definition)
            f"CREATE TABLE {TOUCHES} (deal_id TEXT NOT NULL, touched_on DATE NOT NULL,"
            " PRIMARY KEY (deal_id, touched_on))",
        ):
            cur.execute(ddl)

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        cur.execute(f"SELECT id, trigger, stage, source, defined_at FROM {RULES} WHERE status = 'active'")
        active = {str(r[0]): (str(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in cur.fetchall()}
        for fact in facts:
            e = fact.event
            if isinstance(e, SalesRules.Event):
                self._rule(cur, fact, active)
            elif isinstance(e, RuleFiring.Fired | RuleFiring.Skipped):
                self._firing(cur, fact)
            elif isinstance(e, Deal.Event):
                self._deal(cur, fact, active)
            elif isinstance(e, Lead.Captured):
                source = e.source.casefold()
                for rule_id, (trigger, _, wanted, defined_at) in active.items():
                    if trigger == LEAD_CAPTURED and defined_at < fact.position and wanted.casefold() in ("", source):
                        _owe(cur, rule_id, lead_cause(e.originator_id), fact)
            elif isinstance(e, FollowUp.Event):
                self._followup(cur, fact)
            elif isinstance(e, Activity.Logged) and e.about_kind == "deal" and e.actor != RULES_ACTOR:
                _touch(cur, str(e.about_id), e.effective_date)

    def _rule(self, cur: Cursor, fact: Fact, active: dict[str, tuple[str, str, str, int]]) -> None:
        e = fact.event
        if isinstance(e, SalesRules.Created):
            return
        rid = str(e.rule_id)
        if isinstance(e, SalesRules.RuleSet):
            values: list[Any] = [getattr(e, c) for c in RULE_COLUMNS]
            values[RULE_COLUMNS.index("team")] = "\n".join(e.team)
            values[RULE_COLUMNS.index("probability")] = None if e.probability is None else str(e.probability)
            cur.execute(f"SELECT status, defined_at, trigger, stage, source, days FROM {RULES} WHERE id = %s", (rid,))
            row = cur.fetchone()
            if row is None:
                cur.execute(
                    f"INSERT INTO {RULES} (id, {', '.join(RULE_COLUMNS)}, status, pause_reason, since, defined_at,"
                    f" turns, changed_at, position) VALUES (%s, {', '.join(['%s'] * len(RULE_COLUMNS))},"
                    " 'active', '', %s, %s, 0, %s, %s)",
                    (rid, *values, e.effective_date, fact.position, fact.recorded_at, fact.position),
                )
                status, defined_at = "active", fact.position
            else:
                sets = ", ".join(f"{c} = %s" for c in RULE_COLUMNS)
                cur.execute(
                    f"UPDATE {RULES} SET {sets}, changed_at = %s, position = %s WHERE id = %s",
                    (*values, fact.recorded_at, fact.position, rid),
                )
                status, defined_at = str(row[0]), int(row[1])
                if tuple(row[2:]) != (e.trigger, e.stage, e.source, e.days):
                    # another trigger: what the old one owed is dropped; states count from this date
                    cur.execute(f"DELETE FROM {OWED} WHERE rule_id = %s", (rid,))
                    cur.execute(f"UPDATE {RULES} SET since = %s WHERE id = %s", (e.effective_date, rid))
            if status == "active":
                active[rid] = (e.trigger, e.stage, e.source, defined_at)
            return
        if isinstance(e, SalesRules.TurnTaken):
            cur.execute(f"UPDATE {RULES} SET turns = turns + 1 WHERE id = %s", (rid,))
            return
        status = {SalesRules.RulePaused: "paused", SalesRules.RuleResumed: "active"}.get(type(e), "removed")
        cur.execute(
            f"UPDATE {RULES} SET status = %s, pause_reason = %s, changed_at = %s, position = %s WHERE id = %s",
            (status, getattr(e, "reason", ""), fact.recorded_at, fact.position, rid),
        )
        if status == "active":  # resumed: it acts on what happens from now on, states included
            cur.execute(f"UPDATE {RULES} SET since = %s WHERE id = %s", (e.effective_date, rid))
            cur.execute(f"SELECT trigger, stage, source, defined_at FROM {RULES} WHERE id = %s", (rid,))
            row = cur.fetchone()
            if row is not None:  # an imported log may name a rule never defined
                active[rid] = (str(row[0]), str(row[1]), str(row[2]), int(row[3]))
        else:  # a paused or removed rule owes nothing: on resuming, it acts on what happens next
            active.pop(rid, None)
            cur.execute(f"DELETE FROM {OWED} WHERE rule_id = %s", (rid,))

    def _firing(self, cur: Cursor, fact: Fact) -> None:
        e = fact.event
        fired = isinstance(e, RuleFiring.Fired)
        cur.execute(
            f"INSERT INTO {FIRINGS} (id, rule_id, rule_name, cause, outcome, subject_kind, subject_id, action,"
            " summary, made, effective_date, position, recorded_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (
                str(e.originator_id), str(e.rule_id), e.rule_name, e.cause, "fired" if fired else "skipped",
                e.subject_kind, str(e.subject_id), e.action, e.summary if fired else e.reason,
                str(e.made) if fired and e.made else None, e.effective_date, fact.position, fact.recorded_at,
            ),
        )  # fmt: skip
        cur.execute(f"DELETE FROM {OWED} WHERE rule_id = %s AND cause = %s", (str(e.rule_id), e.cause))

    def _deal(self, cur: Cursor, fact: Fact, active: dict[str, tuple[str, str, str, int]]) -> None:
        e, did = fact.event, str(fact.event.originator_id)
        entered = None
        if isinstance(e, Deal.Opened):
            cur.execute(
                f"INSERT INTO {DEALS} (deal_id, owner, stage, status, last_touch) VALUES (%s, %s, %s, 'open', %s)",
                (did, e.owner, e.stage, e.effective_date),
            )
            entered = e.stage
        elif isinstance(e, Deal.StageMoved | Deal.Reopened):
            cur.execute(f"SELECT stage FROM {DEALS} WHERE deal_id = %s", (did,))
            row = cur.fetchone()
            if isinstance(e, Deal.Reopened) or row is None or str(row[0]) != e.stage:
                entered = e.stage
            cur.execute(f"UPDATE {DEALS} SET stage = %s, status = 'open' WHERE deal_id = %s", (e.stage, did))
        elif isinstance(e, Deal.Updated):
            cur.execute(f"UPDATE {DEALS} SET owner = %s WHERE deal_id = %s", (e.owner, did))
        elif isinstance(e, Deal.Won | Deal.Lost):
            closed = "won" if isinstance(e, Deal.Won) else "lost"
            cur.execute(f"UPDATE {DEALS} SET status = %s WHERE deal_id = %s", (closed, did))
        if e.actor != RULES_ACTOR:
            _touch(cur, did, e.effective_date)
        if entered is not None:
            for rule_id, (trigger, stage, _, defined_at) in active.items():
                if trigger == ENTERED_STAGE and stage == entered and defined_at < fact.position:
                    _owe(cur, rule_id, entry_cause(did, fact.position), fact)

    def _followup(self, cur: Cursor, fact: Fact) -> None:
        e, fid = fact.event, str(fact.event.originator_id)
        if isinstance(e, FollowUp.Scheduled):
            cur.execute(
                f"INSERT INTO {FOLLOWUPS} (followup_id, owner, due, status) VALUES (%s, %s, %s, 'open')",
                (fid, e.owner, e.due),
            )
        elif isinstance(e, FollowUp.Rescheduled):
            cur.execute(f"UPDATE {FOLLOWUPS} SET due = %s, owner = %s WHERE followup_id = %s", (e.due, e.owner, fid))
        elif isinstance(e, FollowUp.Completed | FollowUp.Cancelled):
            cur.execute(f"DELETE FROM {FOLLOWUPS} WHERE followup_id = %s", (fid,))  # only open ones are asked


def _owe(cur: Cursor, rule_id: str, cause: str, fact: Fact) -> None:
    cur.execute(
        f"INSERT INTO {OWED} (rule_id, cause, trigger_on, trigger_position) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (rule_id, cause) DO NOTHING",
        (rule_id, cause, fact.event.effective_date, fact.position),
    )


def _touch(cur: Cursor, deal_id: str, on: date) -> None:
    cur.execute(f"UPDATE {DEALS} SET last_touch = %s WHERE deal_id = %s AND last_touch < %s", (on, deal_id, on))
    cur.execute(f"INSERT INTO {TOUCHES} (deal_id, touched_on) VALUES (%s, %s) ON CONFLICT DO NOTHING", (deal_id, on))

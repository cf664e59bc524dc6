"""Sales automation rules as data (ADR 0067): when something happens in the CRM, do one thing.

A rule is a trigger and an action. Triggers: a deal enters a stage, a lead is captured (from a
source, or any), a follow-up is overdue by N days, a deal is idle for N days (no person touched it:
no change of its own, no activity about it). Actions: schedule a follow-up for the owner in N
days, assign an owner (round robin over the rule's team), change the deal's probability, move it
to a stage, notify the owner by e-mail.

Every rule lives in one aggregate, ``SalesRules``, so a definition that would make rules feed one
another in a circle (a move to a stage whose entry moves it back, a follow-up created because a
follow-up is overdue) is refused against all the others atomically, and the round robin's turns
are taken one after another. What a rule does for one cause is ``plan``: the worker records it,
and the test against history lists it, from the same function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.crm import STAGE_KEY, bounded_text, check_probability
from ledger.errors import InvalidValue

SALES_RULES_ID = uuid5(NAMESPACE_URL, "keel:sales-rules")
RULES_ACTOR = "keel-rules"  # what a rule's own changes are stamped with: never a person's touch
KIND = "sales-rules"  # the worker's job kind, and the outbox kind of a rule's notification

ENTERED_STAGE, LEAD_CAPTURED, FOLLOWUP_OVERDUE, DEAL_IDLE = (
    "deal_entered_stage",
    "lead_created",
    "followup_overdue",
    "deal_idle",
)
TRIGGERS = (ENTERED_STAGE, LEAD_CAPTURED, FOLLOWUP_OVERDUE, DEAL_IDLE)
CREATE_FOLLOWUP, ASSIGN_OWNER, CHANGE_PROBABILITY, MOVE_STAGE, NOTIFY_OWNER, START_SEQUENCE = (
    "create_followup",
    "assign_owner",
    "change_probability",
    "move_stage",
    "notify_owner",
    "start_sequence",
)
ACTIONS = (CREATE_FOLLOWUP, ASSIGN_OWNER, CHANGE_PROBABILITY, MOVE_STAGE, NOTIFY_OWNER, START_SEQUENCE)
DEAL_ACTIONS = ACTIONS
ALLOWED: dict[str, tuple[str, ...]] = {
    ENTERED_STAGE: DEAL_ACTIONS,
    DEAL_IDLE: DEAL_ACTIONS,
    LEAD_CAPTURED: (CREATE_FOLLOWUP, ASSIGN_OWNER, NOTIFY_OWNER, START_SEQUENCE),
    FOLLOWUP_OVERDUE: (CREATE_FOLLOWUP, NOTIFY_OWNER),
}
TRIGGER_FIELDS: dict[str, tuple[str, ...]] = {
    ENTERED_STAGE: ("stage",),
    LEAD_CAPTURED: ("source",),
    FOLLOWUP_OVERDUE: ("days",),
    DEAL_IDLE: ("days",),
}
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    CREATE_FOLLOWUP: ("in_days", "note"),
    ASSIGN_OWNER: ("team",),
    CHANGE_PROBABILITY: ("probability",),
    MOVE_STAGE: ("target_stage",),
    NOTIFY_OWNER: ("note",),
    START_SEQUENCE: ("sequence_id",),
}
MAX_DAYS = 365
MAX_TEAM = 20


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule: its trigger's fields, then its action's. Fields a trigger or action does not use
    stay at their defaults (a value there is refused, naming the field)."""

    name: str
    trigger: str
    action: str
    stage: str = ""  # deal_entered_stage: the stage entered
    source: str = ""  # lead_created: the lead's source ("" = any)
    days: int = 0  # followup_overdue: days overdue (0: the day after due); deal_idle: days idle
    in_days: int = 0  # create_followup: due this many days after the trigger
    note: str = ""  # create_followup: the follow-up's note; notify_owner: the message
    team: tuple[str, ...] = ()  # assign_owner: in turn
    probability: Decimal | None = None  # change_probability
    target_stage: str = ""  # move_stage
    sequence_id: str = ""  # start_sequence: the e-mail sequence (its id); a deal's: its customer's first contact

    def describe(self) -> str:
        when = {
            ENTERED_STAGE: f"a deal enters {self.stage}",
            LEAD_CAPTURED: f"a lead is captured{f' from {self.source}' if self.source else ''}",
            FOLLOWUP_OVERDUE: f"a follow-up is overdue by more than {self.days} days",
            DEAL_IDLE: f"a deal is idle for {self.days} days",
        }[self.trigger]
        do = {
            CREATE_FOLLOWUP: f"a follow-up for the owner in {self.in_days} days",
            ASSIGN_OWNER: f"assign an owner in turn: {', '.join(self.team)}",
            CHANGE_PROBABILITY: f"set the probability to {self.probability}%",
            MOVE_STAGE: f"move the deal to {self.target_stage}",
            NOTIFY_OWNER: "notify the owner by e-mail",
            START_SEQUENCE: "start an e-mail sequence",
        }[self.action]
        return f"when {when}: {do}"


def _days(value: int, what: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_DAYS:
        raise InvalidValue(f"{what}: a whole number of days from {low} to {MAX_DAYS}, got {value!r}")
    return value


def check_spec(spec: RuleSpec, stages: list[str]) -> RuleSpec:
    """The rule, normalised, or InvalidValue naming the field at fault. ``stages``: the pipeline's keys."""
    name = bounded_text(spec.name, "name", 80)
    if spec.trigger not in TRIGGERS:
        raise InvalidValue(f"trigger: one of {', '.join(TRIGGERS)}, not {spec.trigger[:40]!r}")
    if spec.action not in ACTIONS:
        raise InvalidValue(f"action: one of {', '.join(ACTIONS)}, not {spec.action[:40]!r}")
    if spec.action not in ALLOWED[spec.trigger]:
        raise InvalidValue(
            f"action: {spec.action} is not for a {spec.trigger} rule (it can: {', '.join(ALLOWED[spec.trigger])})"
        )
    used = {*TRIGGER_FIELDS[spec.trigger], *ACTION_FIELDS[spec.action]}
    defaults: dict[str, Any] = {"days": 0, "in_days": 0, "team": (), "probability": None}
    every = dict.fromkeys(f for fields in (*TRIGGER_FIELDS.values(), *ACTION_FIELDS.values()) for f in fields)
    for what in every:
        if what not in used and getattr(spec, what) != defaults.get(what, ""):
            raise InvalidValue(f"{what}: not used by a {spec.trigger} rule that does {spec.action}")
    stage, target = spec.stage.strip(), spec.target_stage.strip()
    for what, key in (("stage", stage), ("target_stage", target)):
        wanted = (what == "stage" and spec.trigger == ENTERED_STAGE) or (
            what == "target_stage" and spec.action == MOVE_STAGE
        )
        if wanted and key not in stages:
            shown = key[:40] if STAGE_KEY.match(key) else repr(key[:40])
            raise InvalidValue(f"{what}: unknown stage {shown}; the pipeline has: {', '.join(stages)}")
    team = tuple(bounded_text(t, "team", 200) for t in spec.team)
    if spec.action == ASSIGN_OWNER and not 1 <= len(team) <= MAX_TEAM:
        raise InvalidValue(f"team: from 1 to {MAX_TEAM} owners to assign in turn")
    if len({t.casefold() for t in team}) != len(team):
        raise InvalidValue("team: each owner once")
    sequence = spec.sequence_id.strip()
    if spec.action == START_SEQUENCE:
        try:
            sequence = str(UUID(sequence))
        except ValueError:
            raise InvalidValue(f"sequence_id: an e-mail sequence's id, got {sequence[:40]!r}") from None
    probability = spec.probability
    if spec.action == CHANGE_PROBABILITY:
        if probability is None:
            raise InvalidValue("probability: a change_probability rule needs one")
        try:
            probability = check_probability(probability)
        except InvalidValue as exc:
            raise InvalidValue(f"probability: {exc}") from None
    return RuleSpec(
        name=name,
        trigger=spec.trigger,
        action=spec.action,
        stage=stage,
        source=bounded_text(spec.source, "source", 80, False),
        days=_days(spec.days, "days", 1 if spec.trigger == DEAL_IDLE else 0),
        in_days=_days(spec.in_days, "in_days", 0),
        note=bounded_text(spec.note, "note", 2000, False),
        team=team,
        probability=probability,
        target_stage=target,
        sequence_id=sequence,
    )


# -- loops ------------------------------------------------------------------------------------


def _produces(spec: RuleSpec) -> tuple[str, str] | None:
    """The trigger a rule's action can set off: a move enters a stage, a follow-up can fall overdue.
    Assigning, a probability and a notification trigger nothing; no action captures a lead, and a
    rule's own change is never a touch, so none makes a deal idle or busy."""
    if spec.action == MOVE_STAGE:
        return ENTERED_STAGE, spec.target_stage
    if spec.action == CREATE_FOLLOWUP:
        return FOLLOWUP_OVERDUE, ""
    return None


def _sets_off(a: RuleSpec, b: RuleSpec) -> bool:
    made = _produces(a)
    return made is not None and made[0] == b.trigger and (b.trigger != ENTERED_STAGE or made[1] == b.stage)


def find_loop(rules: dict[str, RuleSpec], rule_id: str) -> list[str] | None:
    """A circle of rules through ``rule_id`` (names, the first repeated at the end), or None."""
    path: list[str] = []

    def walk(current: str) -> bool:
        path.append(current)
        for other, spec in rules.items():
            if not _sets_off(rules[current], spec):
                continue
            if other == rule_id:
                path.append(other)
                return True
            if other not in path and walk(other):
                return True
        path.pop()
        return False

    return [rules[r].name for r in path] if walk(rule_id) else None


# -- what a rule does for one cause -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Trigger:
    """One occurrence of a rule's trigger: about what, since when, and whose it is."""

    cause: str  # what makes it this occurrence and no other (the rule fires once per cause)
    subject_kind: str  # deal, lead or followup
    subject_id: UUID
    on: date  # the business date the trigger happened (an entry's date, the day overdue or idle)
    owner: str  # the subject's owner then
    about_kind: str = ""  # a follow-up's subject (for a follow-up trigger)
    about_id: UUID | None = None
    title: str = ""  # the deal's title, the lead's name, the follow-up's note: for people to read


@dataclass(frozen=True, slots=True)
class Effect:
    """What a rule does: recorded by the worker, listed by the test against history."""

    action: str
    owner: str  # for whom: the follow-up's or message's owner, or the owner assigned
    summary: str
    due: date | None = None
    note: str = ""
    probability: Decimal | None = None
    stage: str = ""
    facts: dict[str, str] = field(default_factory=dict)


def followup_about(trigger: Trigger) -> tuple[str, UUID]:
    if trigger.subject_kind == "followup" and trigger.about_id is not None:
        return trigger.about_kind, trigger.about_id
    return trigger.subject_kind, trigger.subject_id


def plan(spec: RuleSpec, trigger: Trigger, turn: int) -> Effect:
    """The effect of ``spec`` for ``trigger``; ``turn`` is the round robin's (assignments so far)."""
    if spec.action == CREATE_FOLLOWUP:
        due = trigger.on + timedelta(days=spec.in_days)
        note = spec.note or f"{spec.name}: {trigger.title}"
        return Effect(CREATE_FOLLOWUP, trigger.owner, f"follow-up for {trigger.owner} due {due}", due=due, note=note)
    if spec.action == ASSIGN_OWNER:
        owner = spec.team[turn % len(spec.team)]
        return Effect(ASSIGN_OWNER, owner, f"assigned to {owner}")
    if spec.action == CHANGE_PROBABILITY:
        return Effect(
            CHANGE_PROBABILITY, trigger.owner, f"probability {spec.probability}%", probability=spec.probability
        )
    if spec.action == MOVE_STAGE:
        return Effect(MOVE_STAGE, trigger.owner, f"moved to {spec.target_stage}", stage=spec.target_stage)
    if spec.action == START_SEQUENCE:
        return Effect(START_SEQUENCE, trigger.owner, "enrolled in the e-mail sequence")
    note = spec.note or spec.describe()
    return Effect(NOTIFY_OWNER, trigger.owner, f"{trigger.owner} notified", note=note)


# -- causes: what makes one occurrence of a trigger this one and no other -------------------------


def entry_cause(deal_id: UUID | str, position: int) -> str:
    return f"deal:{deal_id}@{position}"  # the log position of the event that entered the stage


def lead_cause(lead_id: UUID | str) -> str:
    return f"lead:{lead_id}"


def overdue_cause(followup_id: UUID | str, due: date) -> str:
    return f"followup:{followup_id}@due:{due.isoformat()}"  # rescheduled and overdue again: a new cause


def idle_cause(deal_id: UUID | str, last_touch: date) -> str:
    return f"deal:{deal_id}@idle:{last_touch.isoformat()}"  # touched and idle again: a new cause


def parse_cause(trigger: str, cause: str) -> tuple[UUID, int | date | None]:
    """The subject's id and the cause's detail (a position, a due date, a last touch) of a cause of
    ``trigger``; InvalidValue when the cause is not one."""
    prefix = {ENTERED_STAGE: "deal:", DEAL_IDLE: "deal:", LEAD_CAPTURED: "lead:", FOLLOWUP_OVERDUE: "followup:"}
    try:
        if not cause.startswith(prefix[trigger]):
            raise ValueError(cause)
        ident, _, detail = cause.removeprefix(prefix[trigger]).partition("@")
        subject = UUID(ident)
        if trigger == LEAD_CAPTURED:
            if detail:
                raise ValueError(cause)
            return subject, None
        if trigger == ENTERED_STAGE:
            return subject, int(detail)
        word = "due:" if trigger == FOLLOWUP_OVERDUE else "idle:"
        if not detail.startswith(word):
            raise ValueError(cause)
        return subject, date.fromisoformat(detail.removeprefix(word))
    except (KeyError, ValueError):
        raise InvalidValue(f"cause: {cause[:80]!r} is not a cause of a {trigger[:40]} rule") from None


def canonical_cause(trigger: str, cause: str) -> str:
    """The cause as Keel writes it, or InvalidValue: one occurrence has one spelling (a firing's id
    derives from it), so ``DEAL:…``, an id in capitals or a position ``05`` is no second cause."""
    subject, detail = parse_cause(trigger, cause)
    if trigger == LEAD_CAPTURED:
        written = lead_cause(subject)
    elif trigger == ENTERED_STAGE:
        assert isinstance(detail, int)
        written = entry_cause(subject, detail)
    else:
        assert isinstance(detail, date)
        written = overdue_cause(subject, detail) if trigger == FOLLOWUP_OVERDUE else idle_cause(subject, detail)
    if written != cause:
        raise InvalidValue(f"cause: {cause[:80]!r} is not written as Keel writes causes ({written})")
    return written


def firing_id(rule_id: UUID, cause: str) -> UUID:
    """The one firing of a rule for a cause: the store refuses a second (once per cause)."""
    return uuid5(SALES_RULES_ID, f"{rule_id}/{cause}")


def effect_id(firing: UUID, what: str) -> UUID:
    """The id of a record a firing makes (its follow-up): derived, so a rerun makes none."""
    return uuid5(firing, what)

"""Sales rules over HTTP (ADR 0067): defined, changed, paused, resumed, removed; listed with what
they did lately; and tested against history without acting."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StrictInt, StringConstraints

from api.schemas.base import Body, EffectiveDate, Name, Out
from api.schemas.crm import Probability
from commands import messages as m
from ledger.events import Meta
from ledger.money import to_decimal
from ledger.policy import FIRST_DAY, LAST_DAY
from ledger.sales_rules import MAX_DAYS, MAX_TEAM, RuleSpec

Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
RuleName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
TriggerKind = Literal["deal_entered_stage", "lead_created", "followup_overdue", "deal_idle"]
ActionKind = Literal[
    "create_followup", "assign_owner", "change_probability", "move_stage", "notify_owner", "start_sequence"
]
StageKey = Annotated[str, StringConstraints(max_length=40)]
Days = Annotated[StrictInt, Field(ge=0, le=MAX_DAYS)]


class RuleIn(Body):
    """A rule's definition: its trigger's fields, then its action's; a field its trigger or action
    does not use is refused when given."""

    name: RuleName = Field(examples=["Proposal follow-up"])
    trigger: TriggerKind
    action: ActionKind
    stage: StageKey = Field("", description="deal_entered_stage: the stage entered", examples=["proposal"])
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] = Field(
        "", description='lead_created: the lead\'s source ("": any)'
    )
    days: Days = Field(0, description="followup_overdue: days overdue (0: from the day after due); deal_idle: days")
    in_days: Days = Field(0, description="create_followup: due this many days after the trigger")
    note: Annotated[str, StringConstraints(max_length=2000)] = Field(
        "", description="create_followup: the follow-up's note; notify_owner: the message"
    )
    team: list[Name] = Field([], max_length=MAX_TEAM, description="assign_owner: owners, assigned in turn")
    probability: Probability | None = Field(None, description="change_probability: the new win probability")
    target_stage: StageKey = Field("", description="move_stage: the stage to move the deal to")
    sequence_id: UUID | None = Field(
        None, description="start_sequence: the e-mail sequence (a deal's: its customer's first contact with an address)"
    )

    def to_command(self, meta: Meta, rule_id: UUID, on: date | None, replace: bool = False) -> m.SetSalesRule:
        return m.SetSalesRule(
            meta=meta,
            on=on,
            rule_id=rule_id,
            name=self.name,
            trigger=self.trigger,
            action=self.action,
            stage=self.stage,
            source=self.source,
            days=self.days,
            in_days=self.in_days,
            note=self.note,
            team=tuple(self.team),
            probability=self.probability,
            target_stage=self.target_stage,
            sequence_id=self.sequence_id,
            replace=replace,
        )

    def to_spec(self) -> RuleSpec:
        return RuleSpec(
            name=self.name,
            trigger=self.trigger,
            action=self.action,
            stage=self.stage,
            source=self.source,
            days=self.days,
            in_days=self.in_days,
            note=self.note,
            team=tuple(self.team),
            probability=None if self.probability is None else to_decimal(self.probability),
            target_stage=self.target_stage,
            sequence_id="" if self.sequence_id is None else str(self.sequence_id),
        )


class RuleChangeBody(RuleIn):
    on: EffectiveDate = None


class SalesRuleBody(RuleIn):
    id: UUID | None = Field(None, description="The rule's id (a new one when omitted)")
    on: EffectiveDate = Field(None, description="From when: a follow-up overdue or a deal idle before is not its")


class PauseBody(Body):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    on: EffectiveDate = None


class WhenBody(Body):
    on: EffectiveDate = None


class RuleTestBody(Body):
    """A rule (a draft, or a saved one by ``rule_id``) and the dates to test it between."""

    rule: RuleIn | None = Field(None, description="A draft rule; or give rule_id")
    rule_id: UUID | None = Field(None, description="A saved rule (its round robin continues from its turns)")
    from_: Day = Field(alias="from", description="The first trigger date looked at")
    to: Day = Field(description="The last trigger date looked at")
    limit: int = Field(200, ge=1, le=5000, description="At most this many are listed (the total counts all)")


class RuleOut(Out):
    id: UUID | None = Field(description="None for a draft")
    name: str
    trigger: str
    action: str
    stage: str
    source: str
    days: int
    in_days: int
    note: str
    team: list[str]
    probability: str | None
    target_stage: str
    sequence_id: UUID | None
    description: str


class FiringOut(Out):
    id: UUID
    rule_id: UUID
    rule_name: str
    cause: str
    outcome: Literal["fired", "skipped"]
    subject_kind: str
    subject_id: UUID
    action: str
    summary: str = Field(description="What it did, or why it could not")
    made: UUID | None = Field(description="The record it made (a follow-up, a message)")
    on: date = Field(description="The trigger's business date")
    position: int
    recorded_at: datetime


class SalesRuleOut(RuleOut):
    status: Literal["active", "paused", "removed"]
    pause_reason: str = Field(description='Why it is paused ("" when it is not)')
    since: date
    turns: int = Field(description="Owners assigned so far (the round robin's next is turns mod team size)")
    fired: int
    skipped: int
    owed: int = Field(description="Stage entries and captured leads seen and not yet acted on")
    changed_at: datetime
    recent: list[FiringOut] = Field(description="Its latest firings, newest first")


class SalesRuleList(Out):
    items: list[SalesRuleOut]


class FiringList(Out):
    items: list[FiringOut]


class WouldDoOut(Out):
    cause: str
    on: date = Field(description="The trigger's business date")
    subject_kind: str
    subject_id: UUID
    title: str
    owner: str = Field(description="The subject's owner then")
    action: str
    summary: str
    assigned_to: str | None
    due: date | None
    note: str
    probability: str | None
    stage: str | None


class RuleTestOut(Out):
    rule: RuleOut
    from_: date = Field(alias="from")
    to: date
    total: int = Field(description="Triggers in the range (items lists at most the limit)")
    items: list[WouldDoOut]
    recorded: Literal[0] = Field(description="Events written by the test: none, ever")

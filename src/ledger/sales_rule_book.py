"""Every sales rule in one aggregate (ADR 0067): defined, changed, paused, resumed or removed, and
the round robin's turns. One aggregate, so a definition that would make rules set one another off
in a circle is refused against all the others atomically, and turns are taken one after another."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.crm import bounded_text
from ledger.errors import AlreadyExists, InvalidTransition, InvalidValue, NotFound
from ledger.events import KeelAggregate, Meta
from ledger.sales_rules import SALES_RULES_ID, RuleSpec, check_spec, find_loop


def _as_state(spec: RuleSpec) -> dict[str, Any]:
    state = {f: getattr(spec, f) for f in RuleSpec.__slots__}
    state["team"] = list(spec.team)
    state["probability"] = None if spec.probability is None else str(spec.probability)
    return state


def _live(rule: dict[str, Any]) -> bool:
    return "name" in rule and not rule.get("removed", False)


class SalesRules(KeelAggregate):
    """Every sales rule: defined, changed, paused, resumed or removed; and the round robin's turns."""

    TOPIC = "keel.SalesRules"

    if TYPE_CHECKING:  # state, as plain values (a snapshot reads them back)
        # rule id -> its fields, "paused", "turns" and "removed" (a removed rule's id is never reused)
        rules: dict[str, dict[str, Any]]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.salesrules.Created.v1"

        def apply(self, book: SalesRules) -> None:
            book.rules = {}

    class RuleSet(Event):
        """A rule defined, or its whole definition replaced (its turns and pause are kept)."""

        TOPIC = "keel.salesrules.RuleSet.v1"
        rule_id: UUID
        name: str
        trigger: str
        action: str
        stage: str
        source: str
        days: int
        in_days: int
        note: str
        team: list[str]
        probability: Decimal | None
        target_stage: str
        sequence_id: UUID | None

        def apply(self, book: SalesRules) -> None:
            before = book.rules.get(str(self.rule_id), {})
            spec = RuleSpec(
                self.name, self.trigger, self.action, self.stage, self.source, self.days, self.in_days,
                self.note, tuple(self.team), self.probability, self.target_stage,
                str(self.sequence_id) if self.sequence_id else "",
            )  # fmt: skip
            book.rules[str(self.rule_id)] = {
                **_as_state(spec),
                "paused": before.get("paused", False),
                "turns": before.get("turns", 0),
                "removed": before.get("removed", False),
            }

    class RulePaused(Event):
        TOPIC = "keel.salesrules.RulePaused.v1"
        rule_id: UUID
        reason: str

        def apply(self, book: SalesRules) -> None:
            book.rules.get(str(self.rule_id), {})["paused"] = True  # an imported log may name no rule

    class RuleResumed(Event):
        TOPIC = "keel.salesrules.RuleResumed.v1"
        rule_id: UUID

        def apply(self, book: SalesRules) -> None:
            book.rules.get(str(self.rule_id), {})["paused"] = False

    class RuleRemoved(Event):
        TOPIC = "keel.salesrules.RuleRemoved.v1"
        rule_id: UUID

        def apply(self, book: SalesRules) -> None:
            book.rules.get(str(self.rule_id), {})["removed"] = True

    class TurnTaken(Event):
        """The round robin moved on: ``owner`` was assigned for ``cause``."""

        TOPIC = "keel.salesrules.TurnTaken.v1"
        rule_id: UUID
        owner: str
        cause: str

        def apply(self, book: SalesRules) -> None:
            rule = book.rules.get(str(self.rule_id), {})
            rule["turns"] = rule.get("turns", 0) + 1

    @classmethod
    def start(cls, on: date, meta: Meta) -> SalesRules:
        return cls._create(cls.Created, id=SALES_RULES_ID, **meta.stamp(on))

    def spec(self, rule_id: UUID) -> RuleSpec:
        state = self._rule(rule_id)
        probability = state["probability"]
        return RuleSpec(
            **{f: state.get(f, "") for f in RuleSpec.__slots__ if f not in ("team", "probability")},
            team=tuple(state["team"]),
            probability=None if probability is None else Decimal(probability),
        )

    def specs(self) -> dict[str, RuleSpec]:
        return {rule_id: self.spec(UUID(rule_id)) for rule_id, r in self.rules.items() if _live(r)}

    def _rule(self, rule_id: UUID) -> dict[str, Any]:
        found = self.rules.get(str(rule_id))
        if found is None or not _live(found):
            raise NotFound(f"no sales rule {rule_id}")
        return found

    def exists(self, rule_id: UUID) -> bool:
        """Defined once, removed or not (a removed rule's id is not taken again)."""
        return str(rule_id) in self.rules

    def paused(self, rule_id: UUID) -> bool:
        return bool(self._rule(rule_id)["paused"])

    def turns(self, rule_id: UUID) -> int:
        return int(self._rule(rule_id)["turns"])

    def rule_named(self, name: str) -> UUID | None:
        wanted = name.strip().casefold()
        found = (UUID(r) for r, s in self.rules.items() if _live(s) and str(s["name"]).casefold() == wanted)
        return next(found, None)

    def set_rule(self, rule_id: UUID, spec: RuleSpec, stages: list[str], replace: bool, on: date, meta: Meta) -> bool:
        """Define (``replace`` False) or replace a definition; False (nothing recorded) when it is the same."""
        if replace:
            self._rule(rule_id)
        elif self.exists(rule_id):
            raise AlreadyExists(f"a sales rule {rule_id} was defined already (replace it by its id)")
        spec = check_spec(spec, stages)
        taken = self.rule_named(spec.name)
        if taken is not None and taken != rule_id:
            raise InvalidValue(f"name: a sales rule is already called {spec.name!r}")
        if str(rule_id) in self.rules and self.spec(rule_id) == spec:
            return False
        loop = find_loop({**self.specs(), str(rule_id): spec}, str(rule_id))
        if loop:
            raise InvalidValue(f"action: this rule would loop: {' → '.join(loop)} (each sets off the next)")
        state = _as_state(spec)
        state["team"] = list(spec.team)
        state["probability"] = spec.probability
        state["sequence_id"] = UUID(spec.sequence_id) if spec.sequence_id else None
        self.trigger_event(self.RuleSet, rule_id=rule_id, **state, **meta.stamp(on))
        return True

    def pause(self, rule_id: UUID, reason: str, on: date, meta: Meta) -> None:
        if self.paused(rule_id):
            raise InvalidTransition(f"the rule {self._rule(rule_id)['name']!r} is paused already")
        self.trigger_event(self.RulePaused, rule_id=rule_id, reason=bounded_text(reason, "reason", 500, False),
                           **meta.stamp(on))  # fmt: skip

    def resume(self, rule_id: UUID, on: date, meta: Meta) -> None:
        if not self.paused(rule_id):
            raise InvalidTransition(f"the rule {self._rule(rule_id)['name']!r} is not paused")
        self.trigger_event(self.RuleResumed, rule_id=rule_id, **meta.stamp(on))

    def remove(self, rule_id: UUID, on: date, meta: Meta) -> None:
        self._rule(rule_id)
        self.trigger_event(self.RuleRemoved, rule_id=rule_id, **meta.stamp(on))

    def take_turn(self, rule_id: UUID, owner: str, cause: str, on: date, meta: Meta) -> None:
        self.trigger_event(self.TurnTaken, rule_id=rule_id, owner=owner, cause=cause[:200], **meta.stamp(on))

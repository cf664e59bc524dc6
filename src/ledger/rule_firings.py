"""What a sales rule did for one cause (ADR 0067): fired (and what it made), or skipped, and why.

The firing's id derives from the rule and the cause (``ledger.sales_rules.firing_id``), so the
store refuses a second one: a rerun, a second worker, a run after a rebuild does nothing again.
A firing is dated by its trigger's business date, and records in the same transaction as what
the rule changed (the follow-up, the owner, the probability, the queued e-mail).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from ledger.events import KeelAggregate, Meta
from ledger.sales_rules import Trigger, firing_id


class RuleFiring(KeelAggregate):
    TOPIC = "keel.RuleFiring"

    if TYPE_CHECKING:
        rule_id: UUID
        cause: str

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.rulefiring.Created.v1"
        rule_id: UUID
        rule_name: str
        cause: str
        subject_kind: str
        subject_id: UUID
        action: str

        def apply(self, firing: RuleFiring) -> None:
            firing.rule_id, firing.cause = self.rule_id, self.cause

    class Fired(Created):
        """The rule acted: ``summary`` says what it did; ``made`` is the record it made, if one."""

        TOPIC = "keel.rulefiring.Fired.v1"
        summary: str
        made: UUID | None

    class Skipped(Created):
        """The rule could not act for this cause (the deal was closed meanwhile, the owner has no
        address): recorded, so it is not tried again, with the reason."""

        TOPIC = "keel.rulefiring.Skipped.v1"
        reason: str

    @classmethod
    def fired(
        cls, rule_id: UUID, rule_name: str, action: str, trigger: Trigger, summary: str, made: UUID | None, meta: Meta
    ) -> RuleFiring:
        return cls._create(
            cls.Fired,
            id=firing_id(rule_id, trigger.cause),
            **_common(rule_id, rule_name, action, trigger),
            summary=" ".join(summary.split())[:200] or "done",  # an owner's long name: cut, not refused
            made=made,
            **meta.stamp(trigger.on),
        )

    @classmethod
    def skipped(
        cls, rule_id: UUID, rule_name: str, action: str, trigger: Trigger, reason: str, meta: Meta
    ) -> RuleFiring:
        return cls._create(
            cls.Skipped,
            id=firing_id(rule_id, trigger.cause),
            **_common(rule_id, rule_name, action, trigger),
            reason=" ".join(reason.split())[:500] or "refused",
            **meta.stamp(trigger.on),
        )


def _common(rule_id: UUID, rule_name: str, action: str, trigger: Trigger) -> dict[str, object]:
    return {
        "rule_id": rule_id,
        "rule_name": rule_name,
        "cause": trigger.cause[:200],
        "subject_kind": trigger.subject_kind,
        "subject_id": trigger.subject_id,
        "action": action,
    }

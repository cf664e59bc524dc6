"""Sales rules' documents, one for every surface (ADR 0067): what HTTP sends, what
``keel rules … --format json`` prints and what the web app shows are these values and bytes."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from api.answers import json_bytes
from ledger.crm import DEFAULT_STAGES
from ledger.errors import InvalidValue, NotFound
from ledger.sales_rules import RuleSpec, check_spec
from projections.automation import sales_rule_queries as q
from projections.automation.rule_history import would_do
from projections.crm.lists import pipeline_stages

if TYPE_CHECKING:
    from api.system import Keel

RECENT = 5  # firings shown with each rule


def spec_document(rule_id: UUID | None, spec: RuleSpec) -> dict[str, Any]:
    return {
        "id": None if rule_id is None else str(rule_id),
        **{f: getattr(spec, f) for f in ("name", "trigger", "action", "stage", "source", "days", "in_days", "note")},
        "team": list(spec.team),
        "probability": None if spec.probability is None else str(spec.probability),
        "target_stage": spec.target_stage,
        "sequence_id": spec.sequence_id or None,
        "description": spec.describe(),
    }


def firing_document(f: q.FiringRow) -> dict[str, Any]:
    return {
        "id": str(f.id),
        "rule_id": str(f.rule_id),
        "rule_name": f.rule_name,
        "cause": f.cause,
        "outcome": f.outcome,
        "subject_kind": f.subject_kind,
        "subject_id": str(f.subject_id),
        "action": f.action,
        "summary": f.summary,
        "made": None if f.made is None else str(f.made),
        "on": f.on.isoformat(),
        "position": f.position,
        "recorded_at": f.recorded_at.isoformat(),
    }


def rule_document(keel: Keel, row: q.RuleRow) -> dict[str, Any]:
    return {
        **spec_document(row.id, row.spec),
        "status": row.status,
        "pause_reason": row.pause_reason,
        "since": row.since.isoformat(),
        "turns": row.turns,
        "fired": row.fired,
        "skipped": row.skipped,
        "owed": row.owed,
        "changed_at": row.changed_at.isoformat(),
        "recent": [firing_document(f) for f in q.firings(keel.views, row.id, RECENT)],
    }


def rules_list(keel: Keel) -> list[dict[str, Any]]:
    return [rule_document(keel, row) for row in q.rules(keel.views)]


def find_rule(keel: Keel, name_or_id: str) -> q.RuleRow:
    """A rule (not removed) by its id or its name (any case)."""
    wanted = name_or_id.strip().casefold()
    for row in q.rules(keel.views):
        if str(row.id) == wanted or row.spec.name.casefold() == wanted:
            return row
    raise NotFound(f"no sales rule {name_or_id.strip()[:80]!r}")


def list_document(keel: Keel) -> bytes:
    return json_bytes({"items": rules_list(keel)})


def rule_bytes(keel: Keel, rule: str) -> bytes:
    return json_bytes(rule_document(keel, find_rule(keel, rule)))


def firings_document(keel: Keel, rule: str | None, limit: int) -> bytes:
    rule_id = None if rule is None else find_rule(keel, rule).id
    return json_bytes({"items": [firing_document(f) for f in q.firings(keel.views, rule_id, limit)]})


def stages(keel: Keel) -> list[str]:
    return [s.key for s in pipeline_stages(keel.views)] or [s.key for s in DEFAULT_STAGES]


def test_document(keel: Keel, spec: RuleSpec | None, rule: str | None, start: date, end: date, limit: int) -> bytes:
    """What a draft rule (``spec``) or a saved one (``rule``: id or name) would have done for each
    trigger from ``start`` to ``end``. Nothing is written."""
    if (spec is None) == (rule is None):
        raise InvalidValue("rule: give a draft rule or a saved rule's id, one of the two")
    if end < start:
        raise InvalidValue(f"to: {end} is before from ({start})")
    rule_id, turn = None, 0
    if rule is not None:
        row = find_rule(keel, rule)
        rule_id, spec, turn = row.id, row.spec, row.turns
    assert spec is not None
    spec = check_spec(spec, stages(keel))
    found = would_do(keel.views, spec, start, end, limit, turn)
    items = [
        {
            "cause": w.trigger.cause,
            "on": w.trigger.on.isoformat(),
            "subject_kind": w.trigger.subject_kind,
            "subject_id": str(w.trigger.subject_id),
            "title": w.trigger.title,
            "owner": w.trigger.owner,
            "action": w.effect.action,
            "summary": w.effect.summary,
            "assigned_to": w.effect.owner if w.effect.action == "assign_owner" else None,
            "due": None if w.effect.due is None else w.effect.due.isoformat(),
            "note": w.effect.note,
            "probability": None if w.effect.probability is None else str(w.effect.probability),
            "stage": w.effect.stage or None,
        }
        for w in found.items
    ]
    document = {
        "rule": spec_document(rule_id, spec),
        "from": start.isoformat(),
        "to": end.isoformat(),
        "total": found.total,
        "items": items,
        "recorded": 0,
    }
    return json_bytes(document)

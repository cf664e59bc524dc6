"""Scenarios' documents, one for every surface (ADR 0066): what HTTP sends and ``keel scenarios
… --format json`` prints are these bytes; and a report with a scenario compared with the books
(or with another scenario), period by period."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from api.answers import Knowledge, answer, document, json_bytes
from api.scenarios import Changed, scenarios
from ledger.errors import InvalidValue
from projections.queries import Params
from projections.scenarios.store import Scenario

if TYPE_CHECKING:
    from api.system import Keel

COMPARED = ("cash-forecast",)  # the reports answered per period, in and out


def scenario_document(keel: Keel, s: Scenario) -> dict[str, Any]:
    from api.schemas.scenarios import ScenarioOut

    body = {
        **{k: getattr(s, k) for k in ("id", "name", "decided_on", "base_position", "revision")},
        **{k: getattr(s, k) for k in ("created_at", "created_by")},
        "base_known_at": s.base_recorded_at,
        "head_position": keel.app.head_position(),
        "assumptions": [
            {"number": n, "kind": a.kind, "description": a.describe(), "fields": a.as_dict()}
            for n, a in enumerate(s.assumptions, 1)
        ],
    }
    shaped: dict[str, Any] = ScenarioOut.model_validate(body).model_dump(mode="json")
    return shaped


def changed_document(keel: Keel, changed: Changed) -> bytes:
    dropped = [
        {"number": d.number, "kind": d.assumption.kind, "description": d.assumption.describe(), "why": d.why}
        | {"detail": d.detail}
        for d in changed.dropped
    ]
    return json_bytes(
        {
            "scenario": scenario_document(keel, changed.scenario),
            "branched": list(changed.built.branched),
            "events": changed.built.events,
            "build_seconds": round(changed.built.seconds, 3),
            "dropped": dropped,
        }
    )


def list_document(keel: Keel) -> bytes:
    return json_bytes({"items": [scenario_document(keel, s) for s in scenarios(keel).all()]})


def compared(keel: Keel, name: str, params: Params, compared_with: str) -> dict[str, Any]:
    """The report with the scenario of ``params`` and with ``compared_with`` ("base": the books as
    known at the scenario's base; else another scenario), and their difference per period."""
    if name not in COMPARED:
        raise InvalidValue(f"compare: only {', '.join(COMPARED)} is compared period by period, not {name}")
    scenario = params.filter("scenario")
    if scenario is None:
        raise InvalidValue("scenario: compare needs a scenario")
    with_scenario = answer(keel, name, params)
    others = tuple((k, v) for k, v in params.filters if k != "scenario")
    if compared_with == "base":
        s = scenarios(keel).stamp(scenario)
        base = answer(keel, name, replace(params, filters=others), Knowledge(s.base_recorded_at, s.base_position))
    else:
        base = answer(keel, name, replace(params, filters=(*others, ("scenario", compared_with))))
    difference = []
    for b, w in zip(base.result.periods, with_scenario.result.periods, strict=True):
        net_b, net_w = b.inflow - b.outflow, w.inflow - w.outflow
        difference.append(
            {
                "start": b.start.isoformat(),
                "end": b.end.isoformat(),
                "inflow": str(w.inflow - b.inflow),
                "outflow": str(w.outflow - b.outflow),
                "net": str(net_w - net_b),
                "closing_balance": str(w.closing - b.closing),
            }
        )
    return {
        "scenario": scenario,
        "compared_with": compared_with,
        "base": document(base),
        "with_scenario": document(with_scenario),
        "difference": difference,
    }

"""Sales rules in the web app (issue 23, ADR 0067): every rule with what it did lately, paused,
resumed or removed with a button; a form that tests a rule against history (what it would have done
between two dates, nothing written) or saves it. The form is the API's ``RuleIn``: a refusal is
shown beside its field, nothing written. Reading needs ``read:crm``, changing ``write:crm``, as over
the API; the lists are the documents the API sends (``api.sales_rule_answers``).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api import sales_rule_answers as answers
from api.schemas.sales_rules import RuleIn, RuleTestBody
from api.web.customer_360 import Csrf
from api.web.forms import Outcome, refused, run
from api.web.render import show
from api.web.visits import Visit, Visitor, checked_form, keel_of
from commands import messages as m
from ledger.access import READ_CRM, WRITE_CRM
from ledger.errors import DomainError
from ledger.sales_rules import ACTION_FIELDS, TRIGGER_FIELDS
from projections.automation.sequence_queries import sequences

router = APIRouter(include_in_schema=False)
RuleId = Annotated[UUID, Path()]
TRIGGERS = (
    ("deal_entered_stage", "A deal enters a stage"),
    ("lead_created", "A lead is captured (from a source)"),
    ("followup_overdue", "A follow-up is overdue by more than N days"),
    ("deal_idle", "A deal is idle for N days"),
)
ACTIONS = (
    ("create_followup", "Follow-up for the owner in N days"),
    ("assign_owner", "Assign an owner in turn (team)"),
    ("change_probability", "Change the probability"),
    ("move_stage", "Move the deal to a stage"),
    ("notify_owner", "E-mail the owner"),
    ("start_sequence", "Start an e-mail sequence"),
)


@router.get("/rules")
def rules_page(request: Request, visit: Visitor) -> Response:
    visit.require(READ_CRM, "Sales rules")
    return _page(request, visit)


def _rule(form: dict[str, str]) -> dict[str, Any]:
    """The form as the API's ``RuleIn`` takes it: empty fields left out (their defaults)."""
    trigger, action = form.get("trigger", ""), form.get("action", "")
    # only the fields the chosen trigger and action use: the others keep what was typed for another
    used = {"name", "trigger", "action", *TRIGGER_FIELDS.get(trigger, ()), *ACTION_FIELDS.get(action, ())}
    sent: dict[str, Any] = {k: v for k, v in form.items() if k in used}
    sent["team"] = [t.strip() for t in sent.get("team", "").split(",") if t.strip()]
    for number in ("days", "in_days"):
        text = sent.get(number, "").strip()
        sent[number] = int(text) if text.isdigit() else text or None
    return {k: v for k, v in sent.items() if v not in ("", None, [])}


async def _form(request: Request) -> dict[str, str]:
    return {k: str(v)[:2000] for k, v in (await request.form()).items() if isinstance(v, str)}


@router.post("/rules")
async def save_rule(request: Request, visit: Visitor, csrf: Csrf = "") -> Response:
    """``POST /v1/sales-rules``; the list again after it."""
    checked_form(request, visit, csrf)
    visit.require(WRITE_CRM, "Defining a sales rule")
    form = await _form(request)
    keel = keel_of(request)
    outcome = run(
        keel, lambda: RuleIn.model_validate(_rule(form)).to_command(visit.meta(), uuid4(), None), "/v1/sales-rules"
    )
    if not outcome.ok:
        return _page(request, visit, outcome, form)
    return RedirectResponse("/rules", status_code=303)


@router.post("/rules/test")
async def test_rule(request: Request, visit: Visitor, csrf: Csrf = "") -> Response:
    """``POST /v1/sales-rules/test``: what the form's rule would have done, listed; nothing written."""
    checked_form(request, visit, csrf)
    visit.require(READ_CRM, "Testing a sales rule")
    form = await _form(request)
    keel = keel_of(request)
    try:
        body = RuleTestBody.model_validate({"rule": _rule(form), "from": form.get("from"), "to": form.get("to")})
        assert body.rule is not None
        tested = answers.test_document(keel, body.rule.to_spec(), None, body.from_, body.to, body.limit)
    except (ValidationError, DomainError) as exc:
        outcome = refused(exc, "/v1/sales-rules/test")
        outcome.errors = {k.removeprefix("rule."): v for k, v in outcome.errors.items()}
        return _page(request, visit, outcome, form)
    return _page(request, visit, None, form, json.loads(tested))


@router.post("/rules/{rule_id}/{change}")
def change_rule(request: Request, visit: Visitor, rule_id: RuleId, change: str, csrf: Csrf = "") -> Response:
    checked_form(request, visit, csrf)
    visit.require(WRITE_CRM, "Changing a sales rule")
    commands = {"pause": m.PauseSalesRule, "resume": m.ResumeSalesRule, "remove": m.RemoveSalesRule}
    if change not in commands:
        return _page(request, visit, Outcome(status=404, detail=f"no such change: {change[:20]}"))
    outcome = run(keel_of(request), lambda: commands[change](meta=visit.meta(), rule_id=rule_id), "/v1/sales-rules")
    if not outcome.ok:
        return _page(request, visit, outcome)
    return RedirectResponse("/rules", status_code=303)


def _page(
    request: Request,
    visit: Visit,
    outcome: Outcome | None = None,
    kept: dict[str, str] | None = None,
    tested: dict[str, Any] | None = None,
) -> Response:
    keel = keel_of(request)
    today = keel.app.today()
    kept = {"from": (today - timedelta(days=91)).isoformat(), "to": today.isoformat(), **(kept or {})}
    stages = answers.stages(keel)
    return show(
        request,
        visit,
        "rules.html",
        outcome.status if outcome else 200,
        title="Sales rules",
        rules=answers.rules_list(keel),
        firings=json.loads(answers.firings_document(keel, None, 20))["items"],
        triggers=TRIGGERS,
        actions=ACTIONS,
        stages=[("", "—"), *((s, s) for s in stages)],
        sequences=[("", "—"), *((s.id, s.name) for s in sequences(keel.views) if not s.retired)],
        tested=tested,
        can_change=visit.can(WRITE_CRM),
        outcome=outcome,
        errors=outcome.errors if outcome else {},
        kept=kept,
    )

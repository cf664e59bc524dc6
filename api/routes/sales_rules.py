"""Sales automation rules (ADR 0067): when a deal enters a stage, a lead is captured, a follow-up
is overdue or a deal idles, do one thing (a follow-up, an owner in turn, a probability, a stage, an
e-mail to the owner), once per cause, by the worker (``keel worker``). Tested against history
without acting."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Path, Query, Response, status
from starlette.concurrency import run_in_threadpool

from api import sales_rule_answers as answers
from api import schemas
from api.deps import KeelDep, MetaDep, reads
from api.schemas import sales_rules as sr
from commands import messages as m

router = APIRouter(prefix="/v1/sales-rules", tags=["sales rules"])
RuleId = Annotated[UUID, Path(description="The rule's id")]
JSON = "application/json"


@router.post("", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def define(body: sr.SalesRuleBody, keel: KeelDep, meta: MetaDep, response: Response) -> m.CommandResult:
    """A rule, active from ``on`` (today): it acts on what happens after it is defined. A rule that
    would set itself off through others (a move into a stage whose entry moves the deal back; a
    follow-up made because one is overdue) is a 422 naming the circle; an ``id`` taken (also by a
    removed rule) is a 409."""
    result = keel.app.handle(body.to_command(meta, body.id or uuid4(), body.on))
    response.headers["Location"] = f"/v1/sales-rules/{result.id}"
    return result


@router.put("/{rule_id}", response_model=schemas.CommandAccepted)
def change(rule_id: RuleId, body: sr.RuleChangeBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """The rule's whole definition replaced (its round robin's turns are kept); the same definition
    records nothing (``position`` 0). Another trigger drops what the old one owed."""
    return keel.app.handle(body.to_command(meta, rule_id, body.on, replace=True))


@router.post("/{rule_id}/pause", response_model=schemas.CommandAccepted)
def pause(rule_id: RuleId, body: sr.PauseBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """Stop acting. What it owed and had not done is dropped: resumed, it acts on what happens next."""
    return keel.app.handle(m.PauseSalesRule(meta=meta, on=body.on, rule_id=rule_id, reason=body.reason))


@router.post("/{rule_id}/resume", response_model=schemas.CommandAccepted)
def resume(rule_id: RuleId, body: sr.WhenBody, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    return keel.app.handle(m.ResumeSalesRule(meta=meta, on=body.on, rule_id=rule_id))


@router.delete("/{rule_id}", response_model=schemas.CommandAccepted)
def remove(rule_id: RuleId, keel: KeelDep, meta: MetaDep) -> m.CommandResult:
    """The rule is gone from the list; its firings stay in the log and in ``/firings``."""
    return keel.app.handle(m.RemoveSalesRule(meta=meta, rule_id=rule_id))


@router.get("", response_model=sr.SalesRuleList, dependencies=[reads("sales_rules")])
async def list_rules(keel: KeelDep) -> Response:
    """Every rule (removed ones left out), by name, each with its counts and latest firings."""
    return Response(await run_in_threadpool(answers.list_document, keel), media_type=JSON)


@router.get("/firings", response_model=sr.FiringList, dependencies=[reads("sales_rules")])
async def list_firings(
    keel: KeelDep,
    rule: Annotated[str | None, Query(max_length=80, description="A rule's id or name")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> Response:
    """What the rules did, newest first: each firing with its cause, or the reason it was skipped."""
    return Response(await run_in_threadpool(answers.firings_document, keel, rule, limit), media_type=JSON)


@router.post("/test", response_model=sr.RuleTestOut, dependencies=[reads("crm", "sales_rules")])
async def test_rule(body: sr.RuleTestBody, keel: KeelDep) -> Response:
    """What a rule (a draft, or a saved one) would have done for each trigger dated between ``from``
    and ``to``, as the books know it now. Nothing is written (``recorded`` is 0)."""
    spec = None if body.rule is None else body.rule.to_spec()
    rule = None if body.rule_id is None else str(body.rule_id)
    found = await run_in_threadpool(answers.test_document, keel, spec, rule, body.from_, body.to, body.limit)
    return Response(found, media_type=JSON)


@router.get("/{rule_id}", response_model=sr.SalesRuleOut, dependencies=[reads("sales_rules")])
async def show_rule(rule_id: RuleId, keel: KeelDep) -> Response:
    return Response(await run_in_threadpool(answers.rule_bytes, keel, str(rule_id)), media_type=JSON)

"""The pipeline board (issue 20, ADR 0048): open deals in a column per stage, moved by drag and drop.

The columns are the pipeline's stages (``GET /v1/pipeline``), their counts and weighted totals the
pipeline report's (``/v1/reports/pipeline?by=stage``), the cards the open deals
(``/v1/deals?status=open``): the API's queries with the API's parameters. A card dropped on a
column — or moved with its "Move to" form, by keyboard or without script — is the API's command
(``move``, ``win``, ``lose``) with the deal's version the board showed as ``If-Match``: if someone
moved the deal since, nothing is written and the board comes back as it is now, saying so.
Rewound (a past ``as_of`` or ``known_at``) the board is read-only: one acts on the books as they are.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api import schemas
from api.answers import answer
from api.web.forms import Outcome, run
from api.web.render import show
from api.web.reports import Day, KnownAt
from api.web.rewind import controls, provenance
from api.web.visits import Refused, Visit, Visitor, checked_form, keel_of
from commands import messages as m
from ledger.access import READ_AUDIT, READ_CRM, READ_REPORTS, WRITE_CRM
from ledger.errors import DomainError
from projections.crm.lists import deal_versions, pipeline_stages
from projections.crm.reports import deal_as_of
from projections.finance.lists import get_customer
from projections.queries import Params
from projections.queries.core import Column

router = APIRouter(include_in_schema=False)
OUTCOMES = (("won", "Won"), ("lost", "Lost"))  # closing a deal: columns of their own, not stages
MAX_CARDS = 1000  # the API's largest page of deals
CARDS = 30  # per column on the whole board (Odoo's kanban shows 80 and "load more"); a stage's own board shows all
AMOUNT = Column("value", "amount")


@router.get("/pipeline")
def board(
    request: Request,
    visit: Visitor,
    as_of: Day = None,
    known_at: KnownAt = None,
    stage: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The board; ``stage`` shows every open deal of that stage (up to the API's largest page)."""
    return _board(request, visit, as_of, known_at, focus=stage or None)


@router.post("/pipeline/deals/{deal_id}/stage")
def move(
    request: Request,
    visit: Visitor,
    deal_id: UUID,
    stage: Annotated[str, Form(max_length=64)],
    version: Annotated[int, Form(ge=0, le=2**31)],
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Move the deal to ``stage`` (``won`` and ``lost`` close it) on the version the board showed."""
    checked_form(request, visit, csrf)
    visit.require(WRITE_CRM, "Moving a deal")
    keel = keel_of(request)
    done = run(keel, lambda: _command(stage, reason, visit, deal_id, version), request.url.path)
    if done.ok:
        if request.headers.get("hx-request"):  # htmx: the fresh board in place
            return _board(request, visit, None, None, moved=deal_id)
        return RedirectResponse(f"/pipeline?moved={deal_id}", status_code=303)
    return _board(request, visit, None, None, refused=done)


def _command(stage: str, reason: str, visit: Visit, deal_id: UUID, version: int) -> m.Command:
    """The API's command for a card moved to ``stage``: through the API's body schemas."""
    meta = visit.meta()
    if stage == "won":
        return schemas.OutcomeBody(reason=reason).to_command(meta, m.WinDeal, deal_id=deal_id, expected_version=version)
    if stage == "lost":
        body = schemas.ReasonBody(reason=reason or "lost on the pipeline board")
        return body.to_command(meta, m.LoseDeal, deal_id=deal_id, expected_version=version)
    return schemas.MoveDealBody(stage=stage).to_command(meta, deal_id, version)


def _board(
    request: Request,
    visit: Visit,
    as_of: date | None,
    known_at: str | None,
    moved: UUID | None = None,
    refused: Outcome | None = None,
    focus: str | None = None,
) -> Response:
    visit.require((READ_CRM, READ_REPORTS), "The pipeline board")
    keel = keel_of(request)
    day = as_of or keel.app.today()
    knowledge, time = controls(keel, {"as_of": as_of}, known_at)
    try:
        report = answer(keel, "pipeline", Params(as_of=day, by="stage"), knowledge)
        wanted = (("status", "open"), *((("stage", focus),) if focus else ()))
        deals = answer(keel, "deals", Params(as_of=day, filters=wanted, limit=MAX_CARDS), knowledge)
    except DomainError as exc:
        raise Refused(422, str(exc)) from None
    live = knowledge is None and day == keel.app.today()
    cards: dict[str, list[Any]] = defaultdict(list)
    for deal in deals.result.items:  # the oldest first, as the API lists them; a column shows a few
        if focus or len(cards[deal.stage]) < CARDS:
            cards[deal.stage].append(deal)
    shown = [d.deal_id for column in cards.values() for d in column]
    versions = deal_versions(keel.views, shown) if live else {}
    totals = {row.group: row for row in report.result.rows}
    stages = [(s.key, s.name, s.probability, totals.get(s.key)) for s in pipeline_stages(keel.views)]
    status = 200
    message = ""
    if refused is not None:
        outcome = refused
        status = 409 if outcome.status == 412 else outcome.status
        message = (
            "That deal was changed by someone else since you loaded the board; nothing was done. "
            "Here is the board as it is now."
            if outcome.status == 412
            else f"The deal was not moved: {outcome.detail}"
        )
    return show(
        request,
        visit,
        "pipeline.html",
        status,
        title="Pipeline",
        time=time,
        stages=stages,
        outcomes=[(key, label, getattr(report.result, key)) for key, label in OUTCOMES],
        cards=cards,
        versions=versions,
        live=live and visit.can(WRITE_CRM),
        moved=str(moved) if moved else "",
        message=message,
        focus=focus or "",
        more=focus is not None and deals.result.next_cursor is not None,
        customer_names=deals.result.customer_names,
        amount_column=AMOUNT,
        proof=provenance(report, "/v1/reports/pipeline", time, by="stage"),
    )


@router.get("/deals/{deal_id}")
def deal(request: Request, visit: Visitor, deal_id: UUID, as_of: Day = None, known_at: KnownAt = None) -> Response:
    """One deal as it stood on ``as_of`` as known at ``known_at`` (``GET /v1/deals/{id}``); its
    event timeline is the audit trail's page of the deal, for those who may read it."""
    visit.require(READ_CRM, "A deal")
    keel = keel_of(request)
    knowledge, time = controls(keel, {"as_of": as_of}, known_at)
    day = as_of or keel.app.today()
    found = deal_as_of(keel.views, str(deal_id), day, knowledge.moment if knowledge else None)
    if found is None:
        raise Refused(404, f"There is no deal {deal_id} on {day.isoformat()} (as known then).")
    customer = get_customer(keel.views, found.customer_id)
    return show(
        request,
        visit,
        "deal.html",
        title=found.title,
        deal=found,
        customer=customer.name if customer is not None else found.customer_id,
        time=time,
        amount_column=AMOUNT,
        timeline=visit.can(READ_AUDIT),
    )

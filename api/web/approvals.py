"""The approvals inbox (issue 20, ADR 0048): what waits for the logged-in person's decision.

The inbox lists the expense claims whose next approver is the user's login — what the API's
``GET /v1/expense-claims?status=submitted&next_approver=<login>`` answers, through the same query.
Approve and Reject are plain forms that send the API's own commands (``DateBody`` and
``ReasonBody`` as the approve and reject routes build them), conditional on the claim's version
the page showed (the API's ``If-Match``): someone who decided first is a 409 with the claim as it
stands now. A refusal is shown beside the item, with the status the API would answer; nothing is
written. Timesheets are not in the inbox: the API lists no timesheets awaiting approval (a week is
approved from its timesheet page).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api import schemas
from api.web.forms import Outcome, run
from api.web.render import show
from api.web.visits import Visit, Visitor, checked_form, keel_of
from commands.messages import ApproveExpenseClaim, RejectExpenseClaim
from ledger.access import READ_FINANCE, WRITE_EXPENSES
from projections.engine.db import ViewDatabase
from projections.finance import lists

router = APIRouter(include_in_schema=False)
INBOX = 100  # claims shown at once: the API's page size
Csrf = Annotated[str, Form(max_length=200)]
Version = Annotated[int, Form(ge=0, le=2**31)]


@router.get("/approvals")
def inbox(request: Request, visit: Visitor, done: Annotated[str, Query(max_length=300)] = "") -> Response:
    visit.require((READ_FINANCE, WRITE_EXPENSES), "The approvals inbox")
    return _inbox(request, visit, done=done)


@router.post("/approvals/claims/{claim_id}/approve")
def approve(request: Request, visit: Visitor, claim_id: UUID, version: Version, csrf: Csrf = "") -> Response:
    checked_form(request, visit, csrf)
    visit.require(WRITE_EXPENSES, "Approving an expense claim")
    outcome = run(
        keel_of(request),
        lambda: schemas.DateBody.model_validate({}).to_command(
            visit.meta(), ApproveExpenseClaim, claim_id=claim_id, expected_version=version
        ),
        f"/v1/expense-claims/{claim_id}/approve",
    )
    return _decided(request, visit, claim_id, outcome, "approved")


@router.post("/approvals/claims/{claim_id}/reject")
def reject(
    request: Request,
    visit: Visitor,
    claim_id: UUID,
    version: Version,
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf: Csrf = "",
) -> Response:
    checked_form(request, visit, csrf)
    visit.require(WRITE_EXPENSES, "Rejecting an expense claim")
    outcome = run(
        keel_of(request),
        lambda: schemas.ReasonBody.model_validate({"reason": reason}).to_command(
            visit.meta(), RejectExpenseClaim, claim_id=claim_id, expected_version=version
        ),
        f"/v1/expense-claims/{claim_id}/reject",
    )
    return _decided(request, visit, claim_id, outcome, "rejected", reason=reason)


def _decided(request: Request, visit: Visit, claim_id: UUID, outcome: Outcome, verb: str, **kept: str) -> Response:
    """After a decision, the inbox again (a link that says what was done); after a refusal, the
    inbox with the refusal beside the claim and the API's status."""
    if outcome.ok:
        return RedirectResponse("/approvals?" + urlencode({"done": f"{verb}:{claim_id}"}), status_code=303)
    return _inbox(request, visit, failed=str(claim_id), outcome=outcome, kept=kept, status=outcome.status)


def _done(views: ViewDatabase, done: str) -> str:
    """What the last decision was, said from the claim itself (``approved:<id>``): a link cannot
    put words of its own on the page."""
    verb, _, claim_id = done.partition(":")
    try:
        claim = lists.get_claim(views, str(UUID(claim_id))) if verb in ("approved", "rejected") else None
    except ValueError:
        claim = None
    return f"You {verb} {claim.description} ({claim.employee}); it is now {claim.status}." if claim else ""


def _inbox(
    request: Request,
    visit: Visit,
    done: str = "",
    failed: str = "",
    outcome: Outcome | None = None,
    kept: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    views = keel_of(request).views
    done = _done(views, done)
    waiting = lists.list_claims(views, "submitted", visit.user.login, None, None, INBOX)
    fresh = lists.get_claim(views, failed) if failed else None
    context: dict[str, Any] = {
        "title": "Approvals",
        "claims": waiting.items,
        "more": waiting.next_cursor is not None,
        "done": done,
        "failed": failed,
        "outcome": outcome,
        "kept": kept or {},
        "conflict": status == 412,  # the API's If-Match refusal: the version changed
        "fresh": fresh if fresh is not None and fresh.id not in {c.id for c in waiting.items} else None,
        "can_decide": visit.can(WRITE_EXPENSES),
        "api": "/v1/expense-claims?" + urlencode({"status": "submitted", "next_approver": visit.user.login}),
        "position": keel_of(request).app.head_position(),
    }
    return show(request, visit, "approvals.html", status, **context)

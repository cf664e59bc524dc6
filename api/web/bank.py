"""Bank reconciliation pages (issue 20, ADR 0048): the bank accounts, and an account's statement
lines beside the matches the API would suggest, with Match, Unmatch and Make a rule as forms.

The lists are the API's answers (``bank-accounts`` and ``bank-lines`` through ``api.answers``, the
same parameters as ``GET /v1/bank-accounts`` and ``GET /v1/bank-accounts/{id}/lines``), their
digests in the footer; the suggestions are what ``POST /v1/bank-accounts/{id}/reconcile`` with
``apply=false`` answers (``api.bank.auto_reconcile``: it only reads). Each form sends the command
the API's route sends (``MatchBody``, ``UnmatchBody``, ``BankRuleBody``); a refusal is shown beside
its line with the API's status, and nothing is written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qsl, quote, urlencode
from uuid import UUID

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from api import schemas
from api.answers import Knowledge, answer
from api.bank import auto_reconcile, bank_account, proposal_items
from api.web.forms import Outcome, run
from api.web.render import show
from api.web.rewind import Controls, controls, provenance
from api.web.visits import Refused, Visit, Visitor, checked_form, keel_of
from ledger.access import READ_FINANCE, WRITE_FINANCE
from ledger.errors import DomainError
from ledger.reconciliation import Tolerance
from projections.finance.bank_reports import BankAccountView
from projections.queries import Params, named
from projections.queries.core import columns

if TYPE_CHECKING:
    from api.system import Keel
    from projections.queries import Answer

router = APIRouter(include_in_schema=False)
AsOf = Annotated[date | None, Query()]
KnownAt = Annotated[str | None, Query(max_length=40)]
AMOUNT = columns("amount:amount")[0]
AccountId = Annotated[str, Path(max_length=200)]
Csrf = Annotated[str, Form(max_length=200)]
Back = Annotated[str, Form(max_length=200)]


@router.get("/bank")
def accounts(request: Request, visit: Visitor, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """The bank accounts as ``GET /v1/bank-accounts`` lists them."""
    visit.require(READ_FINANCE, "The bank")
    keel = keel_of(request)
    knowledge, time = controls(keel, {"as_of": as_of}, known_at)
    found = _answer(keel, "bank-accounts", Params(as_of=as_of), knowledge)
    return show(
        request,
        visit,
        "bank.html",
        title="Bank",
        accounts=found.result.items,
        time=time,
        proof=provenance(found, "/v1/bank-accounts", time),
    )


@router.get("/bank/{account_id}")
def lines(
    request: Request,
    visit: Visitor,
    account_id: AccountId,
    unmatched: bool = False,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The account's statement lines as ``GET /v1/bank-accounts/{id}/lines`` lists them."""
    return _lines_page(request, visit, account_id, unmatched, as_of, known_at, cursor)


def _lines_page(
    request: Request,
    visit: Visit,
    account_id: str,
    unmatched: bool,
    as_of: date | None,
    known_at: str | None,
    cursor: str | None,
    outcome: Outcome | None = None,
    failed: str = "",
) -> Response:
    visit.require(READ_FINANCE, "The bank")
    keel = keel_of(request)
    knowledge, time = controls(keel, {"as_of": as_of}, known_at)
    account = _account(keel, account_id)
    filters = named(bank_account=account.id, unmatched="true" if unmatched else None)
    found = _answer(keel, "bank-lines", Params(as_of=as_of, filters=filters, cursor=cursor, limit=100), knowledge)
    # Suggestions and the buttons that act on the books: for who may write, on the books as they are now
    acting = visit.can(WRITE_FINANCE) and knowledge is None
    suggestions = _suggestions(keel, account, visit.user.login) if acting else {}
    shown = {"unmatched": "true"} if unmatched else {}
    context: dict[str, Any] = {
        "title": f"Bank: {account.name}",
        "account": account,
        "lines": found.result.items,
        "next_cursor": found.result.next_cursor,
        "suggestions": suggestions,
        "acting": acting,
        "unmatched": unmatched,
        "time": time,
        "here_query": time.query(**shown),
        "filter_links": _filter_links(account.id, time),
        "outcome": outcome,
        "failed": failed,
        "amount_column": AMOUNT,
        "proof": provenance(found, f"/v1/bank-accounts/{account.id}/lines", time, **shown),
    }
    return show(request, visit, "bank_lines.html", outcome.status if outcome else 200, **context)


@router.post("/bank/{account_id}/lines/{line_id}/match")
def match(
    request: Request,
    visit: Visitor,
    account_id: AccountId,
    line_id: UUID,
    csrf: Csrf = "",
    back: Back = "",
    kind: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies a default)
    target: Annotated[list[str], Form()] = [],  # noqa: B006
    amount: Annotated[list[str], Form()] = [],  # noqa: B006
    fee: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    """Accept a suggestion: ``POST /v1/bank-lines/{id}/match`` with its items."""
    checked_form(request, visit, csrf)
    visit.require(WRITE_FINANCE, "Matching a bank line")
    items = [
        {"kind": k, "target": t, "amount": a, "fee": f} for k, t, a, f in zip(kind, target, amount, fee, strict=False)
    ]
    done = run(
        keel_of(request),
        lambda: schemas.MatchBody.model_validate({"items": items}).to_command(visit.meta(), line_id),
        f"/v1/bank-lines/{line_id}/match",
    )
    return _after(request, visit, account_id, line_id, back, done)


@router.post("/bank/{account_id}/lines/{line_id}/unmatch")
def unmatch(
    request: Request,
    visit: Visitor,
    account_id: AccountId,
    line_id: UUID,
    csrf: Csrf = "",
    back: Back = "",
    reason: Annotated[str, Form(max_length=600)] = "unmatched",
) -> Response:
    """Take a match back: ``POST /v1/bank-lines/{id}/unmatch``."""
    checked_form(request, visit, csrf)
    visit.require(WRITE_FINANCE, "Unmatching a bank line")
    done = run(
        keel_of(request),
        lambda: schemas.UnmatchBody.model_validate({"reason": reason or "unmatched"}).to_command(visit.meta(), line_id),
        f"/v1/bank-lines/{line_id}/unmatch",
    )
    return _after(request, visit, account_id, line_id, back, done)


@router.post("/bank/{account_id}/lines/{line_id}/rule")
def make_rule(
    request: Request,
    visit: Visitor,
    account_id: AccountId,
    line_id: UUID,
    csrf: Csrf = "",
    back: Back = "",
    name: Annotated[str, Form(max_length=300)] = "",
    contains: Annotated[str, Form(max_length=300)] = "",
    ledger_account: Annotated[str, Form(max_length=100)] = "",
    direction: Annotated[str, Form(max_length=10)] = "any",
) -> Response:
    """A reconciliation rule from a line: ``POST /v1/bank-rules`` (the next reconcile applies it)."""
    checked_form(request, visit, csrf)
    visit.require(WRITE_FINANCE, "Making a bank rule")
    body = {"name": name, "contains": contains, "account": ledger_account, "direction": direction}
    done = run(
        keel_of(request), lambda: schemas.BankRuleBody.model_validate(body).to_command(visit.meta()), "/v1/bank-rules"
    )
    if done.errors.get("account"):  # the form names the ledger account's field differently
        done.errors["ledger_account"] = done.errors.pop("account")
    return _after(request, visit, account_id, line_id, back, done)


def _after(request: Request, visit: Visit, account_id: str, line_id: UUID, back: str, done: Outcome) -> Response:
    """Done: back to the lines as they were shown (the line in view). Refused: the same page with the
    refusal beside the line, with the API's status."""
    kept = _kept_query(back)
    if done.ok:
        query = urlencode(kept)
        target = f"/bank/{quote(account_id, safe='')}" + (f"?{query}" if query else "") + f"#line-{line_id}"
        return RedirectResponse(target, status_code=303)
    as_of = date.fromisoformat(kept["as_of"]) if kept.get("as_of") else None
    # every line: the refused one is among them even when it was matched meanwhile
    return _lines_page(request, visit, account_id, False, as_of, None, None, done, str(line_id))


def _kept_query(back: str) -> dict[str, str]:
    """What of the page's query a form keeps (``as_of``, ``unmatched``): only those, only well-formed."""
    kept: dict[str, str] = {}
    for key, value in parse_qsl(back)[:5]:
        if key == "unmatched" and value == "true":
            kept[key] = value
        elif key == "as_of":
            try:
                kept[key] = date.fromisoformat(value).isoformat()
            except ValueError:
                continue
    return kept


def _account(keel: Keel, account_id: str) -> BankAccountView:
    try:
        return bank_account(keel, account_id)
    except DomainError as exc:
        raise Refused(404, str(exc)) from None


def _answer(keel: Keel, name: str, params: Params, knowledge: Knowledge | None) -> Answer[Any]:
    try:
        return answer(keel, name, params, knowledge)
    except DomainError as exc:
        raise Refused(422, str(exc)) from None


def _suggestions(keel: Keel, account: BankAccountView, visit_actor: str) -> dict[str, dict[str, Any]]:
    """Line id → what the API's reconcile route suggests for it (``apply=false``: nothing written)."""
    given = schemas.ReconcileBody()  # the tolerances the API's route takes when the body leaves them out
    tolerance = Tolerance(Decimal(given.tolerance_amount), Decimal(given.tolerance_percent))
    done = auto_reconcile(keel, account, visit_actor, tolerance, apply=False)
    return {p.line_id: {"score": p.score, "why": p.why, "items": proposal_items(p)} for p in done.suggested}


def _filter_links(account_id: str, time: Controls) -> list[tuple[str, str, bool]]:
    base = f"/bank/{quote(account_id, safe='')}"
    every, only = time.query(), time.query(unmatched="true")
    return [(base + (f"?{every}" if every else ""), "All lines", False), (f"{base}?{only}", "Unmatched", True)]

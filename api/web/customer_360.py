"""The customer 360 in the web app (issue 20, ADR 0048): one customer across CRM and finance.

The page is the API's ``GET /v1/customers/{id}/360`` (``customer-360`` through ``api.answers``,
the same ``as_of``, ``known_at`` and customer): contacts, deals as they stood, the timeline of
activities, invoices, payments, projects, the open balance and credit, with the answer's digest
in the footer. Deals and invoices link to their own pages. Three forms send the API's CRM
commands on the customer (scope ``write:crm``): add a contact (``ContactBody``), log an activity
(``ActivityBody``) and schedule a follow-up (``FollowUpBody``); a refusal is shown beside the
field it names with the API's status, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api import schemas
from api.answers import Knowledge, answer
from api.problems import domain_problem
from api.web.forms import Outcome, run
from api.web.render import show
from api.web.rewind import controls, provenance
from api.web.visits import Refused, Visit, Visitor, checked_form, keel_of
from ledger.access import READ_CRM, READ_REPORTS, WRITE_CRM
from ledger.errors import DomainError
from projections.queries import Params

if TYPE_CHECKING:
    from api.system import Keel
    from projections.queries import Answer

router = APIRouter(include_in_schema=False)
AsOf = Annotated[date | None, Query()]
KnownAt = Annotated[str | None, Query(max_length=40)]
Csrf = Annotated[str, Form(max_length=200)]
# Longer than the API allows: the API's schema refuses an over-long value, beside its field
Field = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=40)]
DONE = {  # what a form did, said by the page (a link cannot put words of its own on it)
    "contact": "The contact was added.",
    "activity": "The activity was logged.",
    "follow-up": "The follow-up was scheduled; it shows in the follow-ups report of its owner.",
}
KINDS = (("call", "Call"), ("email", "E-mail"), ("meeting", "Meeting"), ("note", "Note"))


@router.get("/customers/{customer_id}")
def customer_360(
    request: Request,
    visit: Visitor,
    customer_id: UUID,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The customer's 360 as ``GET /v1/customers/{id}/360`` answers it."""
    return _page(request, visit, customer_id, as_of, known_at, done=DONE.get(done, ""))


def _page(
    request: Request,
    visit: Visit,
    customer_id: UUID,
    as_of: date | None = None,
    known_at: str | None = None,
    done: str = "",
    outcome: Outcome | None = None,
    form: str = "",
    kept: dict[str, str] | None = None,
) -> Response:
    visit.require((READ_CRM, READ_REPORTS), "The customer 360")
    keel = keel_of(request)
    knowledge, time = controls(keel, {"as_of": as_of}, known_at)
    params = Params(as_of=as_of, filters=(("customer", str(customer_id)),))
    found = answer_or_refuse(keel, "customer-360", params, knowledge)
    view = found.result
    context: dict[str, Any] = {
        "title": view.name,
        "view": view,
        "time": time,
        "keep": time.query(),
        "done": done,
        "outcome": outcome,
        "form": form,
        "errors": outcome.errors if outcome else {},
        "kept": kept or {},
        # the forms act on the books as they are now, for who may write CRM
        "acting": visit.can(WRITE_CRM) and knowledge is None,
        "can_write": visit.can(WRITE_CRM),
        "today": keel.app.today().isoformat(),
        "kinds": KINDS,
        "proof": provenance(found, f"/v1/customers/{customer_id}/360", time),
    }
    return show(request, visit, "customer_360.html", outcome.status if outcome else 200, **context)


@router.post("/customers/{customer_id}/contacts")
def add_contact(
    request: Request,
    visit: Visitor,
    customer_id: UUID,
    csrf: Csrf = "",
    name: Field = "",
    email: Field = "",
    phone: Field = "",
    role: Field = "",
) -> Response:
    """``POST /v1/customers/{id}/contacts``."""
    checked_form(request, visit, csrf)
    visit.require(WRITE_CRM, "Adding a contact")
    kept = {"name": name, "email": email, "phone": phone, "role": role}
    return _act(
        request,
        visit,
        customer_id,
        "contact",
        kept,
        lambda: schemas.ContactBody.model_validate(kept).to_command(visit.meta(), customer_id),
        f"/v1/customers/{customer_id}/contacts",
    )


@router.post("/customers/{customer_id}/activities")
def log_activity(
    request: Request,
    visit: Visitor,
    customer_id: UUID,
    csrf: Csrf = "",
    kind: Short = "note",
    subject: Field = "",
    body: Annotated[str, Form(max_length=20000)] = "",
    on: Short = "",
) -> Response:
    """``POST /v1/activities`` about this customer."""
    checked_form(request, visit, csrf)
    visit.require(WRITE_CRM, "Logging an activity")
    kept = {"kind": kind, "subject": subject, "body": body, "on": on}
    given = {**kept, "on": on or None, "about_kind": "customer", "about_id": str(customer_id)}
    return _act(
        request,
        visit,
        customer_id,
        "activity",
        kept,
        lambda: schemas.ActivityBody.model_validate(given).to_command(visit.meta()),
        "/v1/activities",
    )


@router.post("/customers/{customer_id}/follow-ups")
def schedule_follow_up(
    request: Request,
    visit: Visitor,
    customer_id: UUID,
    csrf: Csrf = "",
    owner: Field = "",
    due: Short = "",
    note: Field = "",
) -> Response:
    """``POST /v1/follow-ups`` about this customer."""
    checked_form(request, visit, csrf)
    visit.require(WRITE_CRM, "Scheduling a follow-up")
    kept = {"owner": owner, "due": due, "note": note}
    given = {**kept, "about_kind": "customer", "about_id": str(customer_id)}
    return _act(
        request,
        visit,
        customer_id,
        "follow-up",
        kept,
        lambda: schemas.FollowUpBody.model_validate(given).to_command(visit.meta()),
        "/v1/follow-ups",
    )


def _act(
    request: Request,
    visit: Visit,
    customer_id: UUID,
    form: str,
    kept: dict[str, str],
    build: Callable[[], Any],
    path: str,
) -> Response:
    """The command through the API's path; done: the 360 again, saying so; refused: the 360 with the
    form's fields kept and the refusal beside the field it names, with the API's status."""
    done = run(keel_of(request), build, path)
    if done.ok:
        return RedirectResponse(f"/customers/{customer_id}?{urlencode({'done': form})}#{form}", status_code=303)
    return _page(request, visit, customer_id, outcome=done, form=form, kept=kept)


def answer_or_refuse(keel: Keel, name: str, params: Params, knowledge: Knowledge | None) -> Answer[Any]:
    """The API's answer; what the API refuses (a bad cursor, an unknown customer) a page with its status."""
    try:
        return answer(keel, name, params, knowledge)
    except DomainError as exc:
        raise Refused(domain_problem(exc, "/")[0], str(exc)) from None

"""Customers in the web app (issue 20, ADR 0048): the list that rewinds, and registering one.

The list is the API's answer to ``GET /v1/customers`` (``customers`` through ``api.answers``, the
same ``as_of``, ``known_at``, ``name`` filter, cursor and page size), so its rows and digest are
the API's; the search box is the API's ``name`` filter (part of the name, any case). Registering
sends the API's own ``RegisterCustomerBody`` (``POST /v1/customers``, scope ``write:customers``): a
refusal is shown beside the field it names, with the API's status, and nothing is written; a
registered customer opens on its 360 (``api/web/customer_360.py``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api import schemas
from api.web import customer_360
from api.web.customer_360 import AsOf, Csrf, Field, KnownAt, answer_or_refuse
from api.web.forms import Outcome, run
from api.web.render import show
from api.web.rewind import controls, provenance
from api.web.visits import Visit, Visitor, checked_form, keel_of
from ledger.access import READ_CRM, WRITE_CUSTOMERS
from projections.queries import Params

router = APIRouter(include_in_schema=False)
PAGE = 100  # the API's page size when a client gives none: the same page, the same digest


@router.get("/customers")
def customers(
    request: Request,
    visit: Visitor,
    q: Annotated[str, Query(max_length=200)] = "",
    as_of: AsOf = None,
    known_at: KnownAt = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The customers as ``GET /v1/customers?name=<q>`` lists them, a page at a time."""
    visit.require(READ_CRM, "The customer list")
    keel = keel_of(request)
    knowledge, time = controls(keel, {"as_of": as_of}, known_at)
    search = q.strip()
    filters = (("name", search),) if search else ()
    found = answer_or_refuse(
        keel, "customers", Params(as_of=as_of, filters=filters, cursor=cursor, limit=PAGE), knowledge
    )
    shown = {"name": search} if search else {}
    following = found.result.next_cursor
    context: dict[str, Any] = {
        "title": "Customers",
        "customers": found.result.items,
        "q": search,
        "time": time,
        "keep": time.query(),  # the time of the list, kept by the links to a customer
        "next_page": "?" + time.query(**({"q": search} if search else {}), cursor=following) if following else "",
        "first_page": ("?" + time.query(**({"q": search} if search else {}))) if cursor else "",
        "can_register": visit.can(WRITE_CUSTOMERS),
        "proof": provenance(found, "/v1/customers", time, **shown),
    }
    return show(request, visit, "customers.html", **context)


@router.get("/customers/new")
def new_customer(request: Request, visit: Visitor) -> Response:
    visit.require(WRITE_CUSTOMERS, "Registering a customer")
    return _form(request, visit)


@router.post("/customers/new")
def register(
    request: Request,
    visit: Visitor,
    csrf: Csrf = "",
    name: Field = "",
    currency: Annotated[str, Form(max_length=20)] = "",
    payment_terms_days: Annotated[str, Form(max_length=20)] = "30",
    on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """``POST /v1/customers`` with the form's fields; the new customer's 360 after it."""
    checked_form(request, visit, csrf)
    visit.require(WRITE_CUSTOMERS, "Registering a customer")
    body = {
        "name": name,
        "payment_terms_days": payment_terms_days or "30",
        "currency": currency or None,
        "on": on or None,
    }
    done = run(
        keel_of(request),
        lambda: schemas.RegisterCustomerBody.model_validate(body).to_command(visit.meta()),
        "/v1/customers",
    )
    if done.ok and done.result is not None:
        return RedirectResponse(f"/customers/{done.result.id}", status_code=303)
    kept = {"name": name, "currency": currency, "payment_terms_days": payment_terms_days, "on": on}
    return _form(request, visit, done, kept)


def _form(
    request: Request, visit: Visit, outcome: Outcome | None = None, kept: dict[str, str] | None = None
) -> Response:
    keel = keel_of(request)
    return show(
        request,
        visit,
        "customer_new.html",
        outcome.status if outcome else 200,
        title="Register a customer",
        outcome=outcome,
        errors=outcome.errors if outcome else {},
        kept=kept or {"payment_terms_days": "30"},
        books_currency=keel.functional_currency,
    )


# the customer's 360 after the list's own paths (``/customers/new`` is no customer id)
router.include_router(customer_360.router)

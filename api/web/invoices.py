"""Invoices (issue 20, ADR 0048): the list with its status filter and totals, an invoice with its
lines and payments, and the forms that draft, issue and record a payment.

The list is the API's ``GET /v1/invoices`` (the same query, as of a date and as known then); an
invoice is ``GET /v1/invoices/{id}`` (as it stands now, its version the If-Match of its forms).
Each form builds the API's request body (``DraftInvoiceBody``, ``IssueInvoiceBody``,
``RecordPaymentBody``) and sends its command; a refusal comes back beside the field it names,
with the API's status, and nothing is written. The roles are the API's: sales drafts, accounting
issues and records payments.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api import schemas
from api.answers import answer
from api.web.forms import Outcome, run
from api.web.render import show
from api.web.reports import Cursor, Day, KnownAt
from api.web.rewind import controls, provenance
from api.web.visits import Refused, Visit, Visitor, checked_form, keel_of
from ledger.access import DRAFT_INVOICES, READ_INVOICES, WRITE_FINANCE
from ledger.errors import DomainError
from projections.finance import lists, records
from projections.queries import Params
from projections.queries.core import Column, named

router = APIRouter(include_in_schema=False)
AMOUNT = Column("amount", "amount")
Csrf = Annotated[str, Form(max_length=200)]
Field = Annotated[str, Form(max_length=200)]


@router.get("/invoices")
def invoice_list(
    request: Request,
    visit: Visitor,
    as_of: Day = None,
    known_at: KnownAt = None,
    status: Annotated[Literal["draft", "issued", "voided"] | None, Query()] = None,
    cursor: Cursor = None,
) -> Response:
    visit.require(READ_INVOICES, "Invoices")
    keel = keel_of(request)
    knowledge, time = controls(keel, {"as_of": as_of}, known_at)
    params = Params(as_of=as_of, filters=named(status=status), cursor=cursor, limit=100)
    try:
        found = answer(keel, "invoices", params, knowledge)
    except DomainError as exc:
        raise Refused(422, str(exc)) from None
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for invoice in found.result.items:  # this page's totals per currency: invoiced and still owed
        totals[invoice.currency][0] += invoice.total
        totals[invoice.currency][1] += invoice.outstanding
    more = {"status": status} if status else {}
    return show(
        request,
        visit,
        "invoices.html",
        title="Invoices",
        time=time,
        invoices=found.result.items,
        names=found.result.customer_names,
        totals=sorted(totals.items()),
        shown_status=status or "",
        next=time.query(**more, cursor=found.result.next_cursor) if found.result.next_cursor else "",
        amount_column=AMOUNT,
        can_draft=visit.can(DRAFT_INVOICES),
        proof=provenance(found, "/v1/invoices", time, **more),
    )


@router.get("/invoices/new")
def new_invoice(request: Request, visit: Visitor) -> Response:
    visit.require(DRAFT_INVOICES, "Drafting an invoice")
    return _new_form(request, visit, {}, None)


@router.post("/invoices/new")
def draft_invoice(
    request: Request,
    visit: Visitor,
    customer_id: Field = "",
    description: Annotated[str, Form(alias="lines.0.description", max_length=2000)] = "",
    quantity: Annotated[str, Form(alias="lines.0.quantity", max_length=40)] = "",
    unit_price: Annotated[str, Form(alias="lines.0.unit_price", max_length=40)] = "",
    tax_percent: Annotated[str, Form(max_length=40)] = "0",
    on: Annotated[str, Form(max_length=40)] = "",
    csrf: Csrf = "",
) -> Response:
    checked_form(request, visit, csrf)
    visit.require(DRAFT_INVOICES, "Drafting an invoice")
    given = {
        "customer_id": customer_id,
        "lines": [{"description": description, "quantity": quantity, "unit_price": unit_price}],
        "tax_percent": tax_percent,
        "on": on or None,
    }
    keel = keel_of(request)
    done = run(keel, lambda: schemas.DraftInvoiceBody.model_validate(given).to_command(visit.meta()), request.url.path)
    if done.result is not None:
        return RedirectResponse(f"/invoices/{done.result.id}?done=drafted", status_code=303)
    shown = {"customer_id": customer_id, "lines.0.description": description, "lines.0.quantity": quantity}
    return _new_form(
        request, visit, {**shown, "lines.0.unit_price": unit_price, "tax_percent": tax_percent, "on": on}, done
    )


def _new_form(request: Request, visit: Visit, given: dict[str, str], outcome: Outcome | None) -> Response:
    customers = answer(keel_of(request), "customers", Params(limit=1000), None).result.items
    choices = [("", "(choose a customer)")] + [(c.id, c.name) for c in customers]
    status = outcome.status if outcome is not None else 200
    return show(
        request,
        visit,
        "invoice_new.html",
        status,
        title="Draft an invoice",
        given=given,
        outcome=outcome,
        customers=choices,
    )


@router.get("/invoices/{invoice_id}")
def invoice(
    request: Request, visit: Visitor, invoice_id: UUID, done: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    return invoice_page(request, visit, invoice_id, None, {}, done)


@router.post("/invoices/{invoice_id}/issue")
def issue(
    request: Request, visit: Visitor, invoice_id: UUID, version: Annotated[int, Form(ge=0)], csrf: Csrf = ""
) -> Response:
    checked_form(request, visit, csrf)
    visit.require(WRITE_FINANCE, "Issuing an invoice")
    made = run(
        keel_of(request),
        lambda: schemas.IssueInvoiceBody().to_command(visit.meta(), invoice_id, version),
        request.url.path,
    )
    if made.ok:
        return RedirectResponse(f"/invoices/{invoice_id}?done=issued", status_code=303)
    return invoice_page(request, visit, invoice_id, made, {})


@router.post("/invoices/{invoice_id}/payments")
def record_payment(
    request: Request,
    visit: Visitor,
    invoice_id: UUID,
    amount: Field = "",
    on: Field = "",
    reference: Field = "",
    csrf: Csrf = "",
) -> Response:
    checked_form(request, visit, csrf)
    visit.require(WRITE_FINANCE, "Recording a payment")
    keel = keel_of(request)
    shown = find_invoice(keel, invoice_id)
    given = {
        "customer_id": shown.customer_id,
        "amount": amount,
        "currency": shown.currency,
        "allocations": [{"invoice_id": str(invoice_id), "amount": amount}],
        "reference": reference,
        "on": on or None,
    }
    made = run(keel, lambda: schemas.RecordPaymentBody.model_validate(given).to_command(visit.meta()), request.url.path)
    if made.ok:
        return RedirectResponse(f"/invoices/{invoice_id}?done=paid", status_code=303)
    made.errors = {("amount" if k.startswith("allocations") else k): v for k, v in made.errors.items()}
    return invoice_page(request, visit, invoice_id, made, {"amount": amount, "on": on, "reference": reference})


def find_invoice(keel: Any, invoice_id: UUID) -> lists.InvoiceView:
    found = lists.get_invoice(keel.views, str(invoice_id))
    if found is None:
        raise Refused(404, f"There is no invoice {invoice_id}.")
    return found


def invoice_page(
    request: Request, visit: Visit, invoice_id: UUID, outcome: Outcome | None, given: dict[str, str], done: str = ""
) -> Response:
    visit.require(READ_INVOICES, "An invoice")
    keel = keel_of(request)
    shown = find_invoice(keel, invoice_id)
    registered = lists.get_customer(keel.views, shown.customer_id)  # as GET /v1/customers/{id}
    customer = registered.name if registered is not None else shown.customer_id
    status = outcome.status if outcome is not None else 200
    if outcome is not None and outcome.status == 412:
        outcome.detail = (
            "The invoice was changed by someone else since you opened it; nothing was done. Here it is now."
        )
    return show(
        request,
        visit,
        "invoice.html",
        409 if status == 412 else status,
        title=f"Invoice {shown.number or '(draft)'}",
        invoice=shown,
        customer=customer,
        outcome=outcome,
        given=given,
        done=done,
        amount_column=AMOUNT,
        can_act=visit.can(WRITE_FINANCE),
        credit_notes=records.credit_notes_of(keel.views, str(invoice_id)),  # GET /v1/invoices/{id}/credit-notes
    )

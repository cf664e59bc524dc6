"""What finance does to an issued invoice from its page (issue 20, ADR 0048): mark it sent, credit
all or part of it, write off what is owed, void it, and see its PDF or its credit notes' PDFs.

Each form builds the body of the API's route (``SendInvoiceBody``, ``CreditNoteBody``,
``ReasonBody``) and sends its command with the version the page was shown at (If-Match), with
the scopes the API's rule gives that route. The PDFs are the API's answer, the same bytes and
digests (``api.routes.documents``), for a session instead of a key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api import schemas
from api.access import required_scopes
from api.documents import render
from api.problems import domain_problem
from api.routes.documents import document_response
from api.web.forms import run
from api.web.invoices import invoice_page
from api.web.visits import Refused, Visit, Visitor, checked_form, keel_of
from commands.messages import VoidInvoice, WriteOffInvoice
from ledger.einvoice import CREDIT_NOTE, INVOICE
from ledger.errors import DomainError
from projections.finance import records

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=200)]
Version = Annotated[int, Form(ge=0)]
Reason = Annotated[str, Form(max_length=2000)]
Field = Annotated[str, Form(max_length=200)]
Download = Annotated[bool, Query()]


def _scopes(method: str, path: str) -> tuple[str, ...]:
    found = required_scopes(method, path)
    assert found is not None, path
    return found


def _act(
    request: Request,
    visit: Visit,
    invoice_id: UUID,
    api_path: str,
    what: str,
    build: Callable[[], Any],
    given: dict[str, str],
) -> Response:
    """Send the command ``build`` makes, with the role the API's route needs; back to the invoice
    saying it was done, or with the refusal beside the field of the form that was sent (``given``
    shown again)."""
    visit.require(_scopes("POST", f"/v1/invoices/{{invoice_id}}/{api_path}"), what)
    made = run(keel_of(request), build, request.url.path)
    if made.ok:
        return RedirectResponse(f"/invoices/{invoice_id}?done={api_path}", status_code=303)
    return invoice_page(request, visit, invoice_id, made, {**given, "form": api_path})


@router.post("/invoices/{invoice_id}/send")
def send(
    request: Request, visit: Visitor, invoice_id: UUID, version: Version, csrf: Csrf = "", to: Field = ""
) -> Response:
    checked_form(request, visit, csrf)
    body = {"to": to}
    build = lambda: schemas.SendInvoiceBody.model_validate(body).to_command(visit.meta(), invoice_id, version)  # noqa: E731
    return _act(request, visit, invoice_id, "send", "Marking an invoice sent", build, body)


@router.post("/invoices/{invoice_id}/credit-notes")
def credit(
    request: Request,
    visit: Visitor,
    invoice_id: UUID,
    csrf: Csrf = "",
    reason: Reason = "",
    whole: Annotated[str, Form(max_length=10)] = "",
    description: Annotated[str, Form(alias="lines.0.description", max_length=2000)] = "",
    quantity: Annotated[str, Form(alias="lines.0.quantity", max_length=40)] = "",
    unit_price: Annotated[str, Form(alias="lines.0.unit_price", max_length=40)] = "",
    tax_rate: Annotated[str, Form(alias="lines.0.tax_rate", max_length=40)] = "",
) -> Response:
    """All of the invoice (``whole``), or one line of it: what the API's credit note takes."""
    checked_form(request, visit, csrf)
    line = {"description": description, "quantity": quantity, "unit_price": unit_price}
    if tax_rate:  # else the API's default
        line["tax_rate"] = tax_rate
    body = {"reason": reason, "lines": [] if whole else [line]}
    build = lambda: schemas.CreditNoteBody.model_validate(body).to_command(visit.meta(), invoice_id)  # noqa: E731
    shown = {f"lines.0.{k}": v for k, v in line.items()}
    return _act(request, visit, invoice_id, "credit-notes", "Crediting an invoice", build, {**shown, "reason": reason})


@router.post("/invoices/{invoice_id}/write-off")
def write_off(
    request: Request, visit: Visitor, invoice_id: UUID, version: Version, csrf: Csrf = "", reason: Reason = ""
) -> Response:
    checked_form(request, visit, csrf)

    def build() -> WriteOffInvoice:
        body = schemas.ReasonBody.model_validate({"reason": reason})
        return body.to_command(visit.meta(), WriteOffInvoice, invoice_id=invoice_id, expected_version=version)

    return _act(request, visit, invoice_id, "write-off", "Writing an invoice off", build, {"reason": reason})


@router.post("/invoices/{invoice_id}/void")
def void(
    request: Request, visit: Visitor, invoice_id: UUID, version: Version, csrf: Csrf = "", reason: Reason = ""
) -> Response:
    checked_form(request, visit, csrf)

    def build() -> VoidInvoice:
        body = schemas.ReasonBody.model_validate({"reason": reason})
        return body.to_command(visit.meta(), VoidInvoice, invoice_id=invoice_id, expected_version=version)

    return _act(request, visit, invoice_id, "void", "Voiding an invoice", build, {"reason": reason})


@router.get("/invoices/{invoice_id}/pdf")
def invoice_pdf(request: Request, visit: Visitor, invoice_id: UUID, download: Download = False) -> Response:
    """The API's ``GET /v1/invoices/{id}/pdf``: to preview in the browser, or to download."""
    visit.require(_scopes("GET", "/v1/invoices/{invoice_id}/pdf"), "An invoice's PDF")
    return _pdf(request, visit, str(invoice_id), INVOICE, download)


@router.get("/credit-notes/{credit_note_id}/pdf")
def credit_note_pdf(request: Request, visit: Visitor, credit_note_id: UUID, download: Download = False) -> Response:
    """The API's ``GET /v1/credit-notes/{id}/pdf``."""
    visit.require(_scopes("GET", "/v1/credit-notes/{credit_note_id}/pdf"), "A credit note's PDF")
    if records.get_credit_note(keel_of(request).views, str(credit_note_id)) is None:
        raise Refused(404, f"There is no credit note {credit_note_id}.")
    return _pdf(request, visit, str(credit_note_id), CREDIT_NOTE, download)


def _pdf(request: Request, visit: Visit, document_id: str, kind: str, download: bool) -> Response:
    try:
        rendered = render(keel_of(request), document_id, kind, visit.meta())
    except DomainError as exc:  # a draft has no document; business terms missing: the API's answer
        raise Refused(domain_problem(exc, str(request.url.path))[0], str(exc)) from None
    answer = document_response(rendered, "pdf")
    if download:
        answer.headers["Content-Disposition"] = answer.headers["Content-Disposition"].replace("inline", "attachment")
    return answer

"""Invoice and credit-note documents (PDF, UBL), the company's profile, customers' billing details."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from api.deps import ExpectedVersion, KeelDep, MetaDep, reads
from api.documents import Rendered, render
from api.schemas.base import CommandAccepted
from api.schemas.documents import BillingDetailsBody, CompanyProfile, CompanyProfileBody
from commands.messages import CommandResult
from ledger.einvoice import CREDIT_NOTE, INVOICE
from ledger.errors import NotFound
from projections.finance.document_sources import ProfileView, company_profile

router = APIRouter(tags=["documents"])

PDF, XML = "application/pdf", "application/xml"
_PROBLEM: dict[str, Any] = {"application/problem+json": {}}
_HEADERS = {
    "ETag": {"description": "The SHA-256 of these bytes", "schema": {"type": "string"}},
    "Keel-Sealed-Digest": {
        "description": "The SHA-256 recorded when the document was first made (its seal)",
        "schema": {"type": "string"},
    },
    "Keel-Document-Verified": {
        "description": "`true` when these are the very bytes first made",
        "schema": {"type": "string", "enum": ["true", "false"]},
    },
}


def _responses(media_type: str, schema: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"content": {media_type: {"schema": schema}}, "description": "The document", "headers": _HEADERS},
        404: {"description": "No such document", "content": _PROBLEM},
        409: {
            "description": "A draft has no document, or EN 16931 business terms are missing (each named)",
            "content": _PROBLEM,
        },
    }


PDF_RESPONSES = _responses(PDF, {"type": "string", "format": "binary"})
UBL_RESPONSES = _responses(XML, {"type": "string"})


def document_response(rendered: Rendered, which: str) -> Response:
    """The document's bytes with their digests: the API's answer, and the web app's."""
    body = rendered.pdf if which == "pdf" else rendered.ubl
    sealed = rendered.recorded_pdf if which == "pdf" else rendered.recorded_ubl
    digest = rendered.pdf_sha256 if which == "pdf" else rendered.ubl_sha256
    name = f"{rendered.document.number}.{'pdf' if which == 'pdf' else 'xml'}"
    headers = {
        "ETag": f'"{digest}"',
        "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(digest)).decode()}:",
        "Keel-Sealed-Digest": sealed,
        "Keel-Document-Verified": "true" if rendered.verified else "false",
        "Content-Disposition": f'inline; filename="{name}"',
    }
    return Response(body, media_type=PDF if which == "pdf" else XML, headers=headers)


_READS = [reads("issued_documents")]


@router.get("/v1/invoices/{invoice_id}/pdf", response_class=Response, responses=PDF_RESPONSES, dependencies=_READS)
def invoice_pdf(invoice_id: UUID, keel: KeelDep, meta: MetaDep) -> Response:
    """The issued invoice as a PDF/A-3 with its UBL embedded: the same bytes every time (the first
    render records their digest; `Keel-Document-Verified` says whether these are those bytes)."""
    return document_response(render(keel, str(invoice_id), INVOICE, meta), "pdf")


@router.get("/v1/invoices/{invoice_id}/ubl", response_class=Response, responses=UBL_RESPONSES, dependencies=_READS)
def invoice_ubl(invoice_id: UUID, keel: KeelDep, meta: MetaDep) -> Response:
    """The issued invoice as a UBL 2.1 e-invoice (Peppol BIS Billing 3.0, EN 16931)."""
    return document_response(render(keel, str(invoice_id), INVOICE, meta), "ubl")


@router.get(
    "/v1/credit-notes/{credit_note_id}/pdf", response_class=Response, responses=PDF_RESPONSES, dependencies=_READS
)
def credit_note_pdf(credit_note_id: UUID, keel: KeelDep, meta: MetaDep) -> Response:
    """The credit note as a PDF/A-3 with its UBL embedded."""
    return document_response(render(keel, str(credit_note_id), CREDIT_NOTE, meta), "pdf")


@router.get(
    "/v1/credit-notes/{credit_note_id}/ubl", response_class=Response, responses=UBL_RESPONSES, dependencies=_READS
)
def credit_note_ubl(credit_note_id: UUID, keel: KeelDep, meta: MetaDep) -> Response:
    """The credit note as a UBL 2.1 CreditNote (Peppol BIS Billing 3.0)."""
    return document_response(render(keel, str(credit_note_id), CREDIT_NOTE, meta), "ubl")


@router.put("/v1/books/profile", response_model=CommandAccepted)
def set_company_profile(body: CompanyProfileBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """The company's profile as from now: the seller on invoices and e-invoices (name, address, VAT id,
    IBAN/BIC, e-mail, logo). A document shows the profile as known when it was issued."""
    return keel.app.handle(body.to_command(meta))


@router.get("/v1/books/profile", response_model=CompanyProfile, dependencies=_READS)
def get_company_profile(keel: KeelDep) -> ProfileView:
    found = company_profile(keel.views)
    if found is None:
        raise NotFound("the company has no profile yet: PUT /v1/books/profile")
    return found


@router.put("/v1/customers/{customer_id}/billing", response_model=CommandAccepted)
def set_billing_details(
    customer_id: UUID, body: BillingDetailsBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> CommandResult:
    """Where the customer is billed: address, VAT id, e-mail (EN 16931's buyer) as from now."""
    return keel.app.handle(body.to_command(meta, customer_id, expected))

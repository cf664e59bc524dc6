"""Documents from the command line: an invoice's or credit note's PDF and UBL (the bytes the API
sends, from the same ``api.documents.render``), the company's profile, customers' billing details."""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from api.cli.base import catch_up, cli_actor, customers_app, fail, invoices_app, keel_system
from api.cli.entry_accounts import books_app
from api.cli.entry_base import body_of, find_customer, refuse, said

if TYPE_CHECKING:
    from api.documents import Rendered

Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: standard output).")]
Verify = Annotated[
    bool,
    typer.Option("--verify", help="Say whether the render is the very bytes first made (exit 1 if not)."),
]
On = Annotated[str | None, typer.Option("--on", help="Business date, YYYY-MM-DD (default: today).", show_default=False)]


def _document(number: str) -> tuple[Rendered, str]:
    from api.documents import render
    from ledger.events import Meta
    from projections.finance.document_sources import find_document

    with keel_system(reading=True) as keel:
        catch_up(keel)
        found = find_document(keel.views, number)
        if found is None:
            raise fail(f"no issued invoice or credit note is numbered {number!r} (`keel invoices list` shows them)")
        rendered = render(keel, found[0], found[1], Meta(cli_actor()))
    return rendered, found[1]


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(data)


def _verify(rendered: Rendered, digest: str, sealed: str, what: str) -> None:
    if rendered.verified:
        typer.echo(f"{what}: verified, sha256 {digest} as recorded when first made", err=True)
        return
    raise fail(f"{what}: renders to sha256 {digest}, but {sealed} was recorded when it was first made")


@invoices_app.command("pdf")
def invoice_pdf(
    number: Annotated[str, typer.Argument(help="An invoice or credit note number (INV-2026-0001, CN-2026-0001).")],
    output: Output = None,
    verify: Verify = False,
) -> None:
    """The document as a PDF/A-3 with its UBL e-invoice embedded: the bytes GET /v1/invoices/{id}/pdf sends."""
    rendered, _ = _document(number)
    _write(rendered.pdf, output)
    if verify:
        _verify(rendered, rendered.pdf_sha256, rendered.recorded_pdf, f"{number}.pdf")


@invoices_app.command("ubl")
def invoice_ubl(
    number: Annotated[str, typer.Argument(help="An invoice or credit note number.")],
    output: Output = None,
    verify: Verify = False,
) -> None:
    """The document as a UBL 2.1 e-invoice (Peppol BIS Billing 3.0): the bytes GET /v1/invoices/{id}/ubl sends."""
    rendered, _ = _document(number)
    _write(rendered.ubl, output)
    if verify:
        _verify(rendered, rendered.ubl_sha256, rendered.recorded_ubl, f"{number}.xml")


@books_app.command("profile")
def company_profile(
    legal_name: Annotated[str, typer.Option("--name", help="The company's legal name.")],
    street: Annotated[str, typer.Option("--street")],
    city: Annotated[str, typer.Option("--city")],
    country: Annotated[str, typer.Option("--country", help="ISO 3166-1 alpha-2 (GR, DE).")],
    iban: Annotated[str, typer.Option("--iban")],
    bic: Annotated[str, typer.Option("--bic")],
    postal_code: Annotated[str, typer.Option("--postal-code")] = "",
    vat_id: Annotated[str, typer.Option("--vat-id", help="With its country prefix (EL123456789).")] = "",
    registration_id: Annotated[str, typer.Option("--registration-id")] = "",
    email: Annotated[str, typer.Option("--email", help="The address e-invoices come from.")] = "",
    logo: Annotated[Path | None, typer.Option("--logo", help="A PNG or JPEG file, at most 256 KiB.")] = None,
    on: On = None,
) -> None:
    """Record the company's profile (the seller on invoices), as PUT /v1/books/profile does."""
    from api.schemas.documents import CompanyProfileBody
    from ledger.events import Meta

    encoded = None
    if logo is not None:
        try:
            encoded = base64.b64encode(logo.read_bytes()).decode("ascii")
        except OSError as exc:
            raise refuse("--logo", exc.strerror or str(exc)) from None
    options = {"legal_name": "--name", "vat_id": "--vat-id", "postal_code": "--postal-code", "logo": "--logo"}
    fields = {
        "legal_name": legal_name,
        "street": street,
        "city": city,
        "postal_code": postal_code,
        "country": country,
        "vat_id": vat_id,
        "registration_id": registration_id,
        "email": email,
        "iban": iban,
        "bic": bic,
        "logo": encoded,
        "on": on,
    }
    body = body_of(CompanyProfileBody, options, **fields)
    with keel_system() as keel:
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
    said(f"company profile of {body.legal_name} recorded (log position {result.position})")


@customers_app.command("billing")
def billing_details(
    customer: Annotated[str, typer.Argument(help="The customer's name (or part of it).")],
    street: Annotated[str, typer.Option("--street")],
    city: Annotated[str, typer.Option("--city")],
    country: Annotated[str, typer.Option("--country", help="ISO 3166-1 alpha-2.")],
    postal_code: Annotated[str, typer.Option("--postal-code")] = "",
    vat_id: Annotated[str, typer.Option("--vat-id")] = "",
    email: Annotated[str, typer.Option("--email", help="Where e-invoices go.")] = "",
    on: On = None,
) -> None:
    """Record where a customer is billed, as PUT /v1/customers/{id}/billing does."""
    from api.schemas.documents import BillingDetailsBody
    from ledger.events import Meta

    fields = {"street": street, "city": city, "postal_code": postal_code, "country": country}
    body = body_of(
        BillingDetailsBody,
        {"vat_id": "--vat-id", "postal_code": "--postal-code"},
        **fields,
        vat_id=vat_id,
        email=email,
        on=on,
    )
    with keel_system() as keel:
        catch_up(keel)
        found = find_customer(keel, customer, "CUSTOMER")
        result = keel.app.handle(body.to_command(Meta(cli_actor()), UUID(found.id)))
    said(f"billing details of {found.label} recorded (log position {result.position})")

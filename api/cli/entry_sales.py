"""Entering sales from the command line: customers, invoices, payments.

Each command builds the request body its HTTP route takes and calls its ``to_command``, so what
the CLI accepts is exactly what the API accepts. A refused value is one line naming the option
(exit 1) and nothing is written. The actor recorded is ``cli:<user>``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from api import schemas
from api.cli.base import catch_up, cli_actor, customers_app, invoices_app, keel_system, payments_app
from api.cli.entry_base import amount, body_of, find_customer, find_invoice, money, refuse, said, short

if TYPE_CHECKING:
    from api.system import Keel

OnOption = Annotated[
    str | None, typer.Option("--on", help="Business date, YYYY-MM-DD (default: today).", show_default=False)
]


@customers_app.command("add")
def add_customer(
    name: Annotated[str, typer.Argument(help="The customer's name.")],
    currency: Annotated[
        str | None, typer.Option("--currency", help="ISO 4217 code (default: the books' currency).")
    ] = None,
    terms: Annotated[str | None, typer.Option("--terms", help="Payment terms in days, 0-365 (default: 30).")] = None,
    on: OnOption = None,
) -> None:
    """Register a customer with a currency and payment terms."""
    from ledger.events import Meta

    options = {"name": "NAME", "payment_terms_days": "--terms"}
    body = body_of(
        schemas.RegisterCustomerBody,
        options,
        name=name,
        currency=currency.upper() if currency else None,
        payment_terms_days=terms,
        on=on,
    )
    with keel_system() as keel:
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
        currency = body.currency or keel.functional_currency
    said(
        f"customer {body.name} added: {currency}, {body.payment_terms_days} days' terms"
        f" (id {short(result.id)}, log position {result.position})"
    )


def _line(text: str, number: int) -> dict[str, str | None]:
    """``Description:quantity:unit_price[:tax_rate]``; a description with a colon needs all four."""
    parts = text.rsplit(":", 3) if text.count(":") >= 3 else text.split(":")
    if len(parts) not in (3, 4):
        raise refuse(f"--line {number}", f"not Description:quantity:unit_price[:tax_rate]: {text!r}")
    description, quantity, unit_price, *rate = parts
    return {
        "description": description,
        "quantity": quantity,
        "unit_price": unit_price,
        "tax_rate": rate[0] if rate and rate[0].strip() else None,
    }


@invoices_app.command("draft")
def draft_invoice(
    customer: Annotated[str, typer.Option("--customer", help="The customer's name (or part of it).")],
    lines: Annotated[
        list[str],
        typer.Option(
            "--line",
            help="Description:quantity:unit_price[:tax_rate], e.g. 'Design sprint:10:95.00:24'; repeat for more.",
        ),
    ],
    currency: Annotated[str | None, typer.Option("--currency", help="ISO 4217 code (default: the customer's).")] = None,
    series: Annotated[str | None, typer.Option("--series", help="Numbering series (default: INV).")] = None,
    tax_percent: Annotated[
        str | None, typer.Option("--tax-percent", help="Tax rate of lines that give none (default: 0).")
    ] = None,
    on: OnOption = None,
) -> None:
    """Draft an invoice: nothing is posted until it is issued."""
    from ledger.customer import Customer
    from ledger.events import Meta
    from ledger.invoice import Invoice

    with keel_system() as keel:
        catch_up(keel)
        found = find_customer(keel, customer)
        body = body_of(
            schemas.DraftInvoiceBody,
            {"lines": "--line", "customer_id": "--customer"},
            customer_id=found.id,
            lines=[_line(text, n) for n, text in enumerate(lines, 1)],
            currency=currency.upper() if currency else None,
            series=series,
            tax_percent=tax_percent,
            on=on,
        )
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
        invoice = keel.app.get(Invoice, result.id)
        name = keel.app.get(Customer, invoice.customer_id).name
    count = len(invoice.lines)
    said(
        f"invoice draft {short(result.id)} for {name}: {count} line{'s' * (count != 1)}, {money(invoice.total)}"
        f" (log position {result.position}); issue it with: keel invoices issue {short(result.id)}"
    )


@invoices_app.command("issue")
def issue_invoice(
    invoice: Annotated[str, typer.Argument(help="The invoice: a draft's id (its first 8 digits do) or its number.")],
    rate: Annotated[
        str | None, typer.Option("--rate", help="Functional currency per unit of a foreign invoice's.")
    ] = None,
    on: OnOption = None,
) -> None:
    """Issue a draft: it takes the next number of its series, a due date from the customer's terms,
    and posts receivable, revenue and tax."""
    from ledger.customer import Customer
    from ledger.events import Meta
    from ledger.invoice import Invoice

    body = body_of(schemas.IssueInvoiceBody, {}, rate=rate, on=on)
    with keel_system() as keel:
        catch_up(keel)
        found = find_invoice(keel, invoice, "INVOICE")
        result = keel.app.handle(body.to_command(Meta(cli_actor()), UUID(found.id)))
        issued = keel.app.get(Invoice, result.id)
        name = keel.app.get(Customer, issued.customer_id).name
    due = issued.due_date.isoformat() if issued.due_date else "?"
    said(f"invoice {issued.number} issued to {name}: {money(issued.total)}, due {due} (log position {result.position})")


def _allocations(
    keel: Keel, wanted: list[str], customer_id: str, total: Decimal, currency: str
) -> list[dict[str, str]]:
    """``--invoice NUMBER[:AMOUNT]``: without an amount, what is owed on it, up to what is left."""
    from ledger.invoice import Invoice

    left, allocations = total, []
    for n, text in enumerate(wanted, 1):
        option = f"--invoice {n}"
        number, _, part = text.rpartition(":") if ":" in text else (text, "", "")
        found = find_invoice(keel, number, option, customer_id)
        if part.strip():
            allocations.append({"invoice_id": found.id, "amount": part})
            continue
        owed = keel.app.get(Invoice, UUID(found.id)).outstanding
        if owed.amount <= 0:
            raise refuse(option, f"nothing is owed on {found.label}")
        if left <= 0:
            raise refuse(option, f"nothing of the {amount(total, currency)} is left for {found.label}")
        share = min(owed.amount, left)
        left -= share
        allocations.append({"invoice_id": found.id, "amount": str(share)})
    return allocations


@payments_app.command("record")
def record_payment(
    customer: Annotated[str, typer.Option("--customer", help="Who paid: the customer's name (or part of it).")],
    paid: Annotated[str, typer.Option("--amount", help="The amount received, e.g. 1210.00.")],
    currency: Annotated[str | None, typer.Option("--currency", help="ISO 4217 code (default: the customer's).")] = None,
    invoices: Annotated[
        list[str] | None,
        typer.Option(
            "--invoice",
            help="NUMBER or NUMBER:AMOUNT to allocate to (without an amount: what is owed, up to what is left); "
            "repeat for more. What is not allocated becomes the customer's credit.",
        ),
    ] = None,
    reference: Annotated[str | None, typer.Option("--reference", help="The bank's reference.")] = None,
    bank_fee: Annotated[str | None, typer.Option("--bank-fee", help="A fee deducted from the transfer.")] = None,
    rate: Annotated[str | None, typer.Option("--rate", help="Functional currency per unit of a foreign one.")] = None,
    bank_account: Annotated[
        str | None,
        typer.Option(
            "--bank-account", metavar="CODE", help="The bank account it came into (default: the bank role's)."
        ),
    ] = None,
    on: OnOption = None,
) -> None:
    """Record money received from a customer and allocate it to issued invoices."""
    from ledger.customer import Customer
    from ledger.events import Meta
    from ledger.invoice import Invoice
    from ledger.payment import Payment

    options = {
        "amount": "--amount",
        "customer_id": "--customer",
        "allocations": "--invoice",
        "bank_fee": "--bank-fee",
        "bank_account": "--bank-account",
    }
    fields = {
        "amount": paid,
        "currency": currency.upper() if currency else None,
        "reference": reference,
        "bank_fee": bank_fee,
        "rate": rate,
        "bank_account": bank_account,
        "on": on,
    }
    with keel_system() as keel:
        catch_up(keel)
        found = find_customer(keel, customer)
        body = body_of(schemas.RecordPaymentBody, options, customer_id=found.id, **fields)
        if invoices:
            paid_in = body.currency or keel.app.get(Customer, UUID(found.id)).currency
            allocations = _allocations(keel, invoices, found.id, Decimal(body.amount), paid_in)
            body = body_of(schemas.RecordPaymentBody, options, customer_id=found.id, allocations=allocations, **fields)
        result = keel.app.handle(body.to_command(Meta(cli_actor())))
        payment = keel.app.get(Payment, result.id)
        name = keel.app.get(Customer, payment.customer_id).name
        parts = [
            f"{amount(part, payment.amount.currency)} to {keel.app.get(Invoice, invoice_id).label}"
            for invoice_id, part in payment.allocated.items()
            if part
        ]
    if payment.credit.amount:
        parts.append(f"{money(payment.credit)} left as credit")
    said(
        f"payment {short(result.id)} of {money(payment.amount)} from {name} recorded on"
        f" {payment.received_on.isoformat()}: {'; '.join(parts)} (log position {result.position})"
    )


@customers_app.command("expected-delay")
def expected_delay(
    customer: Annotated[str, typer.Argument(help="The customer's name (or part of it).")],
    days: Annotated[
        str | None,
        typer.Option("--days", help="Days after the due dates, -365 to 365 (negative: before).", show_default=False),
    ] = None,
    observed: Annotated[
        bool, typer.Option("--observed", help="Back to the delay the customer's payments show.")
    ] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why finance expects it.")] = "",
    on: OnOption = None,
) -> None:
    """From a date on (until a later-dated decision), the cash forecast expects the customer's
    payments this many days after their due dates, whatever their payments so far say (as POST
    /v1/customers/{id}/expected-payment-delay)."""
    from ledger.events import Meta

    if (days is None) == (not observed):
        raise refuse("--days", "give --days N or --observed, not both")
    number: int | str | None = None
    if days is not None:
        try:
            number = int(days.strip())
        except ValueError:
            raise refuse("--days", f"a whole number of days, got {days!r}") from None
    fields = {"days": number, "reason": reason, "on": on}
    body = body_of(schemas.ExpectedPaymentDelayBody, {"days": "--days"}, **{**fields, "days": number or 0})
    body = body.model_copy(update={"days": number})  # body_of leaves out None, which is "observed" here
    with keel_system() as keel:
        catch_up(keel)
        found = find_customer(keel, customer, "CUSTOMER")
        result = keel.app.handle(body.to_command(Meta(cli_actor()), UUID(found.id)))
    if body.days is None:
        what = "the observed delay"
    else:
        what = f"payments {abs(body.days)} days {'before' if body.days < 0 else 'after'} their due dates"
    recorded = f"log position {result.position}" if result.position else "so already: nothing recorded"
    said(f"{found.label}: the forecast expects {what} ({recorded})")

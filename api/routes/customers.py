from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.deps import AS_CSV, AsOf, Cursor, ExpectedVersion, KeelDep, KnownAt, Limit, MetaDep, reads
from api.schemas.automation import BillingEmailBody
from commands.messages import CommandResult
from ledger.errors import NotFound
from projections.finance import lists
from projections.queries import Params

router = APIRouter(prefix="/v1/customers", tags=["customers"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def register_customer(
    body: schemas.RegisterCustomerBody, keel: KeelDep, meta: MetaDep, response: Response
) -> CommandResult:
    """Register a customer with default currency and payment terms."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/customers/{result.id}"
    return result


@router.post("/{customer_id}/rename", response_model=schemas.CommandAccepted)
def rename_customer(
    customer_id: UUID, body: schemas.RenameCustomerBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> CommandResult:
    return keel.app.handle(body.to_command(meta, customer_id, expected))


@router.post("/{customer_id}/billing-email", response_model=schemas.CommandAccepted)
def set_billing_email(
    customer_id: UUID, body: BillingEmailBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> CommandResult:
    """Where the customer's invoices are e-mailed by the worker ("" stops the e-mails)."""
    return keel.app.handle(body.to_command(meta, customer_id, expected))


@router.post("/{customer_id}/payment-terms", response_model=schemas.CommandAccepted)
def change_payment_terms(
    customer_id: UUID, body: schemas.PaymentTermsBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> CommandResult:
    return keel.app.handle(body.to_command(meta, customer_id, expected))


@router.post("/{customer_id}/expected-payment-delay", response_model=schemas.CommandAccepted)
def expect_payment_delay(
    customer_id: UUID, body: schemas.ExpectedPaymentDelayBody, keel: KeelDep, meta: MetaDep, expected: ExpectedVersion
) -> CommandResult:
    """From ``on`` the cash forecast expects the customer's payments ``days`` after their due
    dates, whatever their payments so far say (null: as they say again)."""
    return keel.app.handle(body.to_command(meta, customer_id, expected))


@router.post("/{customer_id}/credit/apply", response_model=schemas.CommandAccepted)
def apply_credit(customer_id: UUID, body: schemas.ApplyCreditBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Settle (part of) an invoice with the customer's credit."""
    return keel.app.handle(body.to_command(meta, customer_id))


@router.post("/{customer_id}/credit/refund", response_model=schemas.CommandAccepted)
def refund_credit(customer_id: UUID, body: schemas.RefundCreditBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Pay customer credit back to the customer."""
    return keel.app.handle(body.to_command(meta, customer_id))


@router.get(
    "", response_model=schemas.Page[schemas.Customer], responses=JSON_OR_CSV, dependencies=[reads("customers"), AS_CSV]
)
async def list_customers(
    request: Request,
    keel: KeelDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    name: Annotated[str | None, Query(max_length=200, description="Part of the name, any case")] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    """Customers by name as they stood on ``as_of`` as known at ``known_at`` (merged duplicates
    left out from the merge's date)."""
    filters = (("name", name),) if name else ()
    return await respond(request, keel, "customers", Params(as_of=as_of, filters=filters, cursor=cursor, limit=limit))


@router.get("/{customer_id}", response_model=schemas.Customer, dependencies=[reads("customers")])
def get_customer(customer_id: UUID, keel: KeelDep) -> lists.CustomerView:
    found = lists.get_customer(keel.views, str(customer_id))
    if found is None:
        raise NotFound(f"customer {customer_id} not found")
    return found

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from api import schemas
from api.answers import JSON_OR_CSV, respond
from api.deps import AS_CSV, AsOf, Cursor, KeelDep, KnownAt, Limit, MetaDep, reads
from commands.messages import CommandResult, VoidBill
from ledger.errors import NotFound
from projections.engine.pages import Page
from projections.finance import ledger_lists, records
from projections.queries import Params

router = APIRouter(prefix="/v1", tags=["payables"])
VIEWS = ["documents", "general_ledger"]


@router.post("/suppliers", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def register_supplier(body: schemas.SupplierBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/suppliers/{result.id}"
    return result


@router.post("/bills", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def record_bill(body: schemas.BillBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Record a supplier's bill: each line to an expense (or asset) account and cost center, input tax
    per rate, the total owed to the supplier by its due date (the supplier's terms when omitted)."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/bills/{result.id}"
    return result


@router.post("/bills/{bill_id}/void", response_model=schemas.CommandAccepted)
def void_bill(bill_id: UUID, body: schemas.ReasonBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    return keel.app.handle(body.to_command(meta, VoidBill, bill_id=bill_id))


@router.post("/supplier-payments", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def pay_supplier(body: schemas.SupplierPaymentBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Pay one or more bills of a supplier (one currency per payment)."""
    result = keel.app.handle(body.to_command(meta))
    response.headers["Location"] = f"/v1/supplier-payments/{result.id}"
    return result


@router.get(
    "/suppliers",
    response_model=schemas.Page[schemas.Supplier],
    responses=JSON_OR_CSV,
    dependencies=[reads(*VIEWS), AS_CSV],
)
async def list_suppliers(
    request: Request,
    keel: KeelDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    name: Annotated[str | None, Query(max_length=200, description="Part of the name, any case")] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    """Suppliers registered by ``as_of`` as known at ``known_at``, by name."""
    filters = (("name", name),) if name else ()
    return await respond(request, keel, "suppliers", Params(as_of=as_of, filters=filters, cursor=cursor, limit=limit))


@router.get("/suppliers/{supplier_id}", response_model=schemas.Supplier, dependencies=[reads(*VIEWS)])
def get_supplier(supplier_id: UUID, keel: KeelDep) -> ledger_lists.SupplierView:
    found = ledger_lists.get_supplier(keel.views, str(supplier_id))
    if found is None:
        raise NotFound(f"supplier {supplier_id} not found")
    return found


@router.get("/bills", response_model=schemas.Page[schemas.Bill], dependencies=[reads(*VIEWS)])
def list_bills(
    keel: KeelDep,
    supplier_id: UUID | None = None,
    bill_status: Annotated[Literal["open", "paid", "voided"] | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[ledger_lists.BillView]:
    """Bills by date, with what is still owed on each."""
    return ledger_lists.list_bills(keel.views, str(supplier_id) if supplier_id else None, bill_status, cursor, limit)


@router.get("/bills/{bill_id}", response_model=schemas.Bill, dependencies=[reads(*VIEWS)])
def get_bill(bill_id: UUID, keel: KeelDep) -> ledger_lists.BillView:
    found = ledger_lists.get_bill(keel.views, str(bill_id))
    if found is None:
        raise NotFound(f"bill {bill_id} not found")
    return found


@router.get(
    "/supplier-payments/{payment_id}", response_model=schemas.SupplierPayment, dependencies=[reads("documents")]
)
def get_supplier_payment(payment_id: UUID, keel: KeelDep) -> schemas.SupplierPayment:
    """A payment to a supplier as made (they never change)."""
    found = records.get_supplier_payment(keel.views, str(payment_id))
    if found is None:
        raise NotFound(f"supplierpayment {payment_id} not found")
    return schemas.SupplierPayment.model_validate(found, from_attributes=True)

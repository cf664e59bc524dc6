from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Response, status

from api import schemas
from api.deps import KeelDep, MetaDep
from commands.messages import (
    BillLineInput,
    BillPaymentInput,
    CommandResult,
    PaySupplier,
    RecordBill,
    RegisterSupplier,
    VoidBill,
)

router = APIRouter(prefix="/v1", tags=["payables"])


@router.post("/suppliers", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def register_supplier(body: schemas.SupplierBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    result = keel.app.handle(
        RegisterSupplier(
            meta=meta,
            on=body.on,
            name=body.name,
            payment_terms_days=body.payment_terms_days,
            currency=body.currency,
            supplier_id=body.id or uuid4(),
        )
    )
    response.headers["Location"] = f"/v1/suppliers/{result.id}"
    return result


@router.post("/bills", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def record_bill(body: schemas.BillBody, keel: KeelDep, meta: MetaDep, response: Response) -> CommandResult:
    """Record a supplier's bill: each line to an expense (or asset) account and cost center, input tax
    per rate, the total owed to the supplier by its due date (the supplier's terms when omitted)."""
    result = keel.app.handle(
        RecordBill(
            meta=meta,
            on=body.on,
            supplier_id=body.supplier_id,
            supplier_reference=body.supplier_reference,
            currency=body.currency,
            rate=body.rate,
            due_date=body.due_date,
            bill_id=body.id or uuid4(),
            lines=tuple(
                BillLineInput(
                    description=ln.description,
                    account=ln.account,
                    amount=ln.amount,
                    tax_rate=ln.tax_rate,
                    tax_inclusive=ln.tax_inclusive,
                    cost_center=ln.cost_center,
                )
                for ln in body.lines
            ),
        )
    )
    response.headers["Location"] = f"/v1/bills/{result.id}"
    return result


@router.post("/bills/{bill_id}/void", response_model=schemas.CommandAccepted)
def void_bill(bill_id: UUID, body: schemas.ReasonBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    return keel.app.handle(VoidBill(meta=meta, on=body.on, bill_id=bill_id, reason=body.reason))


@router.post("/supplier-payments", status_code=status.HTTP_201_CREATED, response_model=schemas.CommandAccepted)
def pay_supplier(body: schemas.SupplierPaymentBody, keel: KeelDep, meta: MetaDep) -> CommandResult:
    """Pay one or more bills of a supplier (one currency per payment)."""
    return keel.app.handle(
        PaySupplier(
            meta=meta,
            on=body.on,
            supplier_id=body.supplier_id,
            rate=body.rate,
            reference=body.reference,
            payment_id=body.id or uuid4(),
            allocations=tuple(BillPaymentInput(bill_id=a.bill_id, amount=a.amount) for a in body.allocations),
        )
    )

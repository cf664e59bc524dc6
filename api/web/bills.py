"""Bills (issue 20, ADR 0048): the suppliers' bills with their status filter and totals, a bill
with the entries it posted, and the forms that register a supplier, record a bill, pay it and void
it.

The list is the API's ``GET /v1/bills`` and a bill its ``GET /v1/bills/{id}`` (both as they stand
now: the API reads bills from the ledger as it is, not as of a date); a bill's lines are the
journal's entries for it (``GET /v1/books/journal?source_id=``). Each form builds the API's body
(``SupplierBody``, ``BillBody``, ``SupplierPaymentBody``, ``ReasonBody``) and sends its command
with the scopes the API's rule gives that route; a refusal comes back beside the field it names.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api import schemas
from api.access import required_scopes
from api.answers import answer
from api.web.forms import Outcome, run
from api.web.render import show
from api.web.reports import Cursor
from api.web.visits import Refused, Visit, Visitor, checked_form, keel_of
from commands.messages import VoidBill
from ledger.accounts import AccountType
from projections.finance import ledger_lists
from projections.queries import Params
from projections.queries.core import Column

router = APIRouter(include_in_schema=False)
AMOUNT = Column("amount", "amount")
Csrf = Annotated[str, Form(max_length=200)]
Field = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=2000)]
Status = Literal["open", "paid", "voided"]
# the accounts a bill's line may cost to: what is spent, or bought to keep
LINE_TYPES = (AccountType.EXPENSE.value, AccountType.ASSET.value)


def _scopes(method: str, path: str) -> tuple[str, ...]:
    found = required_scopes(method, path)
    assert found is not None, path
    return found


READ = _scopes("GET", "/v1/bills")
WRITE = _scopes("POST", "/v1/bills")


@router.get("/bills")
def bill_list(
    request: Request,
    visit: Visitor,
    status: Annotated[Status | None, Query()] = None,
    supplier_id: Annotated[UUID | None, Query()] = None,
    cursor: Cursor = None,
) -> Response:
    visit.require(READ, "Bills")
    keel = keel_of(request)
    supplier = str(supplier_id) if supplier_id else None
    found = ledger_lists.list_bills(keel.views, supplier, status, cursor or None, 100)  # as GET /v1/bills
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for bill in found.items:  # this page's totals per currency: billed and still owed
        totals[bill.currency][0] += bill.total
        totals[bill.currency][1] += bill.open
    kept = {k: v for k, v in (("status", status), ("supplier_id", supplier)) if v}
    more = "&".join(f"{k}={v}" for k, v in kept.items())
    return show(
        request,
        visit,
        "bills.html",
        title="Bills",
        bills=found.items,
        totals=sorted(totals.items()),
        shown_status=status or "",
        supplier=supplier or "",
        next=f"{more}&cursor={found.next_cursor}".lstrip("&") if found.next_cursor else "",
        api=f"/v1/bills{'?' + more if more else ''}",
        amount_column=AMOUNT,
        can_record=visit.can(*WRITE),
    )


@router.get("/bills/new")
def new_bill(request: Request, visit: Visitor) -> Response:
    visit.require(WRITE, "Recording a bill")
    return _new_form(request, visit, {}, None)


@router.post("/bills/new")
def record_bill(
    request: Request,
    visit: Visitor,
    csrf: Csrf = "",
    supplier_id: Field = "",
    supplier_reference: Field = "",
    description: Annotated[str, Form(alias="lines.0.description", max_length=2000)] = "",
    account: Annotated[str, Form(alias="lines.0.account", max_length=40)] = "",
    amount: Annotated[str, Form(alias="lines.0.amount", max_length=40)] = "",
    tax_rate: Annotated[str, Form(alias="lines.0.tax_rate", max_length=40)] = "0",
    cost_center: Annotated[str, Form(alias="lines.0.cost_center", max_length=40)] = "",
    on: Field = "",
    due_date: Field = "",
) -> Response:
    checked_form(request, visit, csrf)
    visit.require(WRITE, "Recording a bill")
    line = {"description": description, "account": account, "amount": amount, "tax_rate": tax_rate or "0"}
    if cost_center:
        line["cost_center"] = cost_center
    given: dict[str, Any] = {"supplier_id": supplier_id, "supplier_reference": supplier_reference, "lines": [line]}
    given |= {k: v for k, v in (("on", on), ("due_date", due_date)) if v}
    done = run(keel_of(request), lambda: schemas.BillBody.model_validate(given).to_command(visit.meta()), "/v1/bills")
    if done.result is not None:
        return RedirectResponse(f"/bills/{done.result.id}?done=recorded", status_code=303)
    shown = {f"lines.0.{k}": v for k, v in line.items()}
    return _new_form(request, visit, {**shown, **{k: v for k, v in given.items() if k != "lines"}}, done)


@router.post("/bills/suppliers")
def register_supplier(
    request: Request,
    visit: Visitor,
    csrf: Csrf = "",
    name: Annotated[str, Form(alias="supplier.name", max_length=200)] = "",
    payment_terms_days: Annotated[str, Form(alias="supplier.payment_terms_days", max_length=10)] = "30",
    currency: Annotated[str, Form(alias="supplier.currency", max_length=10)] = "",
) -> Response:
    """``POST /v1/suppliers``: then back to the bill form with the new supplier chosen."""
    checked_form(request, visit, csrf)
    visit.require(_scopes("POST", "/v1/suppliers"), "Registering a supplier")
    given = {
        "name": name,
        "payment_terms_days": payment_terms_days or "30",
        **({"currency": currency} if currency else {}),
    }
    done = run(
        keel_of(request), lambda: schemas.SupplierBody.model_validate(given).to_command(visit.meta()), "/v1/suppliers"
    )
    if done.result is not None:
        return _new_form(request, visit, {"supplier_id": str(done.result.id)}, None, registered=name)
    done.errors = {f"supplier.{k}": v for k, v in done.errors.items()}
    return _new_form(request, visit, {f"supplier.{k}": str(v) for k, v in given.items()}, done)


def _new_form(
    request: Request, visit: Visit, given: dict[str, str], outcome: Outcome | None, registered: str = ""
) -> Response:
    keel = keel_of(request)
    suppliers = answer(keel, "suppliers", Params(limit=1000), None).result.items  # as GET /v1/suppliers
    chart = answer(keel, "accounts", Params(), None).result.items  # as GET /v1/accounts
    accounts = [(a.code, f"{a.code} {a.name}") for a in chart if a.active and a.type in LINE_TYPES]
    return show(
        request,
        visit,
        "bill_new.html",
        outcome.status if outcome is not None else 200,
        title="Record a bill",
        given=given,
        outcome=outcome,
        registered=registered,
        suppliers=[("", "(choose a supplier)")] + [(s.id, s.name) for s in suppliers],
        accounts=[("", "(choose an account)"), *accounts],
    )


@router.get("/bills/{bill_id}")
def bill(request: Request, visit: Visitor, bill_id: UUID, done: Annotated[str, Query(max_length=20)] = "") -> Response:
    return _bill(request, visit, bill_id, None, {}, done)


@router.post("/bills/{bill_id}/payments")
def pay(
    request: Request,
    visit: Visitor,
    bill_id: UUID,
    csrf: Csrf = "",
    amount: Field = "",
    on: Field = "",
    reference: Field = "",
) -> Response:
    """``POST /v1/supplier-payments`` for this bill alone (part of what is owed is fine)."""
    checked_form(request, visit, csrf)
    visit.require(_scopes("POST", "/v1/supplier-payments"), "Paying a bill")
    shown = _find(request, bill_id)
    given: dict[str, Any] = {
        "supplier_id": shown.supplier_id,
        "allocations": [{"bill_id": str(bill_id), "amount": amount}],
    }
    given |= {k: v for k, v in (("on", on), ("reference", reference)) if v}
    made = run(
        keel_of(request),
        lambda: schemas.SupplierPaymentBody.model_validate(given).to_command(visit.meta()),
        request.url.path,
    )
    if made.ok:
        return RedirectResponse(f"/bills/{bill_id}?done=paid", status_code=303)
    made.errors = {("amount" if k.startswith("allocations") else k): v for k, v in made.errors.items()}
    return _bill(request, visit, bill_id, made, {"form": "pay", "amount": amount, "on": on, "reference": reference})


@router.post("/bills/{bill_id}/void")
def void(request: Request, visit: Visitor, bill_id: UUID, csrf: Csrf = "", reason: Text = "") -> Response:
    checked_form(request, visit, csrf)
    visit.require(_scopes("POST", "/v1/bills/{bill_id}/void"), "Voiding a bill")

    def build() -> VoidBill:
        body = schemas.ReasonBody.model_validate({"reason": reason})
        return body.to_command(visit.meta(), VoidBill, bill_id=bill_id)

    made = run(keel_of(request), build, request.url.path)
    if made.ok:
        return RedirectResponse(f"/bills/{bill_id}?done=voided", status_code=303)
    return _bill(request, visit, bill_id, made, {"form": "void", "reason": reason})


def _find(request: Request, bill_id: UUID) -> ledger_lists.BillView:
    found = ledger_lists.get_bill(keel_of(request).views, str(bill_id))  # as GET /v1/bills/{id}
    if found is None:
        raise Refused(404, f"There is no bill {bill_id}.")
    return found


def _bill(
    request: Request, visit: Visit, bill_id: UUID, outcome: Outcome | None, given: dict[str, str], done: str = ""
) -> Response:
    visit.require(READ, "A bill")
    keel = keel_of(request)
    shown = _find(request, bill_id)
    entries = ledger_lists.journal(keel.views, keel.functional_currency, source_id=str(bill_id), limit=100).items
    return show(
        request,
        visit,
        "bill.html",
        outcome.status if outcome is not None else 200,
        title=f"Bill {shown.reference}",
        bill=shown,
        entries=entries,  # as GET /v1/books/journal?source_id={id}
        outcome=outcome,
        given=given,
        done=done,
        amount_column=AMOUNT,
        can_pay=visit.can(*_scopes("POST", "/v1/supplier-payments")),
        can_void=visit.can(*_scopes("POST", "/v1/bills/{bill_id}/void")),
    )

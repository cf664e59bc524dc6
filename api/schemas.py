"""The HTTP contract: request and response bodies. Amounts are decimal strings, never floats."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Amount = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^-?\d{1,15}(\.\d{1,8})?$"),
    Field(description='A decimal amount as a string, e.g. "1234.50" (floats are refused)', examples=["1234.50"]),
]
PositiveAmount = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^\d{1,15}(\.\d{1,8})?$"),
    Field(description="A non-negative decimal amount as a string", examples=["1500.00"]),
]
CurrencyCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(description="ISO 4217 code", examples=["EUR"])
]
EffectiveDate = Annotated[
    date | None, Field(description="Business (effective) date; today when omitted", examples=["2026-03-15"])
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommandAccepted(BaseModel):
    id: UUID
    version: int = Field(description="The aggregate's version after the command")
    position: int = Field(description="Log position of the last event written; pass as min_position to read it back")


class RegisterCustomerBody(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    payment_terms_days: int = Field(30, ge=0, le=365)
    currency: CurrencyCode = "EUR"
    id: UUID | None = Field(None, description="Client-chosen id (optional)")
    on: EffectiveDate = None


class RenameCustomerBody(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    on: EffectiveDate = None


class PaymentTermsBody(Body):
    payment_terms_days: int = Field(ge=0, le=365)
    on: EffectiveDate = None


class Customer(BaseModel):
    id: str
    name: str
    payment_terms_days: int
    currency: str
    registered_on: date
    version: int


class InvoiceLineIn(Body):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    quantity: PositiveAmount
    unit_price: PositiveAmount


class DraftInvoiceBody(Body):
    customer_id: UUID
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=500)
    tax_percent: PositiveAmount = Field("0", description='Tax rate in percent, e.g. "24"')
    currency: CurrencyCode | None = Field(None, description="The customer's currency when omitted")
    id: UUID | None = None
    on: EffectiveDate = None


class IssueInvoiceBody(Body):
    on: EffectiveDate = None


class VoidInvoiceBody(Body):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    on: EffectiveDate = None


class InvoiceLine(BaseModel):
    description: str
    quantity: str
    unit_price: str
    amount: str


class Invoice(BaseModel):
    id: str
    customer_id: str
    number: str | None
    status: str = Field(description="draft, issued or voided")
    payment_state: str = Field(description="draft, unpaid, partially_paid, paid or voided")
    currency: str
    tax_percent: str
    net: str
    tax: str
    total: str
    paid: str
    outstanding: str
    drafted_on: date
    issue_date: date | None
    due_date: date | None
    voided_on: date | None
    void_reason: str | None
    version: int
    lines: list[InvoiceLine] = []


class AllocationIn(Body):
    invoice_id: UUID
    amount: PositiveAmount


class RecordPaymentBody(Body):
    customer_id: UUID
    amount: PositiveAmount
    currency: CurrencyCode | None = None
    allocations: list[AllocationIn] = Field(default_factory=list, max_length=500)
    reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    id: UUID | None = None
    on: EffectiveDate = None


class Scope(BaseModel):
    as_of: date
    known_at: datetime | None
    position: int = Field(description="Log position the read model had reached")


class TrialBalanceRow(BaseModel):
    account: str
    name: str
    type: str
    currency: str
    debit: str
    credit: str


class CurrencyTotal(BaseModel):
    currency: str
    debit: str
    credit: str
    balanced: bool


class TrialBalance(BaseModel):
    scope: Scope
    balanced: bool
    rows: list[TrialBalanceRow]
    totals: list[CurrencyTotal]


class ReceivableRow(BaseModel):
    customer_id: str
    customer_name: str
    currency: str
    receivable: str
    credit: str
    net: str


class Receivables(BaseModel):
    scope: Scope
    rows: list[ReceivableRow]
    totals: dict[str, str]


class ProjectionStatus(BaseModel):
    name: str
    position: int
    head: int
    lag: int
    updated_at: datetime | None

"""The books and payables: request bodies, journal entries, bills, suppliers and payments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID, uuid4

from pydantic import Field, StringConstraints

from api.schemas.base import (
    AccountCode,
    Amount,
    Body,
    CurrencyCode,
    DecimalStr,
    EffectiveDate,
    Identifier,
    Name,
    OptionalText,
    Out,
    Percent,
    Rate,
    Text,
)
from commands import messages as m
from ledger.events import Meta
from ledger.policy import (
    FIRST_DAY,
    LAST_DAY,
)

# -- books ----------------------------------------------------------------------------


class ClosePeriodBody(Body):
    lock_date: Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.ClosePeriod:
        return m.ClosePeriod(meta=meta, on=self.on, lock_date=self.lock_date)


class NumberingBody(Body):
    strict: bool = Field(description="Number invoices and credit notes in date order: refuse one dated before the last")
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.SetNumbering:
        return m.SetNumbering(meta=meta, on=self.on, strict=self.strict)


class ReopenPeriodBody(Body):
    lock_date: Annotated[date | None, Field(ge=FIRST_DAY, le=LAST_DAY)] = Field(
        description="The new, earlier lock date; null opens every period"
    )
    reason: Text
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.ReopenPeriod:
        return m.ReopenPeriod(meta=meta, on=self.on, lock_date=self.lock_date, reason=self.reason)


class CloseYearBody(Body):
    year: int = Field(ge=1900, le=2999)

    def to_command(self, meta: Meta) -> m.CloseYear:
        return m.CloseYear(meta=meta, year=self.year)


class EntryLineIn(Body):
    account: AccountCode
    debit: Amount = "0"
    credit: Amount = "0"
    currency: CurrencyCode | None = None
    rate: Rate | None = None
    party_id: Identifier | None = None
    cost_center: Identifier | None = None
    project_id: Identifier | None = None
    tax_code: Identifier | None = None
    memo: OptionalText = ""

    def to_input(self) -> m.EntryLineInput:
        return m.EntryLineInput(
            account=self.account,
            debit=self.debit,
            credit=self.credit,
            currency=self.currency,
            rate=self.rate,
            party_id=self.party_id,
            cost_center=self.cost_center,
            project_id=self.project_id,
            tax_code=self.tax_code,
            memo=self.memo,
        )


class JournalEntryBody(Body):
    lines: list[EntryLineIn] = Field(min_length=2, max_length=500)
    memo: Text
    corrects: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None, description="What this entry corrects (a document, entry or event id)"
    )
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.PostJournalEntry:
        return m.PostJournalEntry(
            meta=meta,
            on=self.on,
            memo=self.memo,
            corrects=self.corrects,
            entry_id=self.id or uuid4(),
            lines=tuple(line.to_input() for line in self.lines),
        )


# -- payables -------------------------------------------------------------------------


class SupplierBody(Body):
    name: Name
    payment_terms_days: int = Field(30, ge=0, le=365)
    currency: CurrencyCode | None = None
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.RegisterSupplier:
        return m.RegisterSupplier(
            meta=meta,
            on=self.on,
            name=self.name,
            payment_terms_days=self.payment_terms_days,
            currency=self.currency,
            supplier_id=self.id or uuid4(),
        )


class BillLineIn(Body):
    description: Text
    account: AccountCode
    amount: Amount
    tax_rate: Percent = "0"
    tax_inclusive: bool = False
    cost_center: Identifier | None = None

    def to_input(self) -> m.BillLineInput:
        return m.BillLineInput(
            description=self.description,
            account=self.account,
            amount=self.amount,
            tax_rate=self.tax_rate,
            tax_inclusive=self.tax_inclusive,
            cost_center=self.cost_center,
        )


class BillBody(Body):
    supplier_id: UUID
    supplier_reference: Text
    lines: list[BillLineIn] = Field(min_length=1, max_length=500)
    currency: CurrencyCode | None = None
    rate: Rate | None = None
    due_date: Annotated[date | None, Field(ge=FIRST_DAY, le=LAST_DAY)] = None
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.RecordBill:
        return m.RecordBill(
            meta=meta,
            on=self.on,
            supplier_id=self.supplier_id,
            supplier_reference=self.supplier_reference,
            currency=self.currency,
            rate=self.rate,
            due_date=self.due_date,
            bill_id=self.id or uuid4(),
            lines=tuple(line.to_input() for line in self.lines),
        )


class BillPaymentIn(Body):
    bill_id: UUID
    amount: Amount

    def to_input(self) -> m.BillPaymentInput:
        return m.BillPaymentInput(bill_id=self.bill_id, amount=self.amount)


class SupplierPaymentBody(Body):
    supplier_id: UUID
    allocations: list[BillPaymentIn] = Field(min_length=1, max_length=500)
    rate: Rate | None = None
    reference: OptionalText = ""
    bank_account: AccountCode | None = Field(
        default=None, description="The bank account the money goes through (sub-type bank); the bank role's by default"
    )
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.PaySupplier:
        return m.PaySupplier(
            meta=meta,
            on=self.on,
            supplier_id=self.supplier_id,
            rate=self.rate,
            reference=self.reference,
            bank_account=self.bank_account,
            payment_id=self.id or uuid4(),
            allocations=tuple(a.to_input() for a in self.allocations),
        )


# -- finance lists ---------------------------------------------------------------------


class JournalLine(Out):
    account: str
    currency: str
    debit: DecimalStr
    credit: DecimalStr
    value: DecimalStr = Field(description="Signed value in the functional currency (debit positive)")
    memo: str
    party_id: str | None
    document_id: str | None
    cost_center: str | None
    project_id: str | None
    tax_code: str | None


class JournalEntry(Out):
    position: int = Field(description="The log position of the event that posted it")
    effective_date: date
    recorded_at: datetime
    source_id: str = Field(description="The aggregate whose event posted it (invoice, payment, entry, ...)")
    source_version: int
    event_topic: str
    lines: list[JournalLine]


class Bill(Out):
    id: str
    supplier_id: str
    supplier_name: str
    reference: str
    currency: str
    bill_date: date
    due_date: date
    total: DecimalStr
    open: DecimalStr = Field(description="Still owed to the supplier")
    status: Literal["open", "paid", "voided"]
    credited: DecimalStr = Field(description="What the supplier's credit notes took off what was owed on it")


class Supplier(Out):
    id: str
    name: str


class PaymentSummary(Out):
    id: str
    customer_id: str
    received_on: date
    currency: str
    amount: DecimalStr
    reversed_on: date | None = Field(default=None, description="When it was taken back; it no longer stands")


class PaymentAllocation(Out):
    invoice_id: UUID
    amount: DecimalStr


class PaymentDetail(Out):
    id: UUID
    customer_id: UUID
    received_on: date
    currency: str
    amount: DecimalStr
    rate: DecimalStr = Field(description="Functional currency per unit of the payment's currency")
    allocations: list[PaymentAllocation] = Field(description="What is allocated to each invoice now")
    credit: DecimalStr = Field(description="The part not allocated: the customer's credit")
    version: int
    reversed_on: date | None = Field(default=None, description="When it was taken back; it no longer stands")


class BillAllocationOut(Out):
    bill_id: UUID
    amount: DecimalStr


class SupplierPayment(Out):
    id: UUID
    supplier_id: UUID
    paid_on: date
    currency: str
    amount: DecimalStr
    rate: DecimalStr
    reference: str
    allocations: list[BillAllocationOut]
    reversed_on: date | None = Field(default=None, description="When it was taken back; it no longer stands")

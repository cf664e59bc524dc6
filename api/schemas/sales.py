"""Customers, invoices, credit notes and payments: their request and response bodies."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import Field, StrictInt, StringConstraints

from api.schemas.base import (
    AccountCode,
    Amount,
    Body,
    C,
    CommandOf,
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
from ledger.payment_expectations import MAX_EXPECTED_DELAY_DAYS

# -- customers ------------------------------------------------------------------------


class RegisterCustomerBody(Body):
    name: Name
    payment_terms_days: int = Field(30, ge=0, le=365)
    currency: CurrencyCode | None = Field(None, description="ISO 4217 code; the books' currency when omitted")
    id: UUID | None = Field(None, description="Client-chosen id (optional)")
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.RegisterCustomer:
        return m.RegisterCustomer(
            meta=meta,
            on=self.on,
            name=self.name,
            payment_terms_days=self.payment_terms_days,
            currency=self.currency,
            customer_id=self.id or uuid4(),
        )


class RenameCustomerBody(Body):
    name: Name
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID, expected_version: int | None = None) -> m.RenameCustomer:
        return m.RenameCustomer(
            meta=meta, on=self.on, customer_id=customer_id, name=self.name, expected_version=expected_version
        )


class ExpectedPaymentDelayBody(Body):
    days: StrictInt | None = Field(
        ge=-MAX_EXPECTED_DELAY_DAYS,
        le=MAX_EXPECTED_DELAY_DAYS,
        description="Days after the due dates the forecast expects the customer's payments (negative: before),"
        " from `on` until a later-dated decision; null: as the customer's payments so far say",
    )
    reason: OptionalText = Field(
        "", description="Why finance expects it", examples=["their new payment run is monthly"]
    )
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID, expected_version: int | None = None) -> m.ExpectPaymentDelay:
        return m.ExpectPaymentDelay(
            meta=meta,
            on=self.on,
            customer_id=customer_id,
            days=self.days,
            reason=self.reason,
            expected_version=expected_version,
        )


class PaymentTermsBody(Body):
    payment_terms_days: int = Field(ge=0, le=365)
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID, expected_version: int | None = None) -> m.ChangePaymentTerms:
        return m.ChangePaymentTerms(
            meta=meta,
            on=self.on,
            customer_id=customer_id,
            payment_terms_days=self.payment_terms_days,
            expected_version=expected_version,
        )


class ApplyCreditBody(Body):
    invoice_id: UUID
    amount: Amount
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID) -> m.ApplyCustomerCredit:
        return m.ApplyCustomerCredit(
            meta=meta, on=self.on, customer_id=customer_id, invoice_id=self.invoice_id, amount=self.amount
        )


class RefundCreditBody(Body):
    amount: Amount
    currency: CurrencyCode | None = None
    rate: Rate | None = None
    reference: OptionalText = ""
    bank_account: AccountCode | None = Field(
        default=None, description="The bank account the money goes through (sub-type bank); the bank role's by default"
    )
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID) -> m.RefundCustomerCredit:
        return m.RefundCustomerCredit(
            meta=meta,
            on=self.on,
            customer_id=customer_id,
            amount=self.amount,
            currency=self.currency,
            rate=self.rate,
            reference=self.reference,
            bank_account=self.bank_account,
        )


class Customer(Out):
    id: str
    name: str
    payment_terms_days: int
    currency: str
    registered_on: date
    version: int


# -- invoices -------------------------------------------------------------------------


class InvoiceLineIn(Body):
    description: Text
    quantity: Amount
    unit_price: Amount
    tax_rate: Percent | None = Field(None, description="Percent; the invoice's tax_percent when omitted")
    tax_inclusive: bool = Field(False, description="The unit price includes the tax")
    discount_percent: Percent = "0"
    service_code: Identifier | None = None

    def to_input(self) -> m.LineInput:
        return m.LineInput(
            description=self.description,
            quantity=self.quantity,
            unit_price=self.unit_price,
            tax_rate=self.tax_rate,
            tax_inclusive=self.tax_inclusive,
            discount_percent=self.discount_percent,
            service_code=self.service_code,
        )


class DraftInvoiceBody(Body):
    customer_id: UUID
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=500)
    tax_percent: Percent = Field("0", description="Default tax rate (percent) for lines that give none")
    currency: CurrencyCode | None = Field(None, description="The customer's currency when omitted")
    series: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,6}$")] = "INV"
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.DraftInvoice:
        return m.DraftInvoice(
            meta=meta,
            on=self.on,
            customer_id=self.customer_id,
            lines=tuple(line.to_input() for line in self.lines),
            tax_percent=self.tax_percent,
            currency=self.currency,
            series=self.series,
            invoice_id=self.id or uuid4(),
        )


class IssueInvoiceBody(Body):
    rate: Rate | None = Field(None, description="Required when the invoice is not in the functional currency")
    on: EffectiveDate = None

    def to_command(self, meta: Meta, invoice_id: UUID, expected_version: int | None = None) -> m.IssueInvoice:
        return m.IssueInvoice(
            meta=meta, on=self.on, invoice_id=invoice_id, rate=self.rate, expected_version=expected_version
        )


class SendInvoiceBody(Body):
    to: OptionalText = ""
    on: EffectiveDate = None

    def to_command(self, meta: Meta, invoice_id: UUID, expected_version: int | None = None) -> m.MarkInvoiceSent:
        return m.MarkInvoiceSent(
            meta=meta, on=self.on, invoice_id=invoice_id, to=self.to, expected_version=expected_version
        )


# Why: to void, write off, reverse, reject or lose; shared by those commands.
class ReasonBody(Body):
    reason: Text
    on: EffectiveDate = None

    def to_command(self, meta: Meta, command: CommandOf[C], **ids: Any) -> C:
        """``command`` (e.g. ``m.VoidBill``) for the ids the route gives (``bill_id=…``)."""
        return command(meta=meta, on=self.on, reason=self.reason, **ids)


class CreditNoteBody(Body):
    reason: Text
    lines: list[InvoiceLineIn] = Field(default_factory=list, max_length=500, description="Empty: credit everything")
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, invoice_id: UUID) -> m.IssueCreditNote:
        return m.IssueCreditNote(
            meta=meta,
            on=self.on,
            invoice_id=invoice_id,
            reason=self.reason,
            lines=tuple(line.to_input() for line in self.lines),
            credit_note_id=self.id or uuid4(),
        )


class InvoiceLine(Out):
    description: str
    service_code: str | None
    quantity: DecimalStr
    unit_price: DecimalStr
    discount_percent: DecimalStr
    tax_rate: DecimalStr
    tax_inclusive: bool
    amount: DecimalStr


class Invoice(Out):
    id: str
    customer_id: str
    series: str
    number: str | None
    status: str = Field(description="draft, issued or voided")
    payment_state: str = Field(
        description="draft, unpaid, partially_paid, paid (settled with payments), credited or written_off"
        " (settled by credit notes or a write-off alone) or voided"
    )
    currency: str
    rate: DecimalStr | None
    net: DecimalStr
    tax: DecimalStr
    total: DecimalStr
    paid: DecimalStr
    credited: DecimalStr
    written_off: DecimalStr
    outstanding: DecimalStr
    drafted_on: date
    issue_date: date | None
    due_date: date | None
    sent_on: date | None
    voided_on: date | None
    void_reason: str | None
    version: int
    lines: list[InvoiceLine] = []


# -- payments -------------------------------------------------------------------------


class AllocationIn(Body):
    invoice_id: UUID
    amount: Amount

    def to_input(self) -> m.AllocationInput:
        return m.AllocationInput(invoice_id=self.invoice_id, amount=self.amount)


class RecordPaymentBody(Body):
    customer_id: UUID
    amount: Amount
    currency: CurrencyCode | None = None
    rate: Rate | None = None
    bank_fee: Amount = "0"
    allocations: list[AllocationIn] = Field(default_factory=list, max_length=500)
    reference: OptionalText = ""
    bank_account: AccountCode | None = Field(
        default=None, description="The bank account the money goes through (sub-type bank); the bank role's by default"
    )
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.RecordPayment:
        return m.RecordPayment(
            meta=meta,
            on=self.on,
            customer_id=self.customer_id,
            amount=self.amount,
            currency=self.currency,
            allocations=tuple(a.to_input() for a in self.allocations),
            reference=self.reference,
            rate=self.rate,
            bank_fee=self.bank_fee,
            bank_account=self.bank_account,
            payment_id=self.id or uuid4(),
        )


class UnallocateBody(Body):
    invoice_id: UUID
    amount: Amount
    on: EffectiveDate = None

    def to_command(self, meta: Meta, payment_id: UUID) -> m.UnallocatePayment:
        return m.UnallocatePayment(
            meta=meta, on=self.on, payment_id=payment_id, invoice_id=self.invoice_id, amount=self.amount
        )


class CreditNoteLine(Out):
    description: str
    quantity: DecimalStr
    unit_price: DecimalStr
    discount_percent: DecimalStr
    tax_rate: DecimalStr
    tax_inclusive: bool
    amount: DecimalStr


class CreditNote(Out):
    id: UUID
    invoice_id: UUID
    customer_id: UUID
    number: str
    issued_on: date
    currency: str
    net: DecimalStr
    tax: DecimalStr
    total: DecimalStr
    to_credit: DecimalStr = Field(description="The part that became customer credit (the invoice was already paid)")
    reason: str
    lines: list[CreditNoteLine]

"""The HTTP contract: request and response bodies. Amounts are decimal strings, never floats."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, ValidationInfo, field_validator

from commands import messages as m
from ledger.errors import InvalidValue
from ledger.events import Meta
from ledger.policy import (
    FIRST_DAY,
    IDENTIFIER_MAX,
    IDENTIFIER_PATTERN,
    LAST_DAY,
    LAST_DERIVED_DAY,
    NAME,
    NOTE,
    TEXT,
    rule_for,
)

__all__ = ["FIRST_DAY", "LAST_DAY"]  # re-exported: the routes' date bounds

Amount = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,15}(\.[0-9]{1,8})?$"),
    Field(description='A non-negative decimal amount as a string, e.g. "1234.50" (floats are refused)'),
]
Rate = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,9}(\.[0-9]{1,12})?$"),
    Field(description="Units of the functional currency per unit of the document's currency", examples=["0.9200"]),
]
Percent = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,3}(\.[0-9]{1,4})?$"), Field(examples=["24"])
]
CurrencyCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(description="ISO 4217 code", examples=["EUR"])
]
# The input policy's kinds (ledger.policy, docs/input-policy.md); every Body also checks each text
# for control characters by its field's kind (see ``Body``).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT.max_length)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT.max_length)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME.max_length)]
Note = Annotated[str, StringConstraints(max_length=NOTE.max_length)]
Identifier = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=IDENTIFIER_MAX, pattern=IDENTIFIER_PATTERN),
    Field(description="A code: a letter or digit first, then letters, digits, spaces and . _ : / @ # & + ' ( ) -"),
]
AccountCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$"), Field(examples=["6100"])]
DerivedDate = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DERIVED_DAY)]
EffectiveDate = Annotated[
    date | None,
    Field(
        ge=FIRST_DAY, le=LAST_DAY, description="Business (effective) date; today when omitted", examples=["2026-03-15"]
    ),
]
DecimalStr = Annotated[Decimal, PlainSerializer(str, return_type=str)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _input_policy(cls, value: Any, info: ValidationInfo) -> Any:
        """The domain's rule for a text of this field's name (no control characters, bounded
        length), so the client hears which field is wrong before anything runs."""
        _police(value, info.field_name or "")
        return value


def _police(value: Any, field: str) -> None:
    if isinstance(value, str):
        try:
            rule_for(field).check(value, field)
        except InvalidValue as exc:
            raise ValueError(str(exc)) from None
    elif isinstance(value, list | tuple):
        for item in value:
            _police(item, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            _police(key, field)
            _police(item, field)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Page(Out, Generic[T]):
    """One page of a list. Pass ``next_cursor`` as ``cursor`` for the next; null on the last page."""

    items: list[T]
    next_cursor: str | None = Field(description="Opaque; pass it back as `cursor` to get the next page")


class Provenance(Out):
    """Where a report came from. With an explicit ``as_of`` and ``known_at``, the same request gives
    the same bytes later, and ``digest`` proves it."""

    position: int = Field(description="The log position the report reflects: pass it as known_at to reproduce it")
    parameters: dict[str, str] = Field(description="The query as asked (min_position left out)")
    projections: dict[str, int] = Field(description="Read model name -> version that answered")
    digest: str = Field(description="sha256 of the report without its provenance, as canonical JSON")


class Report(Out):
    provenance: Provenance | None = Field(None, description="Filled in by the server for every report")


class CommandAccepted(Out):
    id: UUID
    version: int = Field(description="The aggregate's version after the command")
    position: int = Field(description="Log position of the last event written; pass as min_position to read it back")


# -- customers ------------------------------------------------------------------------


class RegisterCustomerBody(Body):
    name: Name
    payment_terms_days: int = Field(30, ge=0, le=365)
    currency: CurrencyCode = "EUR"
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


class ReasonBody(Body):
    reason: Text
    on: EffectiveDate = None


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
    payment_state: str = Field(description="draft, unpaid, partially_paid, paid or voided")
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


# -- books ----------------------------------------------------------------------------


class ClosePeriodBody(Body):
    lock_date: Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.ClosePeriod:
        return m.ClosePeriod(meta=meta, on=self.on, lock_date=self.lock_date)


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
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.PaySupplier:
        return m.PaySupplier(
            meta=meta,
            on=self.on,
            supplier_id=self.supplier_id,
            rate=self.rate,
            reference=self.reference,
            payment_id=self.id or uuid4(),
            allocations=tuple(a.to_input() for a in self.allocations),
        )


# -- expenses -------------------------------------------------------------------------


class CostCenterBody(Body):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,20}$")]
    name: Text
    manager: Text
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.DefineCostCenter:
        return m.DefineCostCenter(meta=meta, on=self.on, code=self.code, name=self.name, manager=self.manager)


class ManagerBody(Body):
    manager: Text
    on: EffectiveDate = None

    def to_command(self, meta: Meta, code: str) -> m.ChangeCostCenterManager:
        return m.ChangeCostCenterManager(meta=meta, on=self.on, code=code, manager=self.manager)


class ApprovalStepIn(Body):
    approver: Text = Field(description='A person, or "cost_center_manager"')
    above: Amount = Field("0", description="The step applies to claims above this amount")

    def to_input(self) -> m.ApprovalStepInput:
        return m.ApprovalStepInput(approver=self.approver, above=self.above)


class ExpensePolicyBody(Body):
    steps: list[ApprovalStepIn] = Field(min_length=1, max_length=10)
    fallback_approver: Text = Field(description="Who approves instead when a step would route to the claimant")
    categories: dict[str, AccountCode] = Field(
        default_factory=dict, description="Category -> account; defaults if empty"
    )
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.ConfigureExpensePolicy:
        return m.ConfigureExpensePolicy(
            meta=meta,
            on=self.on,
            steps=tuple(s.to_input() for s in self.steps),
            fallback_approver=self.fallback_approver,
            categories=tuple(self.categories.items()),
        )


class ClaimIn(Body):
    category: Text
    description: Text
    amount: Amount = Field(description="Gross, as on the receipt, in the functional currency")
    tax_rate: Percent = "0"
    receipt_reference: Text
    cost_center: Identifier
    project_id: Identifier | None = None

    def to_input(self) -> m.ClaimInput:
        return m.ClaimInput(
            category=self.category,
            description=self.description,
            amount=self.amount,
            tax_rate=self.tax_rate,
            receipt_reference=self.receipt_reference,
            cost_center=self.cost_center,
            project_id=self.project_id,
        )


class SubmitClaimBody(ClaimIn):
    employee: Text | None = Field(None, description="The caller (the API key's name) when omitted")
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.SubmitExpenseClaim:
        return m.SubmitExpenseClaim(
            meta=meta, on=self.on, claim=self.to_input(), employee=self.employee, claim_id=self.id or uuid4()
        )


class ResubmitClaimBody(ClaimIn):
    on: EffectiveDate = None

    def to_command(self, meta: Meta, claim_id: UUID) -> m.ResubmitExpenseClaim:
        return m.ResubmitExpenseClaim(meta=meta, on=self.on, claim_id=claim_id, claim=self.to_input())


class DateBody(Body):
    on: EffectiveDate = None


class ReimburseBody(Body):
    reference: OptionalText = ""
    on: EffectiveDate = None

    def to_command(self, meta: Meta, claim_id: UUID) -> m.ReimburseExpenseClaim:
        return m.ReimburseExpenseClaim(meta=meta, on=self.on, claim_id=claim_id, reference=self.reference)


class Claim(Out):
    id: str
    employee: str
    category: str
    account: str
    description: str
    receipt_reference: str
    cost_center: str
    project_id: str | None
    currency: str
    amount: DecimalStr
    status: str
    route: list[str]
    approvals: list[str]
    next_approver: str | None
    rejection_reason: str | None
    submitted_on: date
    version: int


# -- reports --------------------------------------------------------------------------


class Scope(Out):
    as_of: date
    known_at: datetime | None
    position: int = Field(description="Log position the read model had reached")
    start: date | None = None
    currency: str | None = Field(None, description="Reporting currency (the functional one) where it applies")


class TrialBalanceRow(Out):
    account: str
    name: str
    type: str
    currency: str
    debit: DecimalStr
    credit: DecimalStr


class CurrencyTotal(Out):
    currency: str
    debit: DecimalStr
    credit: DecimalStr
    balanced: bool


class TrialBalance(Report):
    scope: Scope
    balanced: bool
    rows: list[TrialBalanceRow]
    totals: list[CurrencyTotal]


class ReceivableRow(Out):
    customer_id: str
    customer_name: str
    currency: str
    receivable: DecimalStr
    credit: DecimalStr
    net: DecimalStr


class Receivables(Report):
    scope: Scope
    rows: list[ReceivableRow]
    totals: dict[str, DecimalStr]


class StatementLine(Out):
    account: str
    name: str
    group: str
    amount: DecimalStr


class ProfitAndLoss(Report):
    scope: Scope
    by: str | None
    income: list[StatementLine]
    expenses: list[StatementLine]
    total_income: DecimalStr
    total_expenses: DecimalStr
    result: DecimalStr


class BalanceSheet(Report):
    scope: Scope
    assets: list[StatementLine]
    liabilities: list[StatementLine]
    equity: list[StatementLine]
    unclosed_result: DecimalStr
    total_assets: DecimalStr
    total_liabilities: DecimalStr
    total_equity: DecimalStr
    balanced: bool


class AgeingItem(Out):
    document_id: str
    number: str
    party_id: str
    party_name: str
    currency: str
    due_date: date
    days_overdue: int
    bucket: str
    open_amount: DecimalStr
    open_value: DecimalStr


class Ageing(Report):
    scope: Scope
    kind: Literal["receivables", "payables"]
    total: DecimalStr = Field(description="Of every open item, on every page")
    buckets: dict[str, DecimalStr] = Field(description="Open value by days overdue, of every open item")
    items: list[AgeingItem] = Field(description="One page of the open items, by party name, due date and number")
    item_count: int = Field(description="How many open items the total counts")
    next_cursor: str | None = Field(description="Opaque; pass it back as `cursor` for the next page of items")


class LedgerEntry(Out):
    effective_date: date
    position: int
    memo: str
    currency: str
    amount: DecimalStr
    value: DecimalStr
    balance: DecimalStr
    document_id: str | None
    party_id: str | None


class AccountLedger(Report):
    scope: Scope
    account: str
    name: str
    opening: DecimalStr
    closing: DecimalStr
    entries: list[LedgerEntry]


class TaxLine(Out):
    tax_code: str
    sales_base: DecimalStr
    output_tax: DecimalStr
    purchases_base: DecimalStr
    input_tax: DecimalStr
    net_payable: DecimalStr


class TaxSummary(Report):
    scope: Scope
    lines: list[TaxLine]
    net_payable: DecimalStr


class ProjectionStatus(Out):
    name: str
    position: int
    head: int
    lag: int
    updated_at: datetime | None
    events_per_second: float | None = Field(None, description="Folding speed over the last page")
    healthy: bool = Field(True, description="False while it is stopped at an event it cannot fold")
    failed_position: int | None = Field(None, description="The log position of the event it is stopped at")
    failed_event: str | None = Field(None, description="That event: aggregate id, version and topic")
    error: str | None = Field(None, description="Why it could not fold it")
    failed_at: datetime | None = None


# -- CRM ------------------------------------------------------------------------------

Probability = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^-?[0-9]{1,4}(\.[0-9]{1,4})?$"),
    Field(description="Win probability in percent, 0 to 100", examples=["60"]),
]


class StageIn(Body):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
    name: Name
    probability: Probability

    def to_input(self) -> m.StageInput:
        return m.StageInput(key=self.key, name=self.name, probability=self.probability)


class PipelineBody(Body):
    stages: list[StageIn] = Field(min_length=1, max_length=30)
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.ConfigurePipeline:
        return m.ConfigurePipeline(meta=meta, on=self.on, stages=tuple(s.to_input() for s in self.stages))


class LeadBody(Body):
    name: Name
    source: Name = Field(description="Where the lead came from: referral, website, event, …")
    company: OptionalText = ""
    email: OptionalText = ""
    phone: OptionalText = ""
    notes: Annotated[str, StringConstraints(max_length=4000)] = ""  # a NOTE, shorter
    owner: Name | None = Field(None, description="The actor when omitted")
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.CaptureLead:
        return m.CaptureLead(
            meta=meta,
            on=self.on,
            name=self.name,
            source=self.source,
            company=self.company,
            email=self.email,
            phone=self.phone,
            notes=self.notes,
            owner=self.owner,
            lead_id=self.id or uuid4(),
        )


class NoteBody(Body):
    note: OptionalText = ""
    on: EffectiveDate = None


class ServiceIn(Body):
    description: Text
    quantity: Amount
    unit_price: Amount

    def to_input(self) -> m.ServiceInput:
        return m.ServiceInput(description=self.description, quantity=self.quantity, unit_price=self.unit_price)


class DealIn(Body):
    title: Name
    value: Amount | None = Field(None, description="The services' total when omitted")
    currency: CurrencyCode | None = None
    expected_close: DerivedDate | None = None
    owner: Name | None = None
    stage: Name | None = Field(None, description="A stage key; the first stage when omitted")
    probability: Probability | None = Field(None, description="Overrides the stage's default probability")
    services: list[ServiceIn] = Field(default_factory=list, max_length=200)

    def to_input(self) -> m.DealInput:
        return m.DealInput(
            title=self.title,
            value=self.value,
            currency=self.currency,
            expected_close=self.expected_close,
            owner=self.owner,
            stage=self.stage,
            probability=self.probability,
            services=tuple(s.to_input() for s in self.services),
        )


class ConvertLeadBody(Body):
    customer_id: UUID | None = Field(None, description="Attach to this existing customer instead of creating one")
    currency: CurrencyCode = "EUR"
    payment_terms_days: int = Field(30, ge=0, le=365)
    contact_role: OptionalText = ""
    deal: DealIn | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, lead_id: UUID) -> m.ConvertLead:
        return m.ConvertLead(
            meta=meta,
            on=self.on,
            lead_id=lead_id,
            customer_id=self.customer_id,
            currency=self.currency,
            payment_terms_days=self.payment_terms_days,
            contact_role=self.contact_role,
            deal=self.deal.to_input() if self.deal else None,
        )


class OwnerBody(Body):
    owner: Name
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID) -> m.AssignCustomerOwner:
        return m.AssignCustomerOwner(meta=meta, on=self.on, customer_id=customer_id, owner=self.owner)


class ContactBody(Body):
    name: Name
    email: OptionalText = ""
    phone: OptionalText = ""
    role: OptionalText = ""
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID) -> m.AddContact:
        return m.AddContact(
            meta=meta,
            on=self.on,
            customer_id=customer_id,
            name=self.name,
            email=self.email,
            phone=self.phone,
            role=self.role,
            contact_id=self.id or uuid4(),
        )


class MergeBody(Body):
    target_id: UUID = Field(description="The customer that stays; this one becomes its duplicate")
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID) -> m.MergeCustomers:
        return m.MergeCustomers(meta=meta, on=self.on, source_id=customer_id, target_id=self.target_id)


class OpenDealBody(DealIn):
    customer_id: UUID
    source: OptionalText = ""
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.OpenDeal:
        return m.OpenDeal(
            meta=meta,
            on=self.on,
            customer_id=self.customer_id,
            deal=self.to_input(),
            source=self.source,
            deal_id=self.id or uuid4(),
        )


class UpdateDealBody(Body):
    title: Name | None = None
    value: Amount | None = None
    expected_close: DerivedDate | None = None
    owner: Name | None = None
    services: list[ServiceIn] | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, deal_id: UUID, expected_version: int | None = None) -> m.UpdateDeal:
        return m.UpdateDeal(
            meta=meta,
            on=self.on,
            deal_id=deal_id,
            title=self.title,
            value=self.value,
            expected_close=self.expected_close,
            owner=self.owner,
            services=tuple(s.to_input() for s in self.services) if self.services is not None else None,
            expected_version=expected_version,
        )


class MoveDealBody(Body):
    stage: Name
    probability: Probability | None = None
    on: EffectiveDate = Field(None, description="When the deal moved; may be in the past")

    def to_command(self, meta: Meta, deal_id: UUID, expected_version: int | None = None) -> m.MoveDeal:
        return m.MoveDeal(
            meta=meta,
            on=self.on,
            deal_id=deal_id,
            stage=self.stage,
            probability=self.probability,
            expected_version=expected_version,
        )


class OutcomeBody(Body):
    reason: OptionalText = ""
    on: EffectiveDate = None


class ReopenBody(Body):
    stage: Name | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, deal_id: UUID) -> m.ReopenDeal:
        return m.ReopenDeal(meta=meta, on=self.on, deal_id=deal_id, stage=self.stage)


class ActivityBody(Body):
    kind: Literal["call", "email", "meeting", "note"]
    about_kind: Literal["lead", "deal", "customer"]
    about_id: UUID
    subject: Name
    body: Note = ""
    id: UUID | None = None
    on: EffectiveDate = Field(None, description="When it happened")

    def to_command(self, meta: Meta) -> m.LogActivity:
        return m.LogActivity(
            meta=meta,
            on=self.on,
            kind=self.kind,
            about_kind=self.about_kind,
            about_id=self.about_id,
            subject=self.subject,
            body=self.body,
            activity_id=self.id or uuid4(),
        )


class FollowUpBody(Body):
    about_kind: Literal["lead", "deal", "customer"]
    about_id: UUID
    owner: Name
    due: Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
    note: OptionalText = ""
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.ScheduleFollowUp:
        return m.ScheduleFollowUp(
            meta=meta,
            on=self.on,
            about_kind=self.about_kind,
            about_id=self.about_id,
            owner=self.owner,
            due=self.due,
            note=self.note,
            followup_id=self.id or uuid4(),
        )


class RescheduleBody(Body):
    due: Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
    owner: Name | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta, followup_id: UUID) -> m.RescheduleFollowUp:
        return m.RescheduleFollowUp(meta=meta, on=self.on, followup_id=followup_id, due=self.due, owner=self.owner)


class CrmScope(Out):
    as_of: date
    known_at: datetime | None
    position: int
    start: date | None = None


class DealState(Out):
    deal_id: str
    customer_id: str
    title: str
    value: DecimalStr
    currency: str
    owner: str
    source: str
    lead_id: str | None
    opened_on: date
    stage: str
    probability: DecimalStr
    status: str
    since: date
    weighted: DecimalStr
    expected_close: DerivedDate | None = None


class Lead(Out):
    id: str
    name: str
    company: str
    email: str
    source: str
    owner: str
    status: Literal["new", "qualified", "disqualified", "converted"]
    captured_on: date
    customer_id: str | None = Field(description="The customer a conversion created or chose")
    deal_id: str | None
    reason: str | None = Field(description="Why it was disqualified")


class Activity(Out):
    id: str
    kind: str
    about_kind: str
    about_id: str
    subject: str
    body: str
    actor: str
    on: date


class Contact(Out):
    contact_id: str
    name: str
    email: str
    phone: str
    role: str
    active: bool


class Stage(Out):
    key: str
    name: str
    probability: DecimalStr
    order: int


class PipelineRow(Out):
    group: str
    currency: str
    count: int
    value: DecimalStr
    weighted: DecimalStr


class PipelineReport(Report):
    scope: CrmScope
    by: str
    rows: list[PipelineRow]
    won: int
    lost: int


class FunnelStep(Out):
    stage: str
    reached: int
    to_next: DecimalStr | None


class SourceRow(Out):
    source: str
    leads: int
    converted: int
    won: int
    lead_to_won: DecimalStr


class ConversionReport(Report):
    scope: CrmScope
    funnel: list[FunnelStep]
    sources: list[SourceRow]


class WinRateReport(Report):
    scope: CrmScope
    won: int
    lost: int
    win_rate: DecimalStr | None
    average_cycle_days: DecimalStr | None


class FollowUpItem(Out):
    followup_id: str
    owner: str
    about_kind: str
    about_id: str
    due: date
    note: str


class OwnerFollowUps(Out):
    owner: str
    overdue: int
    due_today: int
    upcoming: int


class FollowUpsReport(Report):
    scope: CrmScope
    owners: list[OwnerFollowUps]
    open_items: list[FollowUpItem]


class TimelineEntry(Out):
    on: date
    kind: str
    subject: str
    about_kind: str
    about_id: str
    actor: str


class Customer360(Report):
    scope: CrmScope
    customer_id: str
    name: str
    owner: str
    merged_ids: list[str]
    contacts: list[dict[str, str]]
    deals: list[DealState]
    timeline: list[TimelineEntry]
    invoices: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    open_balance: dict[str, DecimalStr]
    credit: dict[str, DecimalStr]
    projects: list[dict[str, Any]]


# -- people, projects, time -------------------------------------------------------------

Hours = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^-?[0-9]{1,4}(\.[0-9]{1,2})?$"), Field(examples=["7.5"])
]
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


class TermsIn(Body):
    effective: Day
    role: Name
    cost_center: Name
    weekly_capacity: Hours = "40"
    cost_rate: Amount
    bill_rate: Amount

    def to_input(self) -> m.TermsInput:
        return m.TermsInput(
            effective=self.effective,
            role=self.role,
            cost_center=self.cost_center,
            weekly_capacity=self.weekly_capacity,
            cost_rate=self.cost_rate,
            bill_rate=self.bill_rate,
        )

    def to_command(self, meta: Meta, handle: str) -> m.ChangeTerms:
        return m.ChangeTerms(meta=meta, handle=handle, terms=self.to_input())


class HireBody(Body):
    handle: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9._-]{0,39}$")]
    name: Name
    terms: TermsIn

    def to_command(self, meta: Meta) -> m.HirePerson:
        return m.HirePerson(meta=meta, handle=self.handle, name=self.name, terms=self.terms.to_input())


class ProjectBody(Body):
    customer_id: UUID
    name: Name
    id: UUID | None = None
    on: EffectiveDate = None

    def to_command(self, meta: Meta) -> m.DraftProject:
        return m.DraftProject(
            meta=meta, on=self.on, customer_id=self.customer_id, name=self.name, project_id=self.id or uuid4()
        )


class MilestoneIn(Body):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,40}$")]
    name: Name
    amount: Amount

    def to_input(self) -> m.MilestoneInput:
        return m.MilestoneInput(key=self.key, name=self.name, amount=self.amount)


class ConfigureProjectBody(Body):
    model: Literal["fixed", "time_and_materials", "retainer"]
    start: Day
    end: Day | None = None
    currency: CurrencyCode | None = None
    tax_percent: Percent = "0"
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=100)
    rates: dict[str, Amount] = Field(default_factory=dict, description='{"person:ana": "95", "role:developer": "120"}')
    monthly_fee: Amount = "0"
    budget_hours: Amount = "0"
    budget_amount: Amount = "0"
    cost_center: OptionalText = ""
    requires_allocation: bool = False
    on: EffectiveDate = None

    def to_command(self, meta: Meta, project_id: UUID) -> m.ConfigureProject:
        return m.ConfigureProject(
            meta=meta,
            on=self.on,
            project_id=project_id,
            model=self.model,
            start=self.start,
            end=self.end,
            currency=self.currency,
            tax_percent=self.tax_percent,
            milestones=tuple(x.to_input() for x in self.milestones),
            rates=tuple(self.rates.items()),
            monthly_fee=self.monthly_fee,
            budget_hours=self.budget_hours,
            budget_amount=self.budget_amount,
            cost_center=self.cost_center,
            requires_allocation=self.requires_allocation,
        )


class AllocationBody(Body):
    person: Name
    week: Day = Field(description="The Monday the week starts on")
    hours: Hours
    on: EffectiveDate = None

    def to_command(self, meta: Meta, project_id: UUID) -> m.PlanAllocation:
        return m.PlanAllocation(
            meta=meta, on=self.on, project_id=project_id, person=self.person, week=self.week, hours=self.hours
        )


class TimeBody(Body):
    person: Name | None = Field(None, description="The actor when omitted")
    day: Day
    project_id: UUID
    hours: Hours
    billable: bool = True
    note: OptionalText = ""
    entry_id: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = None

    def to_command(self, meta: Meta) -> m.LogTime:
        return m.LogTime(
            meta=meta,
            person=self.person or meta.actor,
            day=self.day,
            project_id=self.project_id,
            hours=self.hours,
            billable=self.billable,
            note=self.note,
            entry_id=self.entry_id or str(uuid4()),
        )


class CorrectTimeBody(Body):
    hours: Hours
    billable: bool = True
    on: EffectiveDate = None

    def to_command(self, meta: Meta, person: str, week: date, entry_id: str) -> m.CorrectTime:
        return m.CorrectTime(
            meta=meta, on=self.on, person=person, week=week, entry_id=entry_id, hours=self.hours, billable=self.billable
        )


class BillingRunBody(Body):
    as_of: Day
    on: EffectiveDate = None

    def to_command(self, meta: Meta, project_id: UUID) -> m.RunBilling:
        return m.RunBilling(meta=meta, on=self.on, project_id=project_id, as_of=self.as_of)


class WorkScope(Out):
    as_of: date
    known_at: datetime | None
    position: int
    start: date | None = None
    currency: str | None = None


class MarginRow(Out):
    key: str
    name: str
    revenue: DecimalStr
    labour: DecimalStr
    expenses: DecimalStr
    margin: DecimalStr
    margin_percent: DecimalStr | None


class Margins(Report):
    scope: WorkScope
    by: str
    rows: list[MarginRow]


class BurnRow(Out):
    project_id: str
    name: str
    budget_hours: DecimalStr
    actual_hours: DecimalStr
    planned_hours: DecimalStr
    budget_amount: DecimalStr
    actual_cost: DecimalStr
    hours_burn_percent: DecimalStr | None
    cost_burn_percent: DecimalStr | None


class BudgetBurn(Report):
    scope: WorkScope
    rows: list[BurnRow]


class UtilisationRow(Out):
    person: str
    capacity_hours: DecimalStr
    billable_hours: DecimalStr
    total_hours: DecimalStr
    planned_hours: DecimalStr
    utilisation_percent: DecimalStr | None


class Utilisation(Report):
    scope: WorkScope
    rows: list[UtilisationRow]


class WipRow(Out):
    project_id: str
    name: str
    hours: DecimalStr
    value: DecimalStr
    currency: str


class WorkInProgress(Report):
    scope: WorkScope
    rows: list[WipRow]


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


class Supplier(Out):
    id: str
    name: str


class PaymentSummary(Out):
    id: str
    customer_id: str
    received_on: date
    currency: str
    amount: DecimalStr


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


# -- delivery lists ---------------------------------------------------------------------


class Project(Out):
    id: str
    customer_id: str
    name: str
    status: Literal["draft", "active", "closed"]
    billing_model: str | None
    currency: str | None
    budget_hours: DecimalStr
    budget: DecimalStr | None
    start_date: date | None
    end_date: date | None
    cost_center: str
    deal_id: str | None = Field(description="The won deal the project came from")
    drafted_on: date


class Person(Out):
    handle: str
    name: str
    role: str
    cost_center: str
    weekly_capacity: DecimalStr
    cost_rate: DecimalStr
    bill_rate: DecimalStr
    terms_since: date = Field(description="Since when these terms apply")


class TimesheetEntry(Out):
    entry_id: str
    day: date
    project_id: str
    hours: DecimalStr
    billable: bool
    note: str


class Timesheet(Out):
    person: str
    week: date
    status: str
    total_hours: DecimalStr
    entries: list[TimesheetEntry]
    version: int


class ExpensePolicyOut(Out):
    steps: list[ApprovalStepIn]
    fallback_approver: str
    categories: dict[str, str]
    version: int


class CostCenter(Out):
    code: str
    name: str
    manager: str
    version: int


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


# -- restatement -----------------------------------------------------------------------


class RestatedAccount(Out):
    account: str
    name: str
    type: str
    at_close: DecimalStr = Field(description="Balance as of the period's end, as known when it was closed")
    now: DecimalStr = Field(description="The same balance as known now (or at known_at)")
    difference: DecimalStr
    explained_by: list[int] = Field(description="Positions of the late events that changed it")


class LateLine(Out):
    account: str
    value: DecimalStr


class LateEvent(Out):
    position: int
    recorded_at: datetime
    effective_date: date
    source_id: str = Field(description="The aggregate whose event posted it: see /v1/aggregates/{id}/history")
    event_topic: str
    memo: str = Field(description="What its journal says it is, e.g. the bill's number and its supplier")
    lines: list[LateLine]


class Restatement(Report):
    scope: Scope
    closed_at: datetime = Field(description="When the close of the period was recorded")
    close_position: int
    restated: bool = Field(description="Whether anything changed since the close")
    accounts: list[RestatedAccount]
    late_events: list[LateEvent]


# -- cash flow --------------------------------------------------------------------------


class CashPeriod(Out):
    start: date
    end: date
    inflow: DecimalStr
    outflow: DecimalStr
    net: DecimalStr
    opening: DecimalStr
    closing: DecimalStr
    detail: dict[str, DecimalStr] = Field(description="Net by source (payment, supplierpayment, receivable, …)")


class CashFlowReport(Report):
    scope: Scope
    by: Literal["week", "month"]
    periods: list[CashPeriod]


class ForecastItem(Out):
    source: Literal["receivable", "payable", "expense_claim", "labour", "retainer", "pipeline"]
    document_id: str
    party_id: str
    party_name: str
    due_date: date | None
    expected_on: date = Field(description="The due date shifted by the customer's observed payment delay")
    amount: DecimalStr = Field(description="Signed: money in is positive")


class CashForecast(Report):
    scope: Scope
    by: Literal["week", "month"]
    delays: dict[str, DecimalStr] = Field(description="Customer id -> average days paid after the due date")
    periods: list[CashPeriod]
    items: list[ForecastItem] = Field(description="One page of the items behind the periods, by expected day")
    item_count: int = Field(description="How many items the periods count, on every page")
    next_cursor: str | None = Field(description="Opaque; pass it back as `cursor` for the next page of items")


class ForecastVsActualPeriod(Out):
    start: date
    end: date
    forecast_net: DecimalStr
    actual_net: DecimalStr
    difference: DecimalStr = Field(description="Actual less forecast")


class ForecastVsActual(Report):
    scope: Scope
    by: Literal["week", "month"]
    forecast_known_at: datetime
    periods: list[ForecastVsActualPeriod]

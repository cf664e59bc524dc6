"""Commands: what a client asks Keel to do. Small, frozen, imperative.

Amounts travel as strings (parsed into Decimal by the domain), ids as UUIDs, dates as
``date``. ``on`` is the business (effective) date; it defaults to today. ``expected_version``
makes a command conditional on the version the client last saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID, uuid4

from ledger.events import Meta


@dataclass(frozen=True, kw_only=True)
class Command:
    meta: Meta
    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class RegisterCustomer(Command):
    name: str
    payment_terms_days: int = 30
    currency: str = "EUR"
    customer_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class RenameCustomer(Command):
    customer_id: UUID
    name: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class ChangePaymentTerms(Command):
    customer_id: UUID
    payment_terms_days: int
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class LineInput:
    description: str
    quantity: str
    unit_price: str
    tax_rate: str | None = None  # the document's default rate when not given
    tax_inclusive: bool = False
    discount_percent: str = "0"
    service_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class DraftInvoice(Command):
    customer_id: UUID
    lines: tuple[LineInput, ...]
    tax_percent: str = "0"  # default rate for lines that give none
    currency: str | None = None  # the customer's currency when not given
    series: str = "INV"
    invoice_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class IssueInvoice(Command):
    invoice_id: UUID
    rate: str | None = None  # functional currency per unit of the invoice's; required for foreign invoices
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class MarkInvoiceSent(Command):
    invoice_id: UUID
    to: str = ""
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class IssueCreditNote(Command):
    invoice_id: UUID
    reason: str
    lines: tuple[LineInput, ...] = ()  # empty: credit the whole invoice
    credit_note_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class WriteOffInvoice(Command):
    invoice_id: UUID
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class VoidInvoice(Command):
    invoice_id: UUID
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class AllocationInput:
    invoice_id: UUID
    amount: str


@dataclass(frozen=True, kw_only=True)
class RecordPayment(Command):
    customer_id: UUID
    amount: str
    currency: str | None = None  # the customer's currency when not given
    allocations: tuple[AllocationInput, ...] = ()
    reference: str = ""
    rate: str | None = None
    bank_fee: str = "0"
    payment_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class UnallocatePayment(Command):
    payment_id: UUID
    invoice_id: UUID
    amount: str


@dataclass(frozen=True, kw_only=True)
class ApplyCustomerCredit(Command):
    customer_id: UUID
    invoice_id: UUID
    amount: str


@dataclass(frozen=True, kw_only=True)
class RefundCustomerCredit(Command):
    customer_id: UUID
    amount: str
    currency: str | None = None
    rate: str | None = None
    reference: str = ""


# -- books ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ClosePeriod(Command):
    lock_date: date


@dataclass(frozen=True, kw_only=True)
class CloseYear(Command):
    year: int


@dataclass(frozen=True, kw_only=True)
class EntryLineInput:
    account: str
    debit: str = "0"
    credit: str = "0"
    currency: str | None = None  # functional currency when not given
    rate: str | None = None
    party_id: str | None = None
    cost_center: str | None = None
    project_id: str | None = None
    tax_code: str | None = None
    memo: str = ""


@dataclass(frozen=True, kw_only=True)
class PostJournalEntry(Command):
    lines: tuple[EntryLineInput, ...]
    memo: str
    corrects: str | None = None
    entry_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class ReverseJournalEntry(Command):
    entry_id: UUID
    reason: str


# -- payables -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterSupplier(Command):
    name: str
    payment_terms_days: int = 30
    currency: str | None = None
    supplier_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class BillLineInput:
    description: str
    account: str
    amount: str
    tax_rate: str = "0"
    tax_inclusive: bool = False
    cost_center: str | None = None


@dataclass(frozen=True, kw_only=True)
class RecordBill(Command):
    supplier_id: UUID
    supplier_reference: str
    lines: tuple[BillLineInput, ...]
    currency: str | None = None
    rate: str | None = None
    due_date: date | None = None
    bill_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class VoidBill(Command):
    bill_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class BillPaymentInput:
    bill_id: UUID
    amount: str


@dataclass(frozen=True, kw_only=True)
class PaySupplier(Command):
    supplier_id: UUID
    allocations: tuple[BillPaymentInput, ...]
    rate: str | None = None
    reference: str = ""
    payment_id: UUID = field(default_factory=uuid4)


# -- expenses -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DefineCostCenter(Command):
    code: str
    name: str
    manager: str


@dataclass(frozen=True, kw_only=True)
class ChangeCostCenterManager(Command):
    code: str
    manager: str


@dataclass(frozen=True, kw_only=True)
class ApprovalStepInput:
    approver: str
    above: str = "0"


@dataclass(frozen=True, kw_only=True)
class ConfigureExpensePolicy(Command):
    steps: tuple[ApprovalStepInput, ...]
    fallback_approver: str
    categories: tuple[tuple[str, str], ...] = ()  # category -> account; the defaults when empty


@dataclass(frozen=True, kw_only=True)
class ClaimInput:
    category: str
    description: str
    amount: str
    receipt_reference: str
    cost_center: str
    tax_rate: str = "0"
    project_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class SubmitExpenseClaim(Command):
    claim: ClaimInput
    employee: str | None = None  # the actor when not given
    claim_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class ApproveExpenseClaim(Command):
    claim_id: UUID  # the approver is the actor


@dataclass(frozen=True, kw_only=True)
class RejectExpenseClaim(Command):
    claim_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class ResubmitExpenseClaim(Command):
    claim_id: UUID
    claim: ClaimInput


@dataclass(frozen=True, kw_only=True)
class ReimburseExpenseClaim(Command):
    claim_id: UUID
    reference: str = ""


@dataclass(frozen=True)
class CommandResult:
    """What a client needs to continue: the aggregate, its new version, the log position."""

    id: UUID
    version: int
    position: int

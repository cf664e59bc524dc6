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
class ReopenPeriod(Command):
    lock_date: date | None  # the new, earlier lock date; None opens every period
    reason: str


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


# -- CRM ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StageInput:
    key: str
    name: str
    probability: str


@dataclass(frozen=True, kw_only=True)
class ConfigurePipeline(Command):
    stages: tuple[StageInput, ...]


@dataclass(frozen=True, kw_only=True)
class CaptureLead(Command):
    name: str
    source: str
    company: str = ""
    email: str = ""
    phone: str = ""
    notes: str = ""
    owner: str | None = None  # the actor when not given
    lead_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class QualifyLead(Command):
    lead_id: UUID
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class DisqualifyLead(Command):
    lead_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class ServiceInput:
    description: str
    quantity: str
    unit_price: str


@dataclass(frozen=True, kw_only=True)
class DealInput:
    title: str
    value: str | None = None  # the services' total when not given
    currency: str | None = None
    expected_close: date | None = None
    owner: str | None = None
    stage: str | None = None  # the first stage when not given
    probability: str | None = None
    services: tuple[ServiceInput, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ConvertLead(Command):
    lead_id: UUID
    customer_id: UUID | None = None  # attach to an existing customer; a new one otherwise
    currency: str = "EUR"
    payment_terms_days: int = 30
    contact_role: str = ""
    deal: DealInput | None = None
    new_customer_id: UUID = field(default_factory=uuid4)
    contact_id: UUID = field(default_factory=uuid4)
    deal_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class AssignCustomerOwner(Command):
    customer_id: UUID
    owner: str


@dataclass(frozen=True, kw_only=True)
class AddContact(Command):
    customer_id: UUID
    name: str
    email: str = ""
    phone: str = ""
    role: str = ""
    contact_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class RemoveContact(Command):
    customer_id: UUID
    contact_id: UUID


@dataclass(frozen=True, kw_only=True)
class MergeCustomers(Command):
    source_id: UUID  # the duplicate
    target_id: UUID  # the record that stays


@dataclass(frozen=True, kw_only=True)
class OpenDeal(Command):
    customer_id: UUID
    deal: DealInput
    source: str = ""
    deal_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class UpdateDeal(Command):
    deal_id: UUID
    title: str | None = None
    value: str | None = None
    expected_close: date | None = None
    owner: str | None = None
    services: tuple[ServiceInput, ...] | None = None
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class MoveDeal(Command):
    deal_id: UUID
    stage: str
    probability: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class WinDeal(Command):
    deal_id: UUID
    reason: str = ""
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class LoseDeal(Command):
    deal_id: UUID
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class ReopenDeal(Command):
    deal_id: UUID
    stage: str | None = None


@dataclass(frozen=True, kw_only=True)
class LogActivity(Command):
    kind: str
    about_kind: str
    about_id: UUID
    subject: str
    body: str = ""
    activity_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class ScheduleFollowUp(Command):
    about_kind: str
    about_id: UUID
    owner: str
    due: date
    note: str = ""
    followup_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class RescheduleFollowUp(Command):
    followup_id: UUID
    due: date
    owner: str | None = None


@dataclass(frozen=True, kw_only=True)
class CompleteFollowUp(Command):
    followup_id: UUID
    outcome: str = ""


@dataclass(frozen=True, kw_only=True)
class CancelFollowUp(Command):
    followup_id: UUID
    reason: str = ""


# -- people, projects, time ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TermsInput:
    effective: date
    role: str
    cost_center: str
    weekly_capacity: str
    cost_rate: str
    bill_rate: str


@dataclass(frozen=True, kw_only=True)
class HirePerson(Command):
    handle: str
    name: str
    terms: TermsInput


@dataclass(frozen=True, kw_only=True)
class ChangeTerms(Command):
    handle: str
    terms: TermsInput


@dataclass(frozen=True, kw_only=True)
class DraftProject(Command):
    customer_id: UUID
    name: str
    project_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class MilestoneInput:
    key: str
    name: str
    amount: str


@dataclass(frozen=True, kw_only=True)
class ConfigureProject(Command):
    project_id: UUID
    model: str
    start: date
    end: date | None = None
    currency: str | None = None
    tax_percent: str = "0"
    milestones: tuple[MilestoneInput, ...] = ()
    rates: tuple[tuple[str, str], ...] = ()  # ("person:alice" | "role:designer", rate)
    monthly_fee: str = "0"
    budget_hours: str = "0"
    budget_amount: str = "0"
    cost_center: str = ""
    requires_allocation: bool = False


@dataclass(frozen=True, kw_only=True)
class ActivateProject(Command):
    project_id: UUID


@dataclass(frozen=True, kw_only=True)
class CloseProject(Command):
    project_id: UUID
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class PlanAllocation(Command):
    project_id: UUID
    person: str
    week: date
    hours: str


@dataclass(frozen=True, kw_only=True)
class LogTime(Command):
    person: str
    day: date
    project_id: UUID
    hours: str
    billable: bool = True
    note: str = ""
    entry_id: str = field(default_factory=lambda: str(uuid4()))


@dataclass(frozen=True, kw_only=True)
class CorrectTime(Command):
    person: str
    week: date
    entry_id: str
    hours: str
    billable: bool = True


@dataclass(frozen=True, kw_only=True)
class SubmitTimesheet(Command):
    person: str
    week: date


@dataclass(frozen=True, kw_only=True)
class ApproveTimesheet(Command):
    person: str
    week: date  # the approver is the actor


@dataclass(frozen=True, kw_only=True)
class RejectTimesheet(Command):
    person: str
    week: date
    reason: str


@dataclass(frozen=True, kw_only=True)
class CompleteMilestone(Command):
    project_id: UUID
    milestone: str


@dataclass(frozen=True, kw_only=True)
class RunBilling(Command):
    project_id: UUID
    as_of: date


@dataclass(frozen=True, kw_only=True)
class IssueApiKey(Command):
    key_id: str
    name: str
    roles: tuple[str, ...]
    secret_sha256: str


@dataclass(frozen=True, kw_only=True)
class RevokeApiKey(Command):
    key_id: str
    reason: str = ""


@dataclass(frozen=True)
class CommandResult:
    """What a client needs to continue: the aggregate, its new version, the log position."""

    id: UUID
    version: int
    position: int

"""The finance commands: the books (periods, year-end, journal entries), payables and expenses.

Amounts travel as strings (parsed into Decimal by the domain), ids as UUIDs, dates as
``date``. ``on`` is the business (effective) date; it defaults to today. ``expected_version``
makes a command conditional on the version the client last saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID, uuid4

from commands.unit_of_work import Command


@dataclass(frozen=True, kw_only=True)
class ReopenPeriod(Command):
    lock_date: date | None  # the new, earlier lock date; None opens every period
    reason: str


@dataclass(frozen=True, kw_only=True)
class SetNumbering(Command):
    strict: bool  # invoices and credit notes numbered in date order


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
    bank_account: str | None = None  # an account of sub-type bank; the bank role's when not given
    payment_id: UUID = field(default_factory=uuid4)


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
    expected_version: int | None = None  # the claim's version the approver saw (If-Match)


@dataclass(frozen=True, kw_only=True)
class RejectExpenseClaim(Command):
    claim_id: UUID
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class ResubmitExpenseClaim(Command):
    claim_id: UUID
    claim: ClaimInput


@dataclass(frozen=True, kw_only=True)
class ReimburseExpenseClaim(Command):
    claim_id: UUID
    reference: str = ""


# -- the chart of accounts ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class InitBooks(Command):
    """Start an empty store's books and chart of accounts from a template."""

    template: str = "services-eu"
    currency: str | None = None  # the configured functional currency when not given


@dataclass(frozen=True, kw_only=True)
class AddAccount(Command):
    code: str
    name: str
    type: str
    subtype: str = "other"
    parent: str | None = None
    currency: str | None = None  # postings only in this currency, when given


@dataclass(frozen=True, kw_only=True)
class RenameAccount(Command):
    code: str
    name: str


@dataclass(frozen=True, kw_only=True)
class MoveAccount(Command):
    code: str
    parent: str | None  # the group it goes under; None: at the top


@dataclass(frozen=True, kw_only=True)
class DeactivateAccount(Command):
    code: str


@dataclass(frozen=True, kw_only=True)
class ReactivateAccount(Command):
    code: str


@dataclass(frozen=True, kw_only=True)
class MapRole(Command):
    role: str  # a role, or output_tax:<tax code> for one rate
    code: str


# -- exchange rates and revaluation (ADR 0033) -------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SetFxRate(Command):
    """A rate from ``on`` (the rate's date; today when not given)."""

    currency: str
    rate: str


@dataclass(frozen=True, kw_only=True)
class FxRateInput:
    currency: str
    rate_date: date
    rate: str


@dataclass(frozen=True, kw_only=True)
class ImportFxRates(Command):
    """Every rate of one file; ``digest`` is the file's SHA-256 (the same file again needs ``force``)."""

    rates: tuple[FxRateInput, ...]
    digest: str
    force: bool = False


@dataclass(frozen=True, kw_only=True)
class RevalueFx(Command):
    """Revalue open foreign-currency balances at the closing rates of ``as_of``."""

    as_of: date


# -- supplier credit notes ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReceiveSupplierCreditNote(Command):
    """A supplier's credit note on one of its bills: ``lines`` taken back (none: the whole bill)."""

    bill_id: UUID
    supplier_reference: str
    lines: tuple[BillLineInput, ...] = ()
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ApplySupplierCredit(Command):
    credit_note_id: UUID
    bill_id: UUID
    amount: str


@dataclass(frozen=True, kw_only=True)
class RefundSupplierCredit(Command):
    credit_note_id: UUID
    amount: str
    rate: str | None = None
    reference: str = ""
    bank_account: str | None = None


@dataclass(frozen=True, kw_only=True)
class SetCompanyProfile(Command):
    """The company's whole profile; ``logo`` None keeps the current logo, empty bytes remove it."""

    legal_name: str
    street: str
    city: str
    postal_code: str = ""
    country: str
    vat_id: str = ""
    registration_id: str = ""
    email: str = ""
    iban: str
    bic: str
    logo: bytes | None = None


@dataclass(frozen=True, kw_only=True)
class PlanCost(Command):
    name: str
    amount: str  # each payment, in the functional currency
    start: date
    frequency: str = "monthly"  # monthly, quarterly or yearly, from the start's month
    pay_day: int = 31  # the day of the month (31: its last day)
    end: date | None = None
    currency: str | None = None  # the functional currency; another is refused
    cost_center: str | None = None
    planned_cost_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class RevisePlannedCost(Command):
    planned_cost_id: UUID
    amount: str
    effective_from: date
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class EndPlannedCost(Command):
    planned_cost_id: UUID
    end: date
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class CancelPlannedCost(Command):
    planned_cost_id: UUID
    reason: str
    expected_version: int | None = None

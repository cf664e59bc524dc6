"""The sales commands: customers, invoices, credit notes, payments and customer credit.

Amounts travel as strings (parsed into Decimal by the domain), ids as UUIDs, dates as
``date``. ``on`` is the business (effective) date; it defaults to today. ``expected_version``
makes a command conditional on the version the client last saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID, uuid4

from commands.unit_of_work import Command


@dataclass(frozen=True, kw_only=True)
class RegisterCustomer(Command):
    name: str
    payment_terms_days: int = 30
    currency: str | None = None  # the books' functional currency when not given
    customer_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class RenameCustomer(Command):
    customer_id: UUID
    name: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class SetBillingEmail(Command):
    """Where the customer's invoices are e-mailed ("" stops the e-mails)."""

    customer_id: UUID
    email: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class ChangePaymentTerms(Command):
    customer_id: UUID
    payment_terms_days: int
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class ExpectPaymentDelay(Command):
    """From ``on`` the cash forecast expects the customer's payments ``days`` after their due
    dates (None: as their payments so far say)."""

    customer_id: UUID
    days: int | None
    reason: str = ""
    expected_version: int | None = None  # of the customer's payment expectation


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
    bank_account: str | None = None  # an account of sub-type bank; the bank role's when not given
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
    bank_account: str | None = None  # an account of sub-type bank; the bank role's when not given


@dataclass(frozen=True, kw_only=True)
class SetBillingDetails(Command):
    customer_id: UUID
    street: str
    city: str
    postal_code: str = ""
    country: str
    vat_id: str = ""
    email: str = ""
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class SealDocument(Command):
    """Record the digests of an issued document's PDF and UBL as first made (once per document)."""

    document_id: UUID
    kind: str
    number: str
    pdf_sha256: str
    ubl_sha256: str
    renderer: str

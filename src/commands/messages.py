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


@dataclass(frozen=True, kw_only=True)
class DraftInvoice(Command):
    customer_id: UUID
    lines: tuple[LineInput, ...]
    tax_percent: str = "0"
    currency: str | None = None  # the customer's currency when not given
    invoice_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class IssueInvoice(Command):
    invoice_id: UUID
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
    payment_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True)
class CommandResult:
    """What a client needs to continue: the aggregate, its new version, the log position."""

    id: UUID
    version: int
    position: int

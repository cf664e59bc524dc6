"""Invoice: drafted with lines and a tax rate, issued with a gap-free number, voided while unpaid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from ledger import posting
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.journal import JournalLine, reverse
from ledger.money import DEFAULT_ROUNDING, Money, minor_units, to_decimal

DRAFT, ISSUED, VOIDED = "draft", "issued", "voided"
MAX_LINES = 500


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    description: str
    quantity: Decimal
    unit_price: Decimal

    def amount(self, currency: str) -> Money:
        """The line's amount, rounded half-up to the currency's minor unit."""
        return Money(self.quantity * self.unit_price, currency).rounded(DEFAULT_ROUNDING)


def make_line(description: str, quantity: str | int | Decimal, unit_price: str | int | Decimal) -> InvoiceLine:
    description = description.strip()
    if not description:
        raise InvalidValue("every invoice line needs a description")
    qty, price = to_decimal(quantity), to_decimal(unit_price)
    if qty <= 0:
        raise InvalidValue(f"line quantity must be positive, got {qty}")
    if price < 0:
        raise InvalidValue(f"line unit price must not be negative, got {price}")
    return InvoiceLine(description, qty, price)


def totals(lines: list[InvoiceLine], tax_percent: Decimal, currency: str) -> tuple[Money, Money]:
    """Net (sum of rounded lines) and tax (net x rate, rounded half-up once per invoice)."""
    net = Money.zero(currency)
    for line in lines:
        net += line.amount(currency)
    tax = (net * tax_percent * Decimal("0.01")).rounded(DEFAULT_ROUNDING)
    return net, tax


class Invoice(KeelAggregate):
    TOPIC = "keel.Invoice"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        customer_id: UUID
        currency: str
        lines: list[InvoiceLine]
        tax_percent: Decimal
        status: str
        number: str | None
        issue_date: date | None
        due_date: date | None
        net: Money
        tax: Money
        paid: Money
        journal: list[JournalLine]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.invoice.Created.v1"

    class Drafted(Created):
        TOPIC = "keel.invoice.Drafted.v1"
        customer_id: UUID
        currency: str
        lines: list[InvoiceLine]
        tax_percent: Decimal

        def apply(self, inv: Invoice) -> None:
            inv.customer_id = self.customer_id
            inv.currency = self.currency
            inv.lines = list(self.lines)
            inv.tax_percent = self.tax_percent
            inv.status = DRAFT
            inv.number = inv.issue_date = inv.due_date = None
            inv.net, inv.tax = totals(inv.lines, self.tax_percent, self.currency)
            inv.paid = Money.zero(self.currency)
            inv.journal = []

    class Issued(Event):
        TOPIC = "keel.invoice.Issued.v1"
        number: str
        due_date: date
        net: Decimal
        tax: Decimal
        journal: list[JournalLine]

        def apply(self, inv: Invoice) -> None:
            inv.status = ISSUED
            inv.number = self.number
            inv.issue_date = self.effective_date
            inv.due_date = self.due_date
            inv.journal = list(self.journal)

    class Voided(Event):
        TOPIC = "keel.invoice.Voided.v1"
        reason: str
        journal: list[JournalLine]

        def apply(self, inv: Invoice) -> None:
            inv.status = VOIDED

    class PaymentApplied(Event):
        TOPIC = "keel.invoice.PaymentApplied.v1"
        payment_id: UUID
        amount: Decimal

        def apply(self, inv: Invoice) -> None:
            inv.paid += Money(self.amount, inv.currency)

    @classmethod
    def draft(
        cls,
        invoice_id: UUID,
        customer_id: UUID,
        currency: str,
        lines: list[InvoiceLine],
        tax_percent: str | int | Decimal,
        on: date,
        meta: Meta,
    ) -> Invoice:
        minor_units(currency)
        if not lines:
            raise InvalidValue("an invoice needs at least one line")
        if len(lines) > MAX_LINES:
            raise InvalidValue(f"an invoice has at most {MAX_LINES} lines")
        rate = to_decimal(tax_percent)
        if not 0 <= rate <= 100:
            raise InvalidValue(f"tax rate must be between 0 and 100 percent, got {rate}")
        return cls._create(
            cls.Drafted,
            id=invoice_id,
            customer_id=customer_id,
            currency=currency,
            lines=list(lines),
            tax_percent=rate,
            **meta.stamp(on),
        )

    @property
    def total(self) -> Money:
        return self.net + self.tax

    @property
    def outstanding(self) -> Money:
        return self.total - self.paid if self.status == ISSUED else Money.zero(self.currency)

    def issue(self, number: str, on: date, payment_terms_days: int, meta: Meta) -> None:
        if self.status != DRAFT:
            raise InvalidTransition(f"only a draft can be issued; this invoice is {self.status}")
        if self.total.amount <= 0:
            raise InvalidTransition("an invoice with a zero total cannot be issued")
        journal = posting.invoice_issued(self.id, self.customer_id, number, self.net, self.tax)
        self.trigger_event(
            self.Issued,
            number=number,
            due_date=on + timedelta(days=payment_terms_days),
            net=self.net.amount,
            tax=self.tax.amount,
            journal=journal,
            **meta.stamp(on),
        )

    def void(self, reason: str, on: date, meta: Meta) -> None:
        if self.status != ISSUED:
            raise InvalidTransition(f"only an issued invoice can be voided; this invoice is {self.status}")
        if not self.paid.is_zero():
            raise InvalidTransition(
                f"invoice {self.number} has {self.paid} of payments applied; only an unpaid invoice can be voided"
            )
        assert self.issue_date is not None
        if on < self.issue_date:
            raise InvalidValue(f"void date {on} is before the issue date {self.issue_date}")
        if not reason.strip():
            raise InvalidValue("voiding an invoice needs a reason")
        self.trigger_event(self.Voided, reason=reason.strip(), journal=reverse(self.journal), **meta.stamp(on))

    def apply_payment(self, payment_id: UUID, amount: Money, on: date, meta: Meta) -> None:
        """Record that part of a payment settles this invoice (the payment posts the journal)."""
        label = self.number or str(self.id)
        if self.status != ISSUED:
            raise InvalidTransition(f"payments can only be allocated to issued invoices; {label} is {self.status}")
        if amount.currency != self.currency:
            raise InvalidValue(f"invoice {label} is in {self.currency}; cannot allocate {amount}")
        if amount.amount <= 0 or not amount.is_rounded():
            raise InvalidValue(f"allocation to {label} must be a positive amount in minor units, got {amount}")
        if amount > self.outstanding:
            raise InvalidTransition(f"allocation of {amount} exceeds the {self.outstanding} outstanding on {label}")
        assert self.issue_date is not None
        if on < self.issue_date:
            raise InvalidValue(f"payment date {on} is before invoice {label} was issued ({self.issue_date})")
        self.trigger_event(self.PaymentApplied, payment_id=payment_id, amount=amount.amount, **meta.stamp(on))

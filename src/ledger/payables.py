"""Payables: suppliers, their bills (subcontractors, software, rent) and our payments to them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.accounts import Account, AccountType
from ledger.customer import _check_name, _check_terms
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.invoice_lines import add_days
from ledger.journal import JournalLine, Posting, reverse
from ledger.money import Money, minor_units, to_decimal
from ledger.roles import Role, Roles
from ledger.tax import TaxableLine, TaxResult, check_rate, compute, tax_code

OPEN, VOIDED = "open", "voided"


class Supplier(KeelAggregate):
    TOPIC = "keel.Supplier"

    if TYPE_CHECKING:
        name: str
        payment_terms_days: int
        currency: str

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.supplier.Created.v1"

    class Registered(Created):
        TOPIC = "keel.supplier.Registered.v1"
        name: str
        payment_terms_days: int
        currency: str

        def apply(self, supplier: Supplier) -> None:
            supplier.name = self.name
            supplier.payment_terms_days = self.payment_terms_days
            supplier.currency = self.currency

    @classmethod
    def register(
        cls, supplier_id: UUID, name: str, payment_terms_days: int, currency: str, on: date, meta: Meta
    ) -> Supplier:
        minor_units(currency)
        return cls._create(
            cls.Registered,
            id=supplier_id,
            name=_check_name(name),
            payment_terms_days=_check_terms(payment_terms_days),
            currency=currency,
            **meta.stamp(on),
        )


@dataclass(frozen=True, slots=True)
class BillLine:
    description: str
    account: str
    amount: Decimal  # net, or gross when tax_inclusive
    tax_rate: Decimal = Decimal(0)
    tax_inclusive: bool = False
    cost_center: str | None = None


def make_bill_line(
    description: str,
    account_code: str,
    amount: str | Decimal,
    tax_rate: str | Decimal = "0",
    tax_inclusive: bool = False,
    cost_center: str | None = None,
    *,
    chart: Mapping[str, Account],
) -> BillLine:
    """A bill line on an expense or asset account of ``chart`` (the chart's accounts by code)."""
    if not description.strip():
        raise InvalidValue("every bill line needs a description")
    acct = chart.get(account_code)
    if acct is None:
        raise InvalidValue(f"account: the chart of accounts has no account {account_code[:20]!r}")
    if acct.type not in (AccountType.EXPENSE, AccountType.ASSET):
        raise InvalidValue(f"bill lines post to expense or asset accounts; {acct.code} {acct.name} is {acct.type}")
    value = to_decimal(amount)
    if value <= 0:
        raise InvalidValue(f"bill line amounts must be positive, got {value}")
    return BillLine(description.strip(), acct.code, value, check_rate(tax_rate), tax_inclusive, cost_center or None)


def bill_taxes(lines: list[BillLine], currency: str) -> TaxResult:
    return compute([TaxableLine(Money(ln.amount, currency).rounded(), ln.tax_rate, ln.tax_inclusive) for ln in lines])


def bill_lines_posting(posting: Posting, lines: list[BillLine], result: TaxResult, sign: int, **dims: Any) -> Posting:
    """Each line's account and the input tax per rate; sign -1 books the mirror (a supplier's credit note)."""
    for line, net in zip(lines, result.nets, strict=True):
        posting.add(
            line.account, sign * net.amount, cost_center=line.cost_center, tax_code=tax_code(line.tax_rate), **dims
        )
    for group in result.groups:
        posting.post(Role.INPUT_TAX, sign * group.tax.amount, tax_code=group.code, **dims)
    return posting


class Bill(KeelAggregate):
    """A supplier's invoice to us: expense (or asset) and input tax against payables."""

    TOPIC = "keel.Bill"

    if TYPE_CHECKING:
        supplier_id: UUID
        supplier_reference: str
        currency: str
        rate: Decimal
        status: str
        bill_date: date
        due_date: date
        total: Money
        paid: Money  # settled by payments and by supplier credit
        credited: Money  # taken back by the supplier's credit notes on this bill
        lines: list[BillLine]
        journal: list[JournalLine]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.bill.Created.v1"

    class Recorded(Created):
        TOPIC = "keel.bill.Recorded.v1"
        supplier_id: UUID
        supplier_reference: str
        currency: str
        rate: Decimal
        due_date: date
        lines: list[BillLine]
        net: Decimal
        tax: Decimal
        journal: list[JournalLine]

        def apply(self, bill: Bill) -> None:
            bill.supplier_id = self.supplier_id
            bill.supplier_reference = self.supplier_reference
            bill.currency = self.currency
            bill.rate = self.rate
            bill.status = OPEN
            bill.bill_date = self.effective_date
            bill.due_date = self.due_date
            bill.total = Money(self.net + self.tax, self.currency)
            bill.paid = Money.zero(self.currency)
            bill.credited = Money.zero(self.currency)
            bill.lines = list(self.lines)
            bill.journal = list(self.journal)

    class PaymentApplied(Event):
        TOPIC = "keel.bill.PaymentApplied.v1"
        payment_id: UUID
        amount: Decimal

        def apply(self, bill: Bill) -> None:
            bill.paid += Money(self.amount, bill.currency)

    class PaymentReversed(Event):
        """A payment of this bill was taken back (its bank line unmatched): owed again (the payment posts)."""

        TOPIC = "keel.bill.PaymentReversed.v1"
        payment_id: UUID
        amount: Decimal

        def apply(self, bill: Bill) -> None:
            bill.paid -= Money(self.amount, bill.currency)

    class Credited(Event):
        """A supplier credit note took back ``amount`` of this bill (its journal is the note's)."""

        TOPIC = "keel.bill.Credited.v1"
        credit_note_id: UUID
        amount: Decimal

        def apply(self, bill: Bill) -> None:
            bill.credited += Money(self.amount, bill.currency)

    class SupplierCreditApplied(Event):
        """Supplier credit left by a credit note settled ``amount`` of this bill (the note posts)."""

        TOPIC = "keel.bill.SupplierCreditApplied.v1"
        credit_note_id: UUID
        amount: Decimal

        def apply(self, bill: Bill) -> None:
            bill.paid += Money(self.amount, bill.currency)

    class Voided(Event):
        TOPIC = "keel.bill.Voided.v1"
        reason: str
        journal: list[JournalLine]

        def apply(self, bill: Bill) -> None:
            bill.status = VOIDED

    @classmethod
    def record(
        cls,
        bill_id: UUID,
        supplier: Supplier,
        supplier_reference: str,
        currency: str,
        rate: Decimal,
        lines: list[BillLine],
        due_date: date | None,
        functional_currency: str,
        on: date,
        meta: Meta,
        roles: Roles,
    ) -> Bill:
        if not lines:
            raise InvalidValue("a bill needs at least one line")
        if not supplier_reference.strip():
            raise InvalidValue("a bill needs the supplier's invoice number as its reference")
        due = due_date or add_days(on, supplier.payment_terms_days)
        if due < on:
            raise InvalidValue(f"due date {due} is before the bill date {on}")
        result = bill_taxes(lines, currency)
        party, document = str(supplier.id), str(bill_id)
        memo = f"Bill {supplier_reference.strip()} from {supplier.name}"
        dims: dict[str, Any] = {"party_id": party, "document_id": document, "memo": memo}
        posting = bill_lines_posting(Posting(currency, functional_currency, rate, roles), lines, result, 1, **dims)
        posting.post(Role.PAYABLE, -(result.net + result.tax).amount, **dims)
        return cls._create(
            cls.Recorded,
            id=bill_id,
            supplier_id=supplier.id,
            supplier_reference=supplier_reference.strip(),
            currency=currency,
            rate=rate,
            due_date=due,
            lines=list(lines),
            net=result.net.amount,
            tax=result.tax.amount,
            journal=posting.entry(),
            **meta.stamp(on),
        )

    @property
    def outstanding(self) -> Money:
        """What is still owed: the total less payments, supplier credit used and credit notes."""
        owed = self.total - self.paid - self.credited
        return owed if self.status == OPEN and owed.amount > 0 else Money.zero(self.currency)

    @property
    def creditable(self) -> Money:
        """What credit notes may still take back: the total less earlier credit notes."""
        return self.total - self.credited

    def check_settlement(self, amount: Money, on: date, action: str) -> None:
        label = self.supplier_reference
        if self.status != OPEN:
            raise InvalidTransition(f"bill {label} is {self.status}; {action} cannot settle it")
        if amount.currency != self.currency or amount.amount <= 0 or not amount.is_rounded():
            raise InvalidValue(f"{action} of bill {label} must be a positive {self.currency} amount, got {amount}")
        if amount > self.outstanding:
            raise InvalidTransition(f"{action} of {amount} exceeds the {self.outstanding} outstanding on bill {label}")
        if on < self.bill_date:
            raise InvalidValue(f"{action} dated {on} is before bill {label} ({self.bill_date})")

    def value_of(self, amount: Money, functional_currency: str) -> Decimal:
        return Money(amount.amount * self.rate, functional_currency).rounded().amount

    def apply_payment(self, payment_id: UUID, amount: Money, on: date, meta: Meta) -> None:
        if self.status != OPEN:
            raise InvalidTransition(f"bill {self.supplier_reference} is {self.status}; it cannot be paid")
        self.check_settlement(amount, on, "payment")
        self.trigger_event(self.PaymentApplied, payment_id=payment_id, amount=amount.amount, **meta.stamp(on))

    def reverse_payment(self, payment_id: UUID, amount: Money, on: date, meta: Meta) -> None:
        if amount.amount <= 0 or amount > self.paid:
            raise InvalidTransition(f"only {self.paid} of payments sit on bill {self.supplier_reference}, not {amount}")
        if on < self.bill_date:
            raise InvalidValue(f"a reversal dated {on} is before bill {self.supplier_reference} ({self.bill_date})")
        self.trigger_event(self.PaymentReversed, payment_id=payment_id, amount=amount.amount, **meta.stamp(on))

    def take_credit(self, credit_note_id: UUID, gross: Money, on: date, meta: Meta) -> Money:
        """Take a supplier credit note into account; return the part beyond what is still owed
        (it becomes supplier credit)."""
        label = self.supplier_reference
        if self.status != OPEN:
            raise InvalidTransition(f"only an open bill can be credited; bill {label} is {self.status}")
        if gross > self.creditable:
            raise InvalidTransition(
                f"a credit of {gross} exceeds the {self.creditable} still creditable on bill {label}"
            )
        if on < self.bill_date:
            raise InvalidValue(f"the credit note dated {on} is before bill {label} ({self.bill_date})")
        owed = self.outstanding
        excess = gross - owed if gross > owed else Money.zero(self.currency)
        self.trigger_event(self.Credited, credit_note_id=credit_note_id, amount=gross.amount, **meta.stamp(on))
        return excess

    def void(self, reason: str, on: date, meta: Meta) -> None:
        if self.status != OPEN or not self.paid.is_zero() or not self.credited.is_zero():
            raise InvalidTransition(
                f"only an unpaid bill without credit notes can be voided; bill {self.supplier_reference} is not"
            )
        if not reason.strip():
            raise InvalidValue("voiding a bill needs a reason")
        if on < self.bill_date:
            raise InvalidValue(f"void dated {on} is before the bill date {self.bill_date}")
        journal = reverse(self.journal, f"Void of bill {self.supplier_reference}")
        self.trigger_event(self.Voided, reason=reason.strip(), journal=journal, **meta.stamp(on))

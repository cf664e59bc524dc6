"""Customer: who we sell to, their default currency and their payment terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.accounts import BANK, CUSTOMER_CREDIT, FX_GAIN, FX_LOSS
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.journal import JournalLine, Posting
from ledger.money import Money, minor_units

MAX_TERMS_DAYS = 365


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidValue("customer name must not be empty")
    if len(name) > 200:
        raise InvalidValue("customer name must be at most 200 characters")
    return name


def _check_terms(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_TERMS_DAYS:
        raise InvalidValue(f"payment terms must be 0 to {MAX_TERMS_DAYS} days, got {days!r}")
    return days


class Customer(KeelAggregate):
    TOPIC = "keel.Customer"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        name: str
        payment_terms_days: int
        currency: str
        credit: dict[str, tuple[Decimal, Decimal]]  # currency -> (amount, functional value)

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.customer.Created.v1"

    class Registered(Created):
        TOPIC = "keel.customer.Registered.v1"
        name: str
        payment_terms_days: int
        currency: str

        def apply(self, customer: Customer) -> None:
            customer.name = self.name
            customer.payment_terms_days = self.payment_terms_days
            customer.currency = self.currency
            customer.credit = {}

    class Renamed(Event):
        TOPIC = "keel.customer.Renamed.v1"
        name: str

        def apply(self, customer: Customer) -> None:
            customer.name = self.name

    class PaymentTermsChanged(Event):
        TOPIC = "keel.customer.PaymentTermsChanged.v1"
        payment_terms_days: int

        def apply(self, customer: Customer) -> None:
            customer.payment_terms_days = self.payment_terms_days

    class CreditAdded(Event):
        """Money the customer has with us: an overpayment, an un-allocation, a credit note's excess."""

        TOPIC = "keel.customer.CreditAdded.v1"
        amount: Decimal
        currency: str
        value: Decimal
        source_id: str

        def apply(self, customer: Customer) -> None:
            amount, value = customer.credit.get(self.currency, (Decimal(0), Decimal(0)))
            customer.credit = {**customer.credit, self.currency: (amount + self.amount, value + self.value)}

    class CreditUsed(Event):
        TOPIC = "keel.customer.CreditUsed.v1"
        amount: Decimal
        currency: str
        value: Decimal
        target_id: str

        def apply(self, customer: Customer) -> None:
            amount, value = customer.credit[self.currency]
            customer.credit = {**customer.credit, self.currency: (amount - self.amount, value - self.value)}

    class CreditRefunded(Event):
        TOPIC = "keel.customer.CreditRefunded.v1"
        amount: Decimal
        currency: str
        value: Decimal
        reference: str
        journal: list[JournalLine]

        def apply(self, customer: Customer) -> None:
            amount, value = customer.credit[self.currency]
            customer.credit = {**customer.credit, self.currency: (amount - self.amount, value - self.value)}

    @classmethod
    def register(
        cls,
        customer_id: UUID,
        name: str,
        payment_terms_days: int,
        currency: str,
        on: date,
        meta: Meta,
    ) -> Customer:
        minor_units(currency)
        return cls._create(
            cls.Registered,
            id=customer_id,
            name=_check_name(name),
            payment_terms_days=_check_terms(payment_terms_days),
            currency=currency,
            **meta.stamp(on),
        )

    def rename(self, name: str, on: date, meta: Meta) -> None:
        name = _check_name(name)
        if name != self.name:
            self.trigger_event(self.Renamed, name=name, **meta.stamp(on))

    def change_payment_terms(self, days: int, on: date, meta: Meta) -> None:
        days = _check_terms(days)
        if days != self.payment_terms_days:
            self.trigger_event(self.PaymentTermsChanged, payment_terms_days=days, **meta.stamp(on))

    def available_credit(self, currency: str) -> Money:
        return Money(self.credit.get(currency, (Decimal(0), Decimal(0)))[0], currency)

    def add_credit(self, amount: Money, value: Decimal, source_id: UUID, on: date, meta: Meta) -> None:
        if amount.amount > 0:
            self.trigger_event(
                self.CreditAdded,
                amount=amount.amount,
                currency=amount.currency,
                value=value,
                source_id=str(source_id),
                **meta.stamp(on),
            )

    def _take(self, amount: Money, functional_currency: str) -> Decimal:
        """Check the credit covers the amount; return its functional value (at average cost)."""
        available = self.available_credit(amount.currency)
        if amount.amount <= 0 or not amount.is_rounded():
            raise InvalidValue(f"credit to use must be a positive amount in minor units, got {amount}")
        if amount > available:
            raise InvalidTransition(f"{self.name} has {available} of credit, less than {amount}")
        held, value = self.credit[amount.currency]
        if amount.amount == held:
            return value
        return Money(value * amount.amount / held, functional_currency).rounded().amount

    def use_credit(self, amount: Money, functional_currency: str, target_id: UUID, on: date, meta: Meta) -> Decimal:
        value = self._take(amount, functional_currency)
        self.trigger_event(
            self.CreditUsed,
            amount=amount.amount,
            currency=amount.currency,
            value=value,
            target_id=str(target_id),
            **meta.stamp(on),
        )
        return value

    def refund_credit(
        self, amount: Money, functional_currency: str, rate: Decimal, reference: str, on: date, meta: Meta
    ) -> None:
        """Pay credit back to the customer from the bank (FX difference realised)."""
        value = self._take(amount, functional_currency)
        dims: dict[str, Any] = {"party_id": str(self.id), "memo": f"Refund {reference}".strip()}
        posting = Posting(amount.currency, functional_currency, rate)
        posting.add(CUSTOMER_CREDIT, amount.amount, value=value, **dims)
        posting.add(BANK, -amount.amount, **dims)
        journal = posting.fx_difference(FX_GAIN, FX_LOSS, **dims).entry()
        self.trigger_event(
            self.CreditRefunded,
            amount=amount.amount,
            currency=amount.currency,
            value=value,
            reference=reference.strip(),
            journal=journal,
            **meta.stamp(on),
        )

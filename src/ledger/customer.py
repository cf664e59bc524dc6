"""Customer: who we sell to, their default currency and their payment terms."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.money import minor_units

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

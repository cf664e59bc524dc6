"""Customer: who we sell to, their default currency and their payment terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.company import Address, check_address, check_email, check_vat_id
from ledger.contacts import Contact
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.journal import JournalLine, Posting
from ledger.money import Money, minor_units
from ledger.roles import Role, Roles

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
    class_version = 3  # v2 keeps the registration date, v3 the billing e-mail address

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot taken before v2 does not know the registration date: nothing is dated before it."""
        state["registered_on"] = date.min

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """A snapshot taken before v3 had no billing e-mail address: none was set."""
        state["billing_email"] = ""

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        name: str
        payment_terms_days: int
        currency: str
        # currency -> [amount, functional value]: a list, as a snapshot gives it back (JSON has no
        # tuples), so a customer loaded through a snapshot equals the fold of its events
        credit: dict[str, list[Decimal]]
        owner: str
        contacts: dict[UUID, Contact]
        merged_into: UUID | None
        registered_on: date
        billing_email: str  # where invoices are e-mailed ("": nowhere)

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
            customer.owner = ""
            customer.contacts = {}
            customer.merged_into = None
            customer.registered_on = self.effective_date
            customer.billing_email = ""

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
            amount, value = customer.credit.get(self.currency, [Decimal(0), Decimal(0)])
            customer.credit = {**customer.credit, self.currency: [amount + self.amount, value + self.value]}

    class CreditUsed(Event):
        TOPIC = "keel.customer.CreditUsed.v1"
        amount: Decimal
        currency: str
        value: Decimal
        target_id: str

        def apply(self, customer: Customer) -> None:
            amount, value = customer.credit[self.currency]
            customer.credit = {**customer.credit, self.currency: [amount - self.amount, value - self.value]}

    class CreditRefunded(Event):
        TOPIC = "keel.customer.CreditRefunded.v1"
        amount: Decimal
        currency: str
        value: Decimal
        reference: str
        journal: list[JournalLine]

        def apply(self, customer: Customer) -> None:
            amount, value = customer.credit[self.currency]
            customer.credit = {**customer.credit, self.currency: [amount - self.amount, value - self.value]}

    class BillingEmailSet(Event):
        """Where the customer's invoices are e-mailed from now on ("" stops the e-mails)."""

        TOPIC = "keel.customer.BillingEmailSet.v1"
        email: str

        def apply(self, customer: Customer) -> None:
            customer.billing_email = self.email

    class OwnerAssigned(Event):
        TOPIC = "keel.customer.OwnerAssigned.v1"
        owner: str

        def apply(self, customer: Customer) -> None:
            customer.owner = self.owner

    class ContactAdded(Event):
        TOPIC = "keel.customer.ContactAdded.v1"
        contact: Contact

        def apply(self, customer: Customer) -> None:
            customer.contacts = {**customer.contacts, self.contact.contact_id: self.contact}

    class ContactRemoved(Event):
        TOPIC = "keel.customer.ContactRemoved.v1"
        contact_id: UUID

        def apply(self, customer: Customer) -> None:
            customer.contacts = {k: v for k, v in customer.contacts.items() if k != self.contact_id}

    class MergedInto(Event):
        """This record was a duplicate: its history stays, new work goes to the target."""

        TOPIC = "keel.customer.MergedInto.v1"
        target_id: UUID

        def apply(self, customer: Customer) -> None:
            customer.merged_into = self.target_id

    class Absorbed(Event):
        TOPIC = "keel.customer.Absorbed.v1"
        source_id: UUID

    class BillingDetailsSet(Event):
        """Where invoices go and who is billed (EN 16931's buyer): the whole set as from now."""

        TOPIC = "keel.customer.BillingDetailsSet.v1"
        street: str
        city: str
        postal_code: str
        country: str
        vat_id: str
        email: str

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

    def set_billing_email(self, email: str, on: date, meta: Meta) -> None:
        email = check_email(email)
        if email != self.billing_email:
            self.trigger_event(self.BillingEmailSet, email=email, **meta.stamp(on))

    def available_credit(self, currency: str) -> Money:
        return Money(self.credit.get(currency, [Decimal(0), Decimal(0)])[0], currency)

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
        self,
        amount: Money,
        functional_currency: str,
        rate: Decimal,
        reference: str,
        on: date,
        meta: Meta,
        roles: Roles,
        bank_account: str | None = None,
    ) -> None:
        """Pay credit back to the customer from the bank (FX difference realised)."""
        value = self._take(amount, functional_currency)
        dims: dict[str, Any] = {"party_id": str(self.id), "memo": f"Refund {reference}".strip()}
        posting = Posting(amount.currency, functional_currency, rate, roles)
        posting.post(Role.CUSTOMER_CREDIT, amount.amount, value=value, **dims)
        posting.post(Role.BANK, -amount.amount, code=roles.bank_account(bank_account), **dims)
        journal = posting.fx_difference(**dims).entry()
        self.trigger_event(
            self.CreditRefunded,
            amount=amount.amount,
            currency=amount.currency,
            value=value,
            reference=reference.strip(),
            journal=journal,
            **meta.stamp(on),
        )

    def set_billing_details(self, address: Address, vat_id: str, email: str, on: date, meta: Meta) -> None:
        self.check_active()
        address = check_address(address, self.name)
        self.trigger_event(
            self.BillingDetailsSet,
            street=address.street,
            city=address.city,
            postal_code=address.postal_code,
            country=address.country,
            vat_id=check_vat_id(vat_id),
            email=check_email(email),
            **meta.stamp(on),
        )

    # -- CRM -----------------------------------------------------------------------

    def check_active(self) -> None:
        if self.merged_into is not None:
            raise InvalidTransition(f"customer {self.name} was merged into {self.merged_into}; use that customer")

    def check_known_on(self, on: date, what: str) -> None:
        if on < self.registered_on:
            registered = self.registered_on
            raise InvalidValue(f"{what} dated {on} is before customer {self.name} was registered ({registered})")

    def assign_owner(self, owner: str, on: date, meta: Meta) -> None:
        owner = owner.strip()
        if not owner:
            raise InvalidValue("a customer's owner must name a person")
        if owner != self.owner:
            self.trigger_event(self.OwnerAssigned, owner=owner, **meta.stamp(on))

    def add_contact(self, contact: Contact, on: date, meta: Meta) -> None:
        self.check_active()
        if contact.contact_id in self.contacts:
            raise InvalidTransition(f"contact {contact.contact_id} already belongs to {self.name}")
        self.trigger_event(self.ContactAdded, contact=contact, **meta.stamp(on))

    def remove_contact(self, contact_id: UUID, on: date, meta: Meta) -> None:
        if contact_id not in self.contacts:
            raise InvalidValue(f"{self.name} has no contact {contact_id}")
        self.trigger_event(self.ContactRemoved, contact_id=contact_id, **meta.stamp(on))

    def merge_into(self, target: Customer, on: date, meta: Meta) -> None:
        """Mark this customer a duplicate of target; its contacts move over, its history stays."""
        self.check_active()
        target.check_active()
        if target.id == self.id:
            raise InvalidValue("a customer cannot be merged into itself")
        if target.currency != self.currency:
            raise InvalidTransition(f"cannot merge a {self.currency} customer into a {target.currency} one")
        for contact in self.contacts.values():
            if contact.contact_id not in target.contacts:
                target.trigger_event(target.ContactAdded, contact=contact, **meta.stamp(on))
        self.trigger_event(self.MergedInto, target_id=target.id, **meta.stamp(on))
        target.trigger_event(target.Absorbed, source_id=self.id, **meta.stamp(on))

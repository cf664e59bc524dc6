"""People: who works, in which role and department, at what capacity and rates — each with
an effective-dated history, so a raise in March changes costs from March, not before."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.money import to_decimal

HANDLE = re.compile(r"^[a-z][a-z0-9._-]{0,39}$")


def person_id(handle: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:person:{handle}")


@dataclass(frozen=True, slots=True)
class Terms:
    effective: date
    role: str
    cost_center: str
    weekly_capacity: Decimal  # hours
    cost_rate: Decimal  # per hour, functional currency
    bill_rate: Decimal  # default per hour, functional currency


def make_terms(
    effective: date,
    role: str,
    cost_center: str,
    weekly_capacity: str | Decimal,
    cost_rate: str | Decimal,
    bill_rate: str | Decimal,
) -> Terms:
    capacity, cost, bill = to_decimal(weekly_capacity), to_decimal(cost_rate), to_decimal(bill_rate)
    if not 0 <= capacity <= 80:
        raise InvalidValue(f"weekly capacity is 0 to 80 hours, got {capacity}")
    if cost < 0 or bill < 0:
        raise InvalidValue("rates cannot be negative")
    if not role.strip() or not cost_center.strip():
        raise InvalidValue("a person needs a role and a cost center")
    return Terms(effective, role.strip(), cost_center.strip().upper(), capacity, cost, bill)


class Person(KeelAggregate):
    TOPIC = "keel.Person"

    if TYPE_CHECKING:
        handle: str
        name: str
        terms: list[Terms]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.person.Created.v1"

    class Hired(Created):
        TOPIC = "keel.person.Hired.v1"
        handle: str
        name: str
        terms: Terms

        def apply(self, person: Person) -> None:
            person.handle, person.name, person.terms = self.handle, self.name, [self.terms]

    class TermsChanged(Event):
        TOPIC = "keel.person.TermsChanged.v1"
        terms: Terms

        def apply(self, person: Person) -> None:
            person.terms = sorted([*person.terms, self.terms], key=lambda t: t.effective)

    @classmethod
    def hire(cls, handle: str, name: str, terms: Terms, meta: Meta) -> Person:
        if not HANDLE.match(handle):
            raise InvalidValue(f"a person's handle is lowercase letters, digits, dots or dashes, got {handle!r}")
        if not name.strip():
            raise InvalidValue("a person needs a name")
        return cls._create(
            cls.Hired,
            id=person_id(handle),
            handle=handle,
            name=name.strip(),
            terms=terms,
            **meta.stamp(terms.effective),
        )

    def change_terms(self, terms: Terms, meta: Meta) -> None:
        if terms.effective < self.terms[0].effective:
            raise InvalidValue(f"{self.handle} started on {self.terms[0].effective}; terms cannot start earlier")
        self.trigger_event(self.TermsChanged, terms=terms, **meta.stamp(terms.effective))

    def terms_on(self, day: date) -> Terms:
        valid = [t for t in self.terms if t.effective <= day]
        if not valid:
            raise InvalidValue(f"{self.handle} had not started on {day}")
        return valid[-1]

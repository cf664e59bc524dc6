"""Leads: captured, qualified or disqualified, and converted into a customer, a contact and a deal."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.crm import bounded_text
from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta


class Lead(KeelAggregate):
    TOPIC = "keel.Lead"

    if TYPE_CHECKING:
        name: str
        company: str
        email: str
        phone: str
        source: str
        owner: str
        status: str  # new, qualified, disqualified, converted

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.lead.Created.v1"

    class Captured(Created):
        TOPIC = "keel.lead.Captured.v1"
        name: str
        company: str
        email: str
        phone: str
        source: str
        notes: str
        owner: str

        def apply(self, lead: Lead) -> None:
            lead.name, lead.company, lead.email, lead.phone = self.name, self.company, self.email, self.phone
            lead.source, lead.owner, lead.status = self.source, self.owner, "new"

    class Qualified(Event):
        TOPIC = "keel.lead.Qualified.v1"
        note: str

        def apply(self, lead: Lead) -> None:
            lead.status = "qualified"

    class Disqualified(Event):
        TOPIC = "keel.lead.Disqualified.v1"
        reason: str

        def apply(self, lead: Lead) -> None:
            lead.status = "disqualified"

    class Reassigned(Event):
        """A new owner (a sales rule's round robin, or a person)."""

        TOPIC = "keel.lead.Reassigned.v1"
        owner: str

        def apply(self, lead: Lead) -> None:
            lead.owner = self.owner

    class Converted(Event):
        TOPIC = "keel.lead.Converted.v1"
        customer_id: UUID
        contact_id: UUID
        deal_id: UUID | None

        def apply(self, lead: Lead) -> None:
            lead.status = "converted"

    @classmethod
    def capture(
        cls,
        lead_id: UUID,
        name: str,
        company: str,
        email: str,
        phone: str,
        source: str,
        notes: str,
        owner: str,
        on: date,
        meta: Meta,
    ) -> Lead:
        email = email.strip()
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise InvalidValue(f"email: not an email address: {email!r}")
        return cls._create(
            cls.Captured,
            id=lead_id,
            name=bounded_text(name, "a lead's name", 200),
            company=bounded_text(company, "company", 200, False),
            email=email,
            phone=bounded_text(phone, "phone", 40, False),
            source=bounded_text(source, "a lead's source", 80),
            notes=bounded_text(notes, "notes", 4000, False),
            owner=bounded_text(owner, "the owner", 200),
            **meta.stamp(on),
        )

    def qualify(self, note: str, on: date, meta: Meta) -> None:
        if self.status != "new":
            raise InvalidTransition(f"only a new lead can be qualified; this lead is {self.status}")
        self.trigger_event(self.Qualified, note=note.strip(), **meta.stamp(on))

    def disqualify(self, reason: str, on: date, meta: Meta) -> None:
        if self.status not in ("new", "qualified"):
            raise InvalidTransition(f"a {self.status} lead cannot be disqualified")
        self.trigger_event(self.Disqualified, reason=bounded_text(reason, "a reason"), **meta.stamp(on))

    def convert(self, customer_id: UUID, contact_id: UUID, deal_id: UUID | None, on: date, meta: Meta) -> None:
        if self.status in ("disqualified", "converted"):
            raise InvalidTransition(f"a {self.status} lead cannot be converted")
        self.trigger_event(
            self.Converted, customer_id=customer_id, contact_id=contact_id, deal_id=deal_id, **meta.stamp(on)
        )

    def reassign(self, owner: str, on: date, meta: Meta) -> None:
        if self.status in ("disqualified", "converted"):
            raise InvalidTransition(f"a {self.status} lead keeps its owner")
        self.trigger_event(self.Reassigned, owner=bounded_text(owner, "the owner", 200), **meta.stamp(on))

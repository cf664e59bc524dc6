"""Project: where a won deal becomes work. Issue 5 grows it (billing models, budgets, status);
for now a won deal opens a project draft with the deal's services and value, the deal as cause."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.events import KeelAggregate, Meta

DRAFT = "draft"


def project_id_for_deal(deal_id: UUID) -> UUID:
    """One deal opens at most one project, whatever happens to it later (reopen, re-win, replays)."""
    return uuid5(NAMESPACE_URL, f"keel:project-for-deal:{deal_id}")


@dataclass(frozen=True, slots=True)
class ServiceLine:
    description: str
    quantity: Decimal
    unit_price: Decimal


class Project(KeelAggregate):
    TOPIC = "keel.Project"

    if TYPE_CHECKING:
        customer_id: UUID
        name: str
        status: str
        deal_id: UUID | None

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.project.Created.v1"

    class DraftedFromDeal(Created):
        TOPIC = "keel.project.DraftedFromDeal.v1"
        customer_id: UUID
        name: str
        deal_id: UUID
        services: list[ServiceLine]
        value: Decimal
        currency: str

        def apply(self, project: Project) -> None:
            project.customer_id = self.customer_id
            project.name = self.name
            project.status = DRAFT
            project.deal_id = self.deal_id

    @classmethod
    def draft_from_deal(
        cls,
        deal_id: UUID,
        customer_id: UUID,
        name: str,
        services: list[ServiceLine],
        value: Decimal,
        currency: str,
        on: date,
        meta: Meta,
    ) -> Project:
        return cls._create(
            cls.DraftedFromDeal,
            id=project_id_for_deal(deal_id),
            customer_id=customer_id,
            name=name,
            deal_id=deal_id,
            services=list(services),
            value=value,
            currency=currency,
            **meta.stamp(on),
        )

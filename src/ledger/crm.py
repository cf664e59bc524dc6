"""CRM: the pipeline's stages, leads, deals, activities and follow-ups.

Stage moves carry an effective date (backdating allowed, as long as it is not before the
deal was opened); every change is an event, so the pipeline can be read as of any date and
as known at any moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.money import Money, minor_units, to_decimal
from ledger.project_terms import ServiceLine

OPEN, WON, LOST = "open", "won", "lost"
PIPELINE_ID = uuid5(NAMESPACE_URL, "keel:pipeline")
STAGE_KEY = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


def bounded_text(value: str, what: str, limit: int = 500, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidValue(f"{what} must not be empty")
    if len(value) > limit:
        raise InvalidValue(f"{what} must be at most {limit} characters")
    return value


def check_probability(value: str | int | Decimal) -> Decimal:
    p = to_decimal(value)
    if not 0 <= p <= 100:
        raise InvalidValue(f"a win probability is between 0 and 100 percent, got {p}")
    return p


@dataclass(frozen=True, slots=True)
class Stage:
    key: str
    name: str
    probability: Decimal  # default win probability, percent


DEFAULT_STAGES = [
    Stage("new", "New", Decimal(10)),
    Stage("qualified", "Qualified", Decimal(25)),
    Stage("proposal", "Proposal sent", Decimal(50)),
    Stage("negotiation", "Negotiation", Decimal(75)),
]


class Pipeline(KeelAggregate):
    """The open stages deals move through, in order; won and lost are outcomes, not stages."""

    TOPIC = "keel.Pipeline"

    if TYPE_CHECKING:
        stages: list[Stage]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.pipeline.Created.v1"

    class Configured(Created):
        TOPIC = "keel.pipeline.Configured.v1"
        stages: list[Stage]

        def apply(self, pipeline: Pipeline) -> None:
            pipeline.stages = list(self.stages)

    class Reconfigured(Event):
        TOPIC = "keel.pipeline.Reconfigured.v1"
        stages: list[Stage]

        def apply(self, pipeline: Pipeline) -> None:
            pipeline.stages = list(self.stages)

    @staticmethod
    def _check(stages: list[Stage]) -> list[Stage]:
        if not stages:
            raise InvalidValue("a pipeline needs at least one stage")
        keys = [s.key for s in stages]
        if len(set(keys)) != len(keys):
            raise InvalidValue("stage keys must be unique")
        for s in stages:
            if not STAGE_KEY.match(s.key) or s.key in (WON, LOST):
                raise InvalidValue(f"stage key {s.key!r} must be lowercase letters, digits or dashes, not won/lost")
            bounded_text(s.name, "a stage name", 80)
            check_probability(s.probability)
        return stages

    @classmethod
    def configure(cls, stages: list[Stage], on: date, meta: Meta) -> Pipeline:
        return cls._create(cls.Configured, id=PIPELINE_ID, stages=cls._check(stages), **meta.stamp(on))

    def reconfigure(self, stages: list[Stage], on: date, meta: Meta) -> None:
        self.trigger_event(self.Reconfigured, stages=self._check(stages), **meta.stamp(on))

    def stage(self, key: str) -> Stage:
        for s in self.stages:
            if s.key == key:
                return s
        raise InvalidValue(f"unknown stage {key!r}; the pipeline has: {', '.join(s.key for s in self.stages)}")


class Deal(KeelAggregate):
    TOPIC = "keel.Deal"

    if TYPE_CHECKING:
        customer_id: UUID
        title: str
        value: Money
        owner: str
        stage: str
        status: str
        opened_on: date
        services: list[ServiceLine]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.deal.Created.v1"

    class Opened(Created):
        TOPIC = "keel.deal.Opened.v1"
        customer_id: UUID
        title: str
        value: Decimal
        currency: str
        expected_close: date | None
        owner: str
        stage: str
        probability: Decimal
        source: str
        lead_id: UUID | None
        services: list[ServiceLine]

        def apply(self, deal: Deal) -> None:
            deal.customer_id, deal.title, deal.owner = self.customer_id, self.title, self.owner
            deal.value = Money(self.value, self.currency)
            deal.stage, deal.status, deal.opened_on = self.stage, OPEN, self.effective_date
            deal.services = list(self.services)

    class Updated(Event):
        TOPIC = "keel.deal.Updated.v1"
        title: str
        value: Decimal
        expected_close: date | None
        owner: str
        services: list[ServiceLine]

        def apply(self, deal: Deal) -> None:
            deal.title, deal.owner, deal.services = self.title, self.owner, list(self.services)
            deal.value = Money(self.value, deal.value.currency)

    class StageMoved(Event):
        TOPIC = "keel.deal.StageMoved.v1"
        stage: str
        probability: Decimal

        def apply(self, deal: Deal) -> None:
            deal.stage = self.stage

    class Won(Event):
        TOPIC = "keel.deal.Won.v1"
        reason: str
        project_id: UUID

        def apply(self, deal: Deal) -> None:
            deal.status, deal.stage = WON, WON

    class Lost(Event):
        TOPIC = "keel.deal.Lost.v1"
        reason: str

        def apply(self, deal: Deal) -> None:
            deal.status, deal.stage = LOST, LOST

    class Reopened(Event):
        TOPIC = "keel.deal.Reopened.v1"
        stage: str
        probability: Decimal

        def apply(self, deal: Deal) -> None:
            deal.status, deal.stage = OPEN, self.stage

    @classmethod
    def open(
        cls,
        deal_id: UUID,
        customer_id: UUID,
        title: str,
        value: Money,
        expected_close: date | None,
        owner: str,
        stage: Stage,
        probability: Decimal | None,
        source: str,
        lead_id: UUID | None,
        services: list[ServiceLine],
        on: date,
        meta: Meta,
    ) -> Deal:
        minor_units(value.currency)
        if value.amount < 0 or not value.is_rounded():
            raise InvalidValue(f"a deal's value must be zero or more, in minor units, got {value}")
        value.to_minor()
        return cls._create(
            cls.Opened,
            id=deal_id,
            customer_id=customer_id,
            title=bounded_text(title, "a deal's title", 200),
            value=value.amount,
            currency=value.currency,
            expected_close=expected_close,
            owner=bounded_text(owner, "the owner", 200),
            stage=stage.key,
            probability=stage.probability if probability is None else check_probability(probability),
            source=bounded_text(source, "source", 80, False),
            lead_id=lead_id,
            services=list(services),
            **meta.stamp(on),
        )

    def _require_open(self, action: str) -> None:
        if self.status != OPEN:
            raise InvalidTransition(f"{action} needs an open deal; this deal is {self.status}")

    def _check_date(self, on: date) -> None:
        if on < self.opened_on:
            raise InvalidValue(f"{on} is before the deal was opened ({self.opened_on})")

    def update(
        self,
        title: str | None,
        value: Decimal | None,
        expected_close: date | None,
        owner: str | None,
        services: list[ServiceLine] | None,
        on: date,
        meta: Meta,
    ) -> None:
        self._require_open("changing a deal")
        new_value = Money(self.value.amount if value is None else value, self.value.currency)
        if new_value.amount < 0 or not new_value.is_rounded():
            raise InvalidValue(f"a deal's value must be zero or more, in minor units, got {new_value}")
        new_value.to_minor()
        self.trigger_event(
            self.Updated,
            title=bounded_text(title or self.title, "a deal's title", 200),
            value=new_value.amount,
            expected_close=expected_close,
            owner=bounded_text(owner or self.owner, "the owner", 200),
            services=self.services if services is None else list(services),
            **meta.stamp(on),
        )

    def move(self, stage: Stage, probability: Decimal | None, on: date, meta: Meta) -> None:
        self._require_open("moving a deal")
        self._check_date(on)
        p = stage.probability if probability is None else check_probability(probability)
        self.trigger_event(self.StageMoved, stage=stage.key, probability=p, **meta.stamp(on))

    def win(self, reason: str, project_id: UUID, on: date, meta: Meta) -> None:
        self._require_open("winning a deal")
        self._check_date(on)
        self.trigger_event(self.Won, reason=reason.strip(), project_id=project_id, **meta.stamp(on))

    def lose(self, reason: str, on: date, meta: Meta) -> None:
        self._require_open("losing a deal")
        self._check_date(on)
        self.trigger_event(self.Lost, reason=bounded_text(reason, "a reason for losing"), **meta.stamp(on))

    def reopen(self, stage: Stage, on: date, meta: Meta) -> None:
        if self.status == OPEN:
            raise InvalidTransition("this deal is already open")
        self._check_date(on)
        self.trigger_event(self.Reopened, stage=stage.key, probability=stage.probability, **meta.stamp(on))


def services_value(services: list[ServiceLine], currency: str) -> Money:
    total = Money.zero(currency)
    for s in services:
        total += Money(s.quantity * s.unit_price, currency).rounded()
    return total

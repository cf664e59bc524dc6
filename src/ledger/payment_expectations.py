"""Finance's expectation of when a customer pays (ADR 0065): a number of days after the due dates
(negative: before), over the delay the customer's payments show, for the cash forecast.

One aggregate per customer (its id derived from the customer's), apart from the customer: a
finance decision that neither moves the customer's version (a sales user's pending change is not
refused for it) nor is seen by those who read customers. Each decision is dated: from that
business date on it is in force, until a later-dated one; a forecast as of an earlier date does
not know it (as payment terms). Clearing goes back to the observed delay. A decision that changes
nothing on its date (the value in force then is the same) records nothing: with later-dated
decisions still winning, it could change nothing on any date.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.policy import TEXT, check_text

MAX_EXPECTED_DELAY_DAYS = 365  # either way: a customer may be expected to pay early


def payment_expectation_id(customer_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"keel:payment-expectation:{customer_id}")


class PaymentExpectation(KeelAggregate):
    TOPIC = "keel.PaymentExpectation"

    if TYPE_CHECKING:  # state set by the events; not constructor arguments
        customer_id: UUID
        # [business date, days or None (the observed delay)], by date, a later decision of the same
        # date after; lists, as a snapshot reads them back
        decisions: list[list[date | int | None]]

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.paymentexpectation.Created.v1"
        customer_id: UUID

        def apply(self, expectation: PaymentExpectation) -> None:
            expectation.customer_id, expectation.decisions = self.customer_id, []

    class DelaySet(Event):
        """From its date the forecast expects the customer's payments ``days`` after their due dates."""

        TOPIC = "keel.paymentexpectation.DelaySet.v1"
        customer_id: UUID  # the aggregate's, repeated: a read model needs no other event to place it
        days: int
        reason: str

        def apply(self, expectation: PaymentExpectation) -> None:
            expectation.decisions = _decided(expectation.decisions, self.effective_date, self.days)

    class DelayCleared(Event):
        """From its date the forecast goes back to the delay the customer's payments show."""

        TOPIC = "keel.paymentexpectation.DelayCleared.v1"
        customer_id: UUID
        reason: str

        def apply(self, expectation: PaymentExpectation) -> None:
            expectation.decisions = _decided(expectation.decisions, self.effective_date, None)

    @classmethod
    def open(cls, customer_id: UUID, on: date, meta: Meta) -> PaymentExpectation:
        return cls._create(
            cls.Created, id=payment_expectation_id(customer_id), customer_id=customer_id, **meta.stamp(on)
        )

    def in_force(self, on: date) -> int | None:
        """The expected delay in force on ``on`` (None: the observed one)."""
        found: int | None = None
        for day, days in self.decisions:
            assert isinstance(day, date)
            if day > on:
                break
            found = days if isinstance(days, int) else None
        return found

    def expect(self, days: int | None, reason: str, on: date, meta: Meta) -> None:
        """Finance's expected delay from ``on`` (None: the observed one again)."""
        reason = check_text(reason.strip(), TEXT, "reason")
        if days is not None:
            limit = MAX_EXPECTED_DELAY_DAYS
            if isinstance(days, bool) or not isinstance(days, int) or not -limit <= days <= limit:
                raise InvalidValue(f"days: an expected payment delay is -{limit} to {limit} days, got {days!r}")
        if days == self.in_force(on):
            return
        if days is None:
            self.trigger_event(self.DelayCleared, customer_id=self.customer_id, reason=reason, **meta.stamp(on))
        else:
            self.trigger_event(self.DelaySet, customer_id=self.customer_id, days=days, reason=reason, **meta.stamp(on))


def _decided(decisions: list[list[date | int | None]], on: date, days: int | None) -> list[list[date | int | None]]:
    """The decisions with one more, after every decision dated on or before ``on``."""
    at = sum(1 for day, _ in decisions if isinstance(day, date) and day <= on)
    return [*decisions[:at], [on, days], *decisions[at:]]

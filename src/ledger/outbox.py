"""The outbox: a message Keel means to send, keyed by its cause, and what became of each attempt.

A message's id derives from what caused it (``cause_id(kind, cause)``), so the intent is recorded
once however often the cause is seen: by a retried job, a second worker, a run after a rebuild. The
store refuses a second ``Queued`` for the same id. Delivery is recorded per attempt: ``Delivered``
once, or ``DeliveryFailed`` with the error and when to try again (back-off doubling up to an hour;
a message is never given up, so nothing queued is lost).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta

QUEUED, DELIVERED, WITHDRAWN = "queued", "delivered", "withdrawn"
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
_NAMESPACE = uuid5(NAMESPACE_URL, "https://keel.example/causes")


def cause_id(kind: str, cause: str) -> UUID:
    """The id of the one effect a job kind has for a cause: the same on every worker, every run."""
    return uuid5(_NAMESPACE, f"{kind}\n{cause}")


def retry_after(attempt: int) -> timedelta:
    """How long to wait after failed attempt ``attempt`` (1, 2, …): 30 s, 1 min, 2 min … 1 h."""
    wait: timedelta = FIRST_RETRY * 2 ** min(attempt - 1, 20)
    return min(wait, LONGEST_WAIT)


class Message(KeelAggregate):
    TOPIC = "keel.Message"

    if TYPE_CHECKING:
        kind: str
        cause: str
        to: str
        subject: str
        body: str
        reference: str
        status: str
        attempts: int
        next_attempt_at: datetime | None
        last_error: str

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.message.Created.v1"

    class Queued(Created):
        """The intent to send: to whom, what, and the record an attachment is rendered from."""

        TOPIC = "keel.message.Queued.v1"
        kind: str
        cause: str
        to: str
        subject: str
        body: str
        reference: str  # what the attachment is rendered from (an invoice id), "" for none

        def apply(self, message: Message) -> None:
            message.kind, message.cause, message.to = self.kind, self.cause, self.to
            message.subject, message.body, message.reference = self.subject, self.body, self.reference
            message.status, message.attempts = QUEUED, 0
            message.next_attempt_at, message.last_error = None, ""

    class Delivered(Event):
        TOPIC = "keel.message.Delivered.v1"
        attempt: int
        delivered_at: datetime

        def apply(self, message: Message) -> None:
            message.status, message.attempts, message.next_attempt_at = DELIVERED, self.attempt, None

    class DeliveryFailed(Event):
        TOPIC = "keel.message.DeliveryFailed.v1"
        attempt: int
        reason: str
        failed_at: datetime
        next_attempt_at: datetime

        def apply(self, message: Message) -> None:
            message.attempts, message.last_error = self.attempt, self.reason
            message.next_attempt_at = self.next_attempt_at

    class Withdrawn(Event):
        """Not to be sent after all (its cause stopped before the outbox sent it: a sequence's
        person replied or unsubscribed); never sent after this."""

        TOPIC = "keel.message.Withdrawn.v1"
        reason: str

        def apply(self, message: Message) -> None:
            message.status, message.next_attempt_at = WITHDRAWN, None

    @classmethod
    def queue(
        cls, kind: str, cause: str, to: str, subject: str, body: str, reference: str, on: datetime, meta: Meta
    ) -> Message:
        if not to.strip():
            raise InvalidValue("to: a message needs an address")
        return cls._create(
            cls.Queued,
            id=cause_id(kind, cause),
            kind=kind,
            cause=cause,
            to=to.strip(),
            subject=subject,
            body=body,
            reference=reference,
            **meta.stamp(on.date()),
        )

    @property
    def message_id_header(self) -> str:
        """A stable ``Message-ID``: the same on every attempt, so a receiver can drop a duplicate."""
        return f"<{self.id}@keel.outbox>"

    def due(self, now: datetime) -> bool:
        return self.status == QUEUED and (self.next_attempt_at is None or self.next_attempt_at <= now)

    def withdraw(self, reason: str, at: datetime, meta: Meta) -> None:
        if self.status != QUEUED:
            raise InvalidTransition(f"message {self.id} is {self.status}: it cannot be withdrawn")
        self.trigger_event(
            self.Withdrawn, reason=" ".join(reason.split())[:500] or "withdrawn", **meta.stamp(at.date())
        )

    def _check_attempt(self, attempt: int) -> None:
        if self.status != QUEUED:
            raise InvalidTransition(f"message {self.id} was {self.status} already")
        if attempt != self.attempts + 1:
            raise InvalidTransition(f"message {self.id}: attempt {attempt} follows {self.attempts}, not its turn")

    def delivered(self, attempt: int, at: datetime, meta: Meta) -> None:
        self._check_attempt(attempt)
        self.trigger_event(self.Delivered, attempt=attempt, delivered_at=at, **meta.stamp(at.date()))

    def failed(self, attempt: int, error: str, at: datetime, meta: Meta) -> None:
        self._check_attempt(attempt)
        reason = " ".join(error.split())[:500] or "unknown error"
        self.trigger_event(
            self.DeliveryFailed,
            attempt=attempt,
            reason=reason,
            failed_at=at,
            next_attempt_at=at + retry_after(attempt),
            **meta.stamp(at.date()),
        )

"""Webhooks: subscriptions to public event types, and the deliveries made to them.

A ``WebhookSubscription`` names an HTTP(S) URL, the public event types it wants (patterns such as
``invoice.*`` or ``*``) and the secret deliveries are signed with. It is disabled by hand or
automatically after repeated failures, and enabled again by hand.

A ``WebhookDelivery`` is one public event sent to one subscription. Its id derives from that cause
(``delivery_id(subscription, position)``), so the store refuses a second first attempt however
often the cause is seen (a retried job, a second worker, a run after a rebuild). Each attempt is an
event with its number; an attempt that is not the delivery's next one is refused. A replay asks for
one more attempt of a delivery, recorded like any other.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from uuid import UUID

from ledger.errors import InvalidTransition, InvalidValue
from ledger.events import KeelAggregate, Meta
from ledger.outbox import cause_id, retry_after

KIND = "webhooks"
PENDING, DELIVERED, FAILING, REPLAY = "pending", "delivered", "failing", "replay"
MAX_PATTERNS = 20
# A public type (``invoice.issued``), a context's every type (``invoice.*``) or everything (``*``).
_PATTERN = re.compile(r"\*|[a-z][a-z0-9_]{0,39}\.(\*|[a-z][a-z0-9_]{0,59})")
SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)


def delivery_id(subscription_id: UUID, position: int) -> UUID:
    return cause_id(KIND, f"{subscription_id}@{position}")


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host: anything else is refused naming ``url``."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise InvalidValue(f"url: not a URL: {url[:80]!r}") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidValue(f"url: only http and https URLs receive webhooks, got {parts.scheme or 'no'} scheme")
    if not parts.hostname:
        raise InvalidValue("url: a webhook URL names a host")
    if len(url) > 500:
        raise InvalidValue(f"url: at most 500 characters, got {len(url)}")
    return url


def check_patterns(patterns: list[str] | tuple[str, ...]) -> list[str]:
    found = sorted({p.strip() for p in patterns if p.strip()})
    if not found or len(found) > MAX_PATTERNS:
        raise InvalidValue(f"events: 1 to {MAX_PATTERNS} patterns such as invoice.issued, invoice.* or *")
    for p in found:
        if not _PATTERN.fullmatch(p):
            raise InvalidValue(f"events: {p[:60]!r} is not a public event type, CONTEXT.* or *")
    return found


def signing_key(secret: str) -> bytes:
    """The HMAC key: a Standard Webhooks secret (``whsec_`` + base64) decoded, else the text's bytes."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            raise InvalidValue("secret: whsec_ must be followed by base64") from None
    return secret.encode()


def check_secret(secret: str) -> str:
    if not 16 <= len(secret) <= 200 or not (secret.isascii() and secret.isprintable()) or " " in secret:
        raise InvalidValue("secret: 16 to 200 printable ASCII characters without spaces (or whsec_ + base64)")
    if len(signing_key(secret)) < 16:
        raise InvalidValue("secret: at least 16 bytes of key")
    return secret


class WebhookSubscription(KeelAggregate):
    TOPIC = "keel.WebhookSubscription"

    if TYPE_CHECKING:
        url: str
        events: list[str]
        secret: str
        description: str
        enabled: bool

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.webhook.Created.v1"

    class Subscribed(Created):
        TOPIC = "keel.webhook.Subscribed.v1"
        url: str
        events: list[str]
        secret: str  # kept to sign deliveries; never read back out (see ADR 0045)
        description: str

        def apply(self, sub: WebhookSubscription) -> None:
            sub.url, sub.events, sub.secret = self.url, list(self.events), self.secret
            sub.description, sub.enabled = self.description, True

    class Disabled(Event):
        TOPIC = "keel.webhook.Disabled.v1"
        reason: str
        automatic: bool

        def apply(self, sub: WebhookSubscription) -> None:
            sub.enabled = False

    class Enabled(Event):
        TOPIC = "keel.webhook.Enabled.v1"

        def apply(self, sub: WebhookSubscription) -> None:
            sub.enabled = True

    @classmethod
    def subscribe(
        cls, sub_id: UUID, url: str, events: list[str], secret: str, description: str, on: date, meta: Meta
    ) -> WebhookSubscription:
        return cls._create(
            cls.Subscribed,
            id=sub_id,
            url=check_url(url),
            events=check_patterns(events),
            secret=check_secret(secret),
            description=description.strip(),
            **meta.stamp(on),
        )

    def disable(self, reason: str, automatic: bool, on: date, meta: Meta) -> None:
        if not self.enabled:
            raise InvalidTransition(f"webhook {self.id} is disabled already")
        reason = _reason(reason) or "disabled"
        self.trigger_event(self.Disabled, reason=reason, automatic=automatic, **meta.stamp(on))

    def enable(self, on: date, meta: Meta) -> None:
        if self.enabled:
            raise InvalidTransition(f"webhook {self.id} is enabled already")
        self.trigger_event(self.Enabled, **meta.stamp(on))


class WebhookDelivery(KeelAggregate):
    TOPIC = "keel.WebhookDelivery"

    if TYPE_CHECKING:
        subscription_id: UUID
        position: int
        event_type: str
        status: str
        attempts: int
        next_attempt_at: datetime | None

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.webhookdelivery.Created.v1"

    class FirstAttempted(Created):
        """The first attempt at one event for one subscription, and how it went."""

        TOPIC = "keel.webhookdelivery.FirstAttempted.v1"
        subscription_id: UUID
        position: int
        event_type: str
        status_code: int  # 0: no answer (refused, timed out)
        reason: str  # "" when delivered
        attempted_at: datetime
        next_attempt_at: datetime | None  # None when delivered

        def apply(self, d: WebhookDelivery) -> None:
            d.subscription_id, d.position, d.event_type = self.subscription_id, self.position, self.event_type
            d.attempts = 1
            _outcome(d, self.next_attempt_at)

    class Attempted(Event):
        TOPIC = "keel.webhookdelivery.Attempted.v1"
        attempt: int
        status_code: int
        reason: str
        attempted_at: datetime
        next_attempt_at: datetime | None

        def apply(self, d: WebhookDelivery) -> None:
            d.attempts = self.attempt
            _outcome(d, self.next_attempt_at)

    class ReplayRequested(Event):
        TOPIC = "keel.webhookdelivery.ReplayRequested.v1"
        requested_at: datetime

        def apply(self, d: WebhookDelivery) -> None:
            d.status, d.next_attempt_at = REPLAY, self.requested_at

    @classmethod
    def first(
        cls,
        subscription_id: UUID,
        position: int,
        event_type: str,
        status_code: int,
        error: str,
        at: datetime,
        meta: Meta,
    ) -> WebhookDelivery:
        return cls._create(
            cls.FirstAttempted,
            id=delivery_id(subscription_id, position),
            subscription_id=subscription_id,
            position=position,
            event_type=event_type,
            status_code=status_code,
            reason=_reason(error),
            attempted_at=at,
            next_attempt_at=_next(1, error, at),
            **meta.stamp(at.date()),
        )

    def due(self, now: datetime) -> bool:
        return self.status != DELIVERED and self.next_attempt_at is not None and self.next_attempt_at <= now

    def attempted(self, attempt: int, status_code: int, error: str, at: datetime, meta: Meta) -> None:
        if self.status == DELIVERED:
            raise InvalidTransition(f"delivery {self.id} was delivered already (replay it to send it again)")
        if attempt != self.attempts + 1:
            raise InvalidTransition(f"delivery {self.id}: attempt {attempt} follows {self.attempts}, not its turn")
        self.trigger_event(
            self.Attempted,
            attempt=attempt,
            status_code=status_code,
            reason=_reason(error),
            attempted_at=at,
            next_attempt_at=_next(attempt, error, at),
            **meta.stamp(at.date()),
        )

    def replay(self, at: datetime, meta: Meta) -> None:
        if self.status == REPLAY:
            raise InvalidTransition(f"delivery {self.id}: a replay is waiting already")
        self.trigger_event(self.ReplayRequested, requested_at=at, **meta.stamp(at.date()))


def _reason(error: str) -> str:
    """An endpoint's error as one printable line: whatever it answered must never be refused here,
    or the attempt would go unrecorded."""
    return " ".join("".join(c if c.isprintable() else " " for c in error).split())[:500]


def _next(attempt: int, error: str, at: datetime) -> datetime | None:
    """None once delivered; else the back-off after this attempt (30 s doubling to an hour)."""
    return None if not error else at + retry_after(attempt)


def _outcome(d: WebhookDelivery, next_attempt_at: datetime | None) -> None:
    d.next_attempt_at = next_attempt_at
    d.status = DELIVERED if next_attempt_at is None else FAILING

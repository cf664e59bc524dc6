"""The webhook commands: subscribe, disable, enable; record an attempt; replay a delivery.

An attempt's delivery id derives from (subscription, event position), so the first attempt at a
cause is recorded once however often the worker meets it (``ledger.webhooks.delivery_id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from commands.unit_of_work import Command


@dataclass(frozen=True, kw_only=True)
class AddWebhook(Command):
    url: str
    events: tuple[str, ...]
    secret: str
    description: str = ""
    subscription_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class DisableWebhook(Command):
    subscription_id: UUID
    reason: str = "disabled by hand"
    automatic: bool = False


@dataclass(frozen=True, kw_only=True)
class EnableWebhook(Command):
    subscription_id: UUID


@dataclass(frozen=True, kw_only=True)
class RecordWebhookAttempt(Command):
    """How one attempt at one event for one subscription went: ``error`` "" when delivered."""

    subscription_id: UUID
    position: int
    event_type: str
    attempt: int
    status_code: int
    error: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ReplayWebhookDelivery(Command):
    delivery_id: UUID
    at: datetime

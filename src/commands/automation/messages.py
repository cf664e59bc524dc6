"""The automation commands: schedules of the worker's jobs, and the outbox's messages.

A message's id derives from its kind and cause (``ledger.outbox.cause_id``): queueing the same
cause twice is refused by the store, so a job may be run again safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from commands.unit_of_work import Command


@dataclass(frozen=True, kw_only=True)
class SetSchedule(Command):
    kind: str
    cron: str
    timezone: str = "UTC"
    enabled: bool = True


@dataclass(frozen=True, kw_only=True)
class QueueMessage(Command):
    kind: str
    cause: str
    to: str
    subject: str
    body: str
    reference: str = ""
    at: datetime


@dataclass(frozen=True, kw_only=True)
class QueueInvoiceMail(Command):
    """E-mail an issued invoice to its customer's billing address, once per invoice."""

    invoice_id: UUID
    at: datetime


@dataclass(frozen=True, kw_only=True)
class RecordDelivery(Command):
    message_id: UUID
    attempt: int
    at: datetime


@dataclass(frozen=True, kw_only=True)
class RecordDeliveryFailure(Command):
    message_id: UUID
    attempt: int
    error: str
    at: datetime

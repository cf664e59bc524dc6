"""Idempotency keys: a retried command returns the original answer and writes nothing new.

A request's key is claimed (``in_flight``) before the command runs; the command's events and
the completed record (``done`` with the response) are written in one transaction by the
recorder. A retry with the same key and body gets the stored response; with another body it is
refused; while the first is still running it waits briefly, then gets a conflict.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Ticket:
    client: str
    key: str
    request_hash: str


@dataclass(frozen=True)
class Claim:
    outcome: str  # claimed, done, in_flight, mismatch
    status: int | None = None
    response: str | None = None


# Set by the HTTP layer for the duration of one request; read where the command commits.
current_ticket: ContextVar[Ticket | None] = ContextVar("keel_idempotency_ticket", default=None)

"""Idempotency keys: a retried command returns the original answer and writes nothing new.

A request's key is claimed (``in_flight``, with a token of this claim) before the command runs;
the command's events and the completed record (``done``, with the HTTP status and the response)
are written in one transaction by the recorder, so a process that dies after that commit leaves
the outcome a retry is answered with. A retry with the same key and body gets the stored
response; with another body it is refused; while the first is still running it waits briefly,
then gets a conflict. A claim left by a process that died before committing goes stale and is
taken over; the commit is fenced by the token, so of two claims only one can ever commit.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from uuid import uuid4


@dataclass(frozen=True)
class Ticket:
    client: str
    key: str
    request_hash: str
    success_status: int = 200  # what the request answers when its command succeeds (201 for a create)
    token: str = field(default_factory=lambda: uuid4().hex)


class ClaimSuperseded(Exception):
    """The claim went stale and another request took the key over: this one must not commit."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the request with the key {key!r} was taken over by a retry; its outcome is the retry's")


@dataclass(frozen=True)
class Claim:
    outcome: str  # claimed, done, in_flight, mismatch
    status: int | None = None
    response: str | None = None


# Set by the HTTP layer for the duration of one request; read where the command commits.
current_ticket: ContextVar[Ticket | None] = ContextVar("keel_idempotency_ticket", default=None)

"""A typed client of Keel's HTTP API, generated from its OpenAPI document (docs/client.md).

    from keel.client import KeelClient

    with KeelClient("http://127.0.0.1:8000", api_key=KEY) as keel:
        balance = keel.trial_balance(as_of="2026-09-30")
        for invoice in keel.iter_list_invoices(status="issued"):
            ...

Every operation is a method named after its route (path parameters positional, query parameters
and the body by keyword, bodies and answers as TypedDicts from ``keel.client.models``); a paged
list also has ``iter_<name>``; a write carries an ``Idempotency-Key`` (its own unless given) and
is retried with it; ``if_match=`` sends the version read; a problem is raised as its class
(``keel.client.problems``).
"""

from __future__ import annotations

from keel.client.generated.operations import Operations
from keel.client.problems import (
    BadRequest,
    Conflict,
    Forbidden,
    KeelError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    Problem,
    ServerError,
    TooManyRequests,
    Unauthorized,
    Unavailable,
    Unprocessable,
)


class KeelClient(Operations):
    """Keel's HTTP API: every operation, typed."""


__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "KeelClient",
    "KeelError",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "Problem",
    "ServerError",
    "TooManyRequests",
    "Unauthorized",
    "Unavailable",
    "Unprocessable",
]

"""Problem details (RFC 9457) as exceptions: a 4xx or 5xx answer raises the class of its status,
carrying the problem's fields (``field`` names the input at fault, when Keel knows it)."""

from __future__ import annotations

from typing import Any


class KeelError(Exception):
    """Keel could not be reached, or answered what is not HTTP Keel speaks."""


class Problem(KeelError):
    """An RFC 9457 problem Keel answered."""

    status: int = 0

    def __init__(self, status: int, problem: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.problem = problem
        self.type: str = str(problem.get("type", "about:blank"))
        self.title: str = str(problem.get("title", ""))
        self.detail: str = str(problem.get("detail", ""))
        self.field: str | None = problem.get("field") or _first_location(problem)
        self.headers = headers or {}
        super().__init__(f"{status} {self.title}: {self.detail}" if self.detail else f"{status} {self.title}")


class BadRequest(Problem):
    status = 400


class Unauthorized(Problem):
    status = 401


class Forbidden(Problem):
    status = 403


class NotFound(Problem):
    status = 404


class Conflict(Problem):
    """409: not allowed in the current state (an invoice issued twice), a closed period, a duplicate."""

    status = 409


class PreconditionFailed(Problem):
    """412: the ``If-Match`` version is not the current one."""

    status = 412


class PayloadTooLarge(Problem):
    status = 413


class Unprocessable(Problem):
    """422: the input breaks a rule (``field`` names it), or an idempotency key was reused for another request."""

    status = 422


class TooManyRequests(Problem):
    status = 429


class ServerError(Problem):
    status = 500


class Unavailable(Problem):
    """503: a read model is not caught up yet, or a plug-in is stopped; retry after ``Retry-After``."""

    status = 503


BY_STATUS: dict[int, type[Problem]] = {
    c.status: c
    for c in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PreconditionFailed,
        PayloadTooLarge,
        Unprocessable,
        TooManyRequests,
        ServerError,
        Unavailable,
    )
}


def problem_for(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Problem:
    """The exception of this status (the nearest kind for one without a class of its own)."""
    kind = BY_STATUS.get(status) or (ServerError if status >= 500 else BadRequest)
    return kind(status, body, headers)


def _first_location(problem: dict[str, Any]) -> str | None:
    """A request Keel refused before it reached a rule names its fields in ``errors``: the first."""
    errors = problem.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        location = errors[0].get("location")
        return str(location) if location else None
    return None

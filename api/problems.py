"""RFC 9457 problem details: every error leaves the API as ``application/problem+json``."""

from __future__ import annotations

import logging
import re
from typing import Any

from eventsourcing.persistence import IntegrityError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.access import Forbidden
from api.statements.errors import StatementError
from commands.access.keys import Unauthenticated
from commands.idempotency import ClaimSuperseded
from ledger.books import PeriodLocked
from ledger.errors import (
    AlreadyExists,
    DomainError,
    InvalidTransition,
    InvalidValue,
    NotFound,
    NotPermitted,
    Unbalanced,
    VersionConflict,
)
from ledger.imports import ImportRefused
from projections.engine.waits import ReadModelBehind

log = logging.getLogger("keel.api")

PROBLEM_JSON = "application/problem+json"


def _body(status: int, slug: str, title: str, detail: str, instance: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": f"urn:keel:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }


def problem(status: int, slug: str, title: str, detail: str, request: Request, **extra: Any) -> JSONResponse:
    body = _body(status, slug, title, detail, request.url.path, **extra)
    headers = {"Retry-After": "1"} if status == 503 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def unauthenticated_problem(request: Request, detail: str) -> JSONResponse:
    response = problem(401, "unauthenticated", "Authentication required", detail, request)
    response.headers["WWW-Authenticate"] = 'Bearer realm="keel"'
    return response


_DOMAIN: list[tuple[type[DomainError], int, str, str]] = [
    (NotFound, 404, "not-found", "Not found"),
    (AlreadyExists, 409, "already-exists", "Already exists"),
    (VersionConflict, 412, "version-conflict", "The resource changed since you read it"),
    (PeriodLocked, 409, "period-closed", "The period is closed"),
    (NotPermitted, 403, "not-permitted", "Not permitted for this actor"),
    (InvalidTransition, 409, "invalid-transition", "Not allowed in the current state"),
    (Unbalanced, 422, "unbalanced-entry", "Journal entry does not balance"),
    (InvalidValue, 422, "invalid-value", "Invalid value"),
    (DomainError, 422, "rule-violation", "Refused by a business rule"),
]


_FIELD = re.compile(r"^(?:(?P<file>[^:\s]+\.[A-Za-z0-9]{1,5}): )?(?P<field>[A-Za-z_][A-Za-z0-9_]{0,40}): ")


def _named_field(exc: DomainError) -> dict[str, Any]:
    """What a refusal names besides its detail: a statement's file, place and field; for other refusals
    whose message starts ``field: …`` (the domain's convention), the field."""
    if isinstance(exc, StatementError):
        return {k: v for k, v in (("file", exc.filename), ("where", exc.where), ("field", exc.field)) if v}
    found = _FIELD.match(str(exc))
    if found is None:
        return {}
    return {k: v for k, v in (("file", found["file"]), ("field", found["field"])) if v}


def domain_problem(exc: DomainError, instance: str) -> tuple[int, dict[str, Any]]:
    """The status and the problem body a refusal answers with (also kept by an import job that
    was refused in the background, to answer when asked)."""
    if isinstance(exc, ImportRefused):
        # Every problem of the file, each with its line and field (ADR 0035); nothing was written.
        errors = [{"file": exc.source, "line": p.line, "field": p.field, "message": p.message} for p in exc.problems]
        detail = f"{exc.source}: import refused ({len(errors)} problems, nothing written)"
        done: int | None = getattr(exc, "done", None)  # an events import refused at a chunk (ADR 0057)
        if done is None:
            return 422, _body(422, "import-refused", "The file was not imported", detail, instance, errors=errors)
        detail = str(exc).splitlines()[0] + (f"; lines 1-{done} are in" if done else "")
        title = "The file was not imported whole"
        return 422, _body(422, "import-refused", title, detail, instance, errors=errors, lines_in=done)
    for kind, status, slug, title in _DOMAIN:
        if isinstance(exc, kind):
            extra: dict[str, Any] = {"current_version": exc.current_version} if isinstance(exc, VersionConflict) else {}
            listed = getattr(exc, "errors", None)  # a file refused line by line (api.fx_files)
            if isinstance(listed, list):
                extra["errors"] = [{"location": "file", "message": str(e)} for e in listed]
            if isinstance(getattr(exc, "line", None), int):  # a commands file stopped at a line (ADR 0057)
                extra |= {"line": getattr(exc, "line"), "lines_in": getattr(exc, "done", 0)}  # noqa: B009
                return status, _body(status, slug, title, str(exc), instance, **extra)
            return status, _body(status, slug, title, str(exc), instance, **extra, **_named_field(exc))
    raise AssertionError("DomainError is the last entry")  # pragma: no cover


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        status, body = domain_problem(exc, request.url.path)
        return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        return problem(
            403,
            "forbidden",
            "Missing scope",
            str(exc),
            request,
            required_scopes=list(exc.required),
            granted_roles=list(exc.principal.roles),
        )

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, exc: Unauthenticated) -> JSONResponse:
        return unauthenticated_problem(request, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "location": ".".join(str(p) for p in e.get("loc", ())),
                "message": str(e.get("msg", "")).removeprefix("Value error, "),  # pydantic's wording, not ours
            }
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors) or "invalid request"
        return problem(422, "invalid-request", "The request is not valid", detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return problem(exc.status_code, slug, str(exc.detail), str(exc.detail), request)

    @app.exception_handler(ReadModelBehind)
    async def behind(request: Request, exc: ReadModelBehind) -> JSONResponse:
        return problem(
            503,
            "read-model-behind",
            "Read model not caught up yet",
            str(exc),
            request,
            wanted_position=exc.wanted,
            reached_position=exc.reached,
        )

    @app.exception_handler(IntegrityError)
    async def conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        return problem(
            409,
            "concurrent-write",
            "Concurrent write",
            "another command changed the same records at the same time; retry",
            request,
        )

    @app.exception_handler(ClaimSuperseded)
    async def superseded(request: Request, exc: ClaimSuperseded) -> JSONResponse:
        return problem(409, "idempotency-superseded", "Taken over by a retry", str(exc), request)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal-error", "Internal error", "an unexpected error occurred; it was logged", request)

"""The ``Idempotency-Key`` header on every POST and PUT: retries are answered, not repeated.

Keys are scoped per client: the API key that authenticated the request (the actor when
authentication is off). The request is
fingerprinted by method, path and body: the same key with another request is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware, DispatchFunction
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import problem
from commands.idempotency import Ticket, current_ticket

# A claim older than this, still in flight, was left by a process that died: a retry takes it over
# (its commit is fenced by its token, see commands.idempotency). Below the retry's wait (10 s).
STALE_AFTER_SECONDS = 8.0


class KeyedWrites:
    """The middleware below for the requests it concerns (POST and PUT with a key); every other
    request skips it, and with it the task group and streams of a ``BaseHTTPMiddleware``."""

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction) -> None:
        self.app, self.keyed = app, BaseHTTPMiddleware(app, dispatch=dispatch)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        keyed = scope["type"] == "http" and scope["method"] in ("POST", "PUT")
        if keyed and any(name == b"idempotency-key" for name, _ in scope["headers"]):
            await self.keyed(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install_idempotency(app: FastAPI) -> None:
    app.add_middleware(KeyedWrites, dispatch=idempotency)


async def idempotency(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    key = request.headers.get("Idempotency-Key")
    if request.method not in ("POST", "PUT") or not key:
        return await call_next(request)
    keel = request.app.state.keel
    if len(key) > 200:
        return problem(422, "invalid-request", "Invalid Idempotency-Key", "keys are at most 200 characters", request)
    body = await request.body()
    fingerprint = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + body).hexdigest()
    principal = getattr(request.state, "principal", None)
    if principal is None:  # unauthenticated requests are refused before they get here
        return await call_next(request)
    ticket = Ticket(principal.client, key, fingerprint, _success_status(request))
    deadline = time.monotonic() + keel.settings.idempotency_wait_seconds
    while True:
        claim = await run_in_threadpool(keel.app.claim, ticket, STALE_AFTER_SECONDS)
        if claim.outcome == "claimed":
            break
        if claim.outcome == "done":
            replay = JSONResponse(json.loads(claim.response or "null"), status_code=claim.status or 200)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        if claim.outcome == "mismatch":
            return problem(
                422,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                f"the key {key!r} was used for a different request",
                request,
            )
        if time.monotonic() >= deadline:
            return problem(
                409,
                "idempotency-in-flight",
                "Request still in flight",
                f"a request with the key {key!r} is still being processed; retry later",
                request,
            )
        await asyncio.sleep(0.05)
    token = current_ticket.set(ticket)
    try:
        response = await call_next(request)
    finally:
        current_ticket.reset(token)
    content = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
    success = response.status_code < 400
    await run_in_threadpool(keel.app.finish, ticket, response.status_code, _without_secrets(content), success)
    return Response(
        content, status_code=response.status_code, headers=dict(response.headers), media_type=response.media_type
    )


def _success_status(request: Request) -> int:
    """The status the request's route answers on success (201 for a create): stored with the
    command's events, so a retry after a crash before the answer gets it back. Read from the
    published contract (OpenAPI), the one description of the routes that holds in every version."""
    table: list[tuple[re.Pattern[str], str, int]] | None = getattr(request.app.state, "success_statuses", None)
    if table is None:
        table = []
        for path, operations in request.app.openapi().get("paths", {}).items():
            pattern = re.compile(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$")
            for method, operation in operations.items():
                codes = sorted(int(c) for c in operation.get("responses", {}) if c.isdigit() and c.startswith("2"))
                table.append((pattern, method.upper(), codes[0] if codes else 200))
        request.app.state.success_statuses = table
    for pattern, method, status in table:
        if method == request.method and pattern.match(request.url.path):
            return status
    return 200


SECRET_FIELDS = ("api_key", "access_token")


def _without_secrets(content: bytes) -> str:
    """What a retry replays: never a secret, which is shown once and stored nowhere."""
    text = content.decode()
    try:
        body = json.loads(text)
    except ValueError:
        return text
    if isinstance(body, dict) and any(f in body for f in SECRET_FIELDS):
        return json.dumps({k: (None if k in SECRET_FIELDS else v) for k, v in body.items()})
    return text

"""Guards every request passes: a bounded body, a clean query string, an honest answer when the
database is away.

Plain ASGI, outermost: a body over the limit is refused from its ``Content-Length`` before a
byte of it is read, and one sent without a length (chunked) is cut off as soon as it passes the
limit, so no request can make the server hold more than ``max_body_bytes`` of it in memory. A
request that fails because the database cannot be reached (restarted, connections terminated,
the pool exhausted) — in a route or in a middleware that looked up a key or a claim — answers
503 with ``Retry-After``: the pools drop broken connections, so the server recovers by itself.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import psycopg
import psycopg_pool
from eventsourcing import persistence

from ledger.errors import InvalidValue
from ledger.policy import TextRule

# A query parameter holds no control character; its length is each route's business (cursors are long).
QUERY = TextRule("query", 100_000)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RequestGuards:
    def __init__(self, app: ASGIApp, max_body_bytes: Callable[[Scope], int]) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        bad = _bad_query(scope.get("query_string", b""))
        if bad is not None:
            await _problem(scope, send, 422, "invalid-request", "The request is not valid", bad)
            return
        limit = self.max_body_bytes(scope)
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _too_large(scope, send, limit)
            return
        received, started, refused = 0, False, False

        async def limited() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not refused:
                    # Answer now, and tell the app the client went away: it stops reading, and
                    # whatever it would still send is dropped (below).
                    refused = True
                    if not started:
                        await _too_large(scope, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except Exception as exc:
            if started or not database_away(exc):
                raise
            detail = "the database cannot be reached right now; retry shortly"
            await _problem(scope, send, 503, "database-unavailable", "Database unavailable", detail)


# What a lost or refused connection raises: the driver's, the pool's and the event store library's
# wrappers of them (and, below, SQLite's "database is locked").
AWAY = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg_pool.PoolTimeout,
    persistence.OperationalError,
    persistence.InterfaceError,
)


def database_away(exc: BaseException) -> bool:
    """The error, its causes, or (raised through a task group) one of its parts is a lost connection."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        error = todo.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, AWAY) or (isinstance(error, sqlite3.OperationalError) and "locked" in str(error)):
            return True
        if isinstance(error, BaseExceptionGroup):
            todo.extend(error.exceptions)
        todo += [error.__cause__, error.__context__]
    return False


def _bad_query(query: bytes) -> str | None:
    """A query parameter that no query means: a control character, or not UTF-8 at all."""
    try:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        return "the query string is not valid UTF-8"
    for name, value in pairs:
        try:
            QUERY.check(name, "query parameter name")
            QUERY.check(value, f"query.{name}")
        except InvalidValue as exc:
            return str(exc)
    return None


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    detail = f"the request body is larger than {limit} bytes (KEEL_MAX_BODY_BYTES)"
    await _problem(scope, send, 413, "body-too-large", "Request body too large", detail)


async def _problem(scope: Scope, send: Send, status: int, slug: str, title: str, detail: str) -> None:
    body = json.dumps(
        {
            "type": f"urn:keel:problem:{slug}",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": scope.get("path", ""),
        }
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    if status == 413:
        headers.append((b"connection", b"close"))  # the rest of the body is not read
    if status == 503:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

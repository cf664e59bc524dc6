"""What every operation of the client shares: the connection, authentication, idempotency keys
and retries, ``If-Match``, pages, and problems raised as exceptions.

A POST or PUT carries an ``Idempotency-Key``, the caller's or a fresh one, and a connection error
or a 503 is retried with the same key and the same bytes: Keel answers a retry with the first
answer and never does the work twice, so a retry cannot pay an invoice twice. PATCH and DELETE
are not retried (Keel keeps no answer for them), nor are the two writes whose answer holds a
secret (a new API key, a token): Keel keeps their answers without it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID, uuid4

import httpx

from keel.client.problems import KeelError, problem_for

T = TypeVar("T")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEYED = frozenset({"POST", "PUT"})  # the methods Keel answers again by their Idempotency-Key
RETRIED = KEYED | {"GET"}  # PATCH and DELETE are not replayed by Keel: never retried
# Their answer holds a secret Keel does not keep, so a replay would answer it without: sent once.
ANSWERED_ONCE = frozenset({"/v1/keys", "/v1/auth/tokens"})


def _plain(value: Any) -> Any:
    """Decimals, dates and ids as Keel reads them (strings), never a float."""
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


class Core:
    """The connection to one Keel. ``api_key`` (or a bearer ``token``) authenticates; ``actor`` is
    sent as ``X-Keel-Actor`` where a server runs without authentication; ``http`` lends an
    ``httpx.Client`` (a test's ``TestClient``, a proxy's, a pool shared with other code)."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        api_key: str | None = None,
        token: str | None = None,
        actor: str | None = None,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        retries: int = 2,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": "keel.client"}
        if api_key or token:
            headers["Authorization"] = f"Bearer {api_key or token}"
        if actor:
            headers["X-Keel-Actor"] = actor
        self._owned = http is None
        self.http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self.headers = headers  # sent with each request: a lent client's own headers stay as they are
        self.retries = retries

    def close(self) -> None:
        if self._owned:
            self.http.close()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        files: Mapping[str, tuple[str, bytes]] | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str | None] | None = None,
        raw: bool = False,
    ) -> Any:
        """One request: its answer's JSON (or bytes when ``raw``); a problem raised as its class."""
        sent = {**self.headers, **{k: v for k, v in (headers or {}).items() if v is not None}}
        once = method in WRITES and path in ANSWERED_ONCE
        if method in KEYED and not once:
            sent.setdefault("Idempotency-Key", str(uuid4()))
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        content = json.dumps(body, default=_plain).encode() if body is not None else None
        if content is not None:
            sent["Content-Type"] = "application/json"
        # Built once: a retry sends the very same bytes (a multipart body keeps its boundary), so
        # Keel recognises it by its key and answers it with the first answer.
        request = self.http.build_request(
            method, path, params=params, content=content, files=files, data=data, headers=sent
        )
        retries = self.retries if method in RETRIED and not once else 0
        for attempt in range(retries + 1):
            try:
                answer = self.http.send(request)
            except httpx.TransportError as exc:
                if attempt == retries:
                    raise KeelError(f"{method} {path}: {exc}") from exc
                time.sleep(0.2 * 2**attempt)
                continue
            if answer.status_code == 503 and attempt < retries:
                time.sleep(min(float(answer.headers.get("Retry-After", "1") or 1), 5.0))
                continue
            return _answer(answer, raw)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pages(self, fetch: Callable[[str | None], Mapping[str, Any]]) -> Iterator[Any]:
        """Every item of a paged list, page after page (``next_cursor``), from the first."""
        cursor: str | None = None
        while True:
            page = fetch(cursor)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return [_query_value(v) for v in value]
    return _plain(value) if isinstance(value, Decimal | UUID | date | datetime) else value


def _answer(answer: httpx.Response, raw: bool) -> Any:
    if answer.status_code >= 400:
        try:
            problem = answer.json()
        except ValueError:
            problem = {"title": answer.reason_phrase, "detail": answer.text[:500]}
        raise problem_for(answer.status_code, problem if isinstance(problem, dict) else {}, dict(answer.headers))
    if raw:
        return answer.content
    if answer.status_code == 204 or not answer.content:
        return None
    return answer.json()


def precondition(version: int | str | None) -> str | None:
    """``If-Match`` for the aggregate version the caller read (None: no precondition)."""
    return None if version is None else f'"{version}"'

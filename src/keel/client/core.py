"""What every operation of the client shares: the connection, authentication, idempotency keys
and retries, ``If-Match``, pages, and problems raised as exceptions.

A write (POST, PUT, PATCH, DELETE) carries an ``Idempotency-Key``, the caller's or a fresh one,
and a connection error or a 503 is retried with the same key: Keel answers a retry with the first
answer and never does the work twice (docs/http-api.md), so a retry cannot pay an invoice twice.
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
        if method in WRITES:
            sent.setdefault("Idempotency-Key", str(uuid4()))
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        content = json.dumps(body, default=_plain).encode() if body is not None else None
        if content is not None:
            sent["Content-Type"] = "application/json"
        for attempt in range(self.retries + 1):
            try:
                answer = self.http.request(
                    method, path, params=params, content=content, files=files, data=data, headers=sent
                )
            except httpx.TransportError as exc:
                if attempt == self.retries or method not in WRITES | {"GET"}:
                    raise KeelError(f"{method} {path}: {exc}") from exc
                time.sleep(0.2 * 2**attempt)
                continue
            if answer.status_code == 503 and attempt < self.retries:
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

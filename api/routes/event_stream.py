"""``GET /v1/events/stream``: the log's public events as Server-Sent Events (ADR 0045).

Each event is sent as ``id: <log position>``, ``event: <public type>`` and ``data: <public JSON>``
(``projections.public_events``, the form webhooks carry). A client that reconnects sends the last
id it saw as ``Last-Event-ID`` and continues right after it: nothing missed, nothing twice, because
the log's positions are gap-safe for readers (DESIGN §5). Each caller sees the contexts its role
reads (auditors and integrations: every public event); a comment line every ``heartbeat`` seconds
keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.deps import KeelDep, PrincipalDep
from api.system import Keel
from ledger.errors import InvalidValue
from ledger.webhooks import check_patterns
from projections.public_events import matches, public_event, visible

router = APIRouter(prefix="/v1/events", tags=["audit"])
PAGE = 500
POLL_SECONDS = 0.25


def _types(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        return check_patterns(text.split(","))
    except InvalidValue as exc:
        detail = str(exc).replace("events: ", "", 1)
        raise RequestValidationError([{"loc": ("query", "types"), "msg": detail, "type": "value_error"}]) from None


def _resume_at(after: int, last_event_id: str | None) -> int:
    if last_event_id is None:
        return after
    text = last_event_id.strip()
    if not text.isdigit() or len(text) > 18:
        raise RequestValidationError(
            [{"loc": ("header", "last-event-id"), "msg": "a log position (digits)", "type": "value_error"}]
        )
    return int(text)


def _page(keel: Keel, after: int, scopes: frozenset[str], types: list[str]) -> tuple[int, list[str]]:
    """The next page of the log after ``after``: the new cursor and the frames this caller may see."""
    page = keel.app.read_log(after, PAGE)
    if not page:
        return after, []
    times = keel.app.recorded_times(page[0][0], page[-1][0])
    frames = []
    for position, event in page:
        found: dict[str, Any] | None = public_event(position, times.get(position), event)
        if found is None or not visible(scopes, found["type"]) or (types and not matches(types, found["type"])):
            continue
        data = json.dumps(found, separators=(",", ":"), ensure_ascii=False)
        frames.append(f"id: {position}\nevent: {found['type']}\ndata: {data}\n\n")
    return page[-1][0], frames


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Public events as they are recorded"}},
)
async def event_stream(
    request: Request,
    keel: KeelDep,
    principal: PrincipalDep,
    after: Annotated[int, Query(ge=0, le=2**53, description="Start after this log position")] = 0,
    types: Annotated[
        str | None, Query(max_length=2000, description="Comma-separated public types or patterns: invoice.*,payment.*")
    ] = None,
    heartbeat: Annotated[float, Query(ge=1, le=300, description="Seconds between keep-alive comments")] = 15.0,
    last_event_id: Annotated[
        str | None, Header(max_length=20, description="The last id received: resume right after it")
    ] = None,
) -> StreamingResponse:
    """The log's public events, live, with payloads (the webhooks' form). Resumable with `Last-Event-ID`;
    filtered to the contexts the caller's role reads (auditor and integration: all)."""
    cursor, patterns, scopes = _resume_at(after, last_event_id), _types(types), principal.scopes

    async def frames() -> AsyncIterator[str]:
        nonlocal cursor
        yield "retry: 2000\n\n"
        idle = 0.0
        while not await request.is_disconnected():
            before = cursor
            cursor, found = await run_in_threadpool(_page, keel, cursor, scopes, patterns)
            for frame in found:
                yield frame
            if found:
                idle = 0.0
            if cursor != before:  # a page read (maybe all filtered out): read on at once
                continue
            await asyncio.sleep(POLL_SECONDS)
            idle += POLL_SECONDS
            if idle >= heartbeat:
                idle = 0.0
                yield ": heartbeat\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(frames(), media_type="text/event-stream", headers=headers)

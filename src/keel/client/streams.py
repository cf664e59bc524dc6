"""The public event stream (``GET /v1/events/stream``, server-sent events) as an iterator of
events, resumed after the last one seen if the connection drops."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx

from keel.client.core import Core, _answer
from keel.client.problems import KeelError


class Streams(Core):
    def event_stream(
        self, *, after: int = 0, types: str | None = None, last_event_id: str | None = None, reconnects: int = 3
    ) -> Iterator[dict[str, Any]]:
        """GET /v1/events/stream: the log's public events, live, each a dict of the public event
        schema (the webhooks'), from after position ``after`` (or the ``last_event_id`` seen);
        ``types`` filters (``invoice.*,payment.*``). Endless: stop iterating to close it. A dropped
        or closed connection (a restart) is resumed after the last event read, with a growing pause,
        at most ``reconnects`` times in a row without an event; then ``KeelError``."""
        last, failures = last_event_id, 0
        while True:
            headers = {**self.headers, "Accept": "text/event-stream", **({"Last-Event-ID": last} if last else {})}
            params: dict[str, Any] = {"after": after, **({"types": types} if types else {})}
            ended: BaseException | str = "the server closed it"
            try:
                with self.http.stream("GET", "/v1/events/stream", params=params, headers=headers) as answer:
                    if answer.status_code >= 400:
                        answer.read()
                        _answer(answer, False)
                    for event_id, data in _frames(answer.iter_lines()):
                        failures = 0
                        last = event_id or last
                        yield json.loads(data)
            except httpx.TransportError as exc:
                ended = exc
            # Dropped or closed (a restart, a deploy): resumed after the last event read.
            failures += 1
            if failures > reconnects:
                raise KeelError(f"the event stream ended {failures} times in a row: {ended}")
            time.sleep(min(0.5 * 2 ** (failures - 1), 5.0))


def _frames(lines: Iterator[str]) -> Iterator[tuple[str | None, str]]:
    """(id, data) of each event frame; comments (heartbeats) and ``retry:`` skipped."""
    event_id: str | None = None
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield event_id, "\n".join(data)
            event_id, data = None, []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif line.startswith("id:"):
            event_id = line[3:].strip()

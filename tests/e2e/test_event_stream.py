"""``GET /v1/events/stream`` on a real HTTP server (uvicorn in a thread): public events with payloads,
``id:`` the log position; a client that reconnects with ``Last-Event-ID`` while events keep being
recorded misses nothing and gets nothing twice; each role sees the contexts it reads."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from support import served_over_http
from test_access import bearer, issue_key

from api.settings import Settings
from api.system import Keel
from commands import messages as m
from ledger.events import Meta
from projections.public_events import public_event

SETUP = Meta("setup")


@pytest.fixture
def served(keel_settings: Settings) -> Iterator[tuple[Keel, str]]:
    with (
        Keel.start(keel_settings.model_copy(update={"auth": "keys"}), follow=False) as keel,
        served_over_http(keel) as url,
    ):
        yield keel, url


def read(url: str, headers: dict[str, str], count: int, **params: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The first ``count`` events of a stream (``id``, ``event``, ``data``), then hang up; and its comments."""
    events: list[dict[str, Any]] = []
    comments: list[str] = []
    frame: dict[str, Any] = {}
    with httpx.stream("GET", f"{url}/v1/events/stream", headers=headers, params=params, timeout=20) as answer:
        assert answer.status_code == 200, answer.read()
        assert answer.headers["content-type"].startswith("text/event-stream")
        for line in answer.iter_lines():
            if line.startswith(":"):
                comments.append(line)
                if count == 0:
                    break
            elif line == "" and "data" in frame:
                events.append({**frame, "data": json.loads(frame["data"])})
                frame = {}
                if len(events) == count:
                    break
            elif line:
                name, _, value = line.partition(": ")
                frame[name] = value
    return events, comments


def customer(keel: Keel, n: int) -> None:
    keel.app.handle(m.RegisterCustomer(meta=SETUP, on=date(2026, 10, 1), name=f"Customer {n}"))


def public_positions(keel: Keel) -> list[int]:
    return [p for p, e in keel.app.read_log(0, 10_000) if public_event(p, None, e) is not None]


def test_a_client_reconnecting_with_last_event_id_misses_nothing_and_gets_nothing_twice(
    served: tuple[Keel, str],
) -> None:
    keel, url = served
    key = bearer(issue_key(keel, "erp-sync", "integration"))
    keel.app.handle(
        m.AddWebhook(
            meta=SETUP, url="https://erp.example/in", events=("*",), secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        )
    )
    for n in range(5):
        customer(keel, n)

    first, _ = read(url, key, 3)
    writer = threading.Thread(target=lambda: [customer(keel, n) for n in range(5, 25)])
    writer.start()  # recorded while the client is away and while it reads again
    second, _ = read(url, {**key, "Last-Event-ID": first[-1]["id"]}, 21)
    writer.join()
    expected = public_positions(keel)
    got = [int(e["id"]) for e in first + second]
    assert got == expected[: len(got)] and len(got) == len(set(got))
    third, _ = read(url, {**key, "Last-Event-ID": str(got[-1])}, len(expected) - len(got))
    assert got + [int(e["id"]) for e in third] == expected  # all of them, each once, in log order

    one = second[0]
    assert one["event"] == one["data"]["type"] and one["data"]["position"] == int(one["id"])
    assert {e["data"]["type"] for e in first + second + third} >= {"apikey.issued", "customer.registered"}
    assert all(not e["data"]["type"].startswith("webhook") for e in first + second + third)
    assert all("secret" not in json.dumps(e["data"]) for e in first + second + third)


def test_each_role_sees_what_it_reads_types_filter_and_an_idle_stream_has_heartbeats(
    served: tuple[Keel, str],
) -> None:
    keel, url = served
    sales, admin = issue_key(keel, "sally", "sales"), issue_key(keel, "adam", "admin")
    customer(keel, 1)
    seen, _ = read(url, bearer(sales), 1)
    assert [e["data"]["type"] for e in seen] == ["customer.registered"]  # no API key events for sales
    analyst, _ = read(url, bearer(issue_key(keel, "ana", "analyst")), 4)  # the public log, secrets left out
    assert {e["data"]["type"] for e in analyst} >= {"apikey.issued", "customer.registered"}
    assert all("sha256" not in json.dumps(e["data"]) for e in analyst)

    integration = bearer(issue_key(keel, "erp", "integration"))
    only, _ = read(url, integration, 1, types="customer.*")
    assert only[0]["data"]["type"] == "customer.registered"
    _, comments = read(url, integration, 0, after=keel.app.head_position(), heartbeat=1)
    assert comments == [": heartbeat"]

    assert httpx.get(f"{url}/v1/events/stream", headers=bearer(admin)).status_code == 403
    bad = httpx.get(f"{url}/v1/events/stream", headers=integration, params={"types": "invoice"})
    assert bad.status_code == 422 and "types" in bad.text
    resumed = httpx.get(f"{url}/v1/events/stream", headers={**integration, "Last-Event-ID": "x"})
    assert resumed.status_code == 422 and "last-event-id" in resumed.text.lower()

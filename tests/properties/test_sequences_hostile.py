"""No e-mail sequence the write side accepts, and nothing done with it, stops a read model (ADR 0025,
0068): hostile steps, enrollments, inbound messages and unsubscribes over HTTP are refused with a
4xx problem and nothing written, or accepted; the worker then queues steps at hostile dates, each
once (a second run records nothing); every projection is caught up; the results report answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_recurring_hostile import post

from api.http import create_app
from api.system import Keel
from api.worker.scheduler import Worker

texts = st.sampled_from(["Hi", "", "{{ first_name }}", "{{ nope }}", "{{", "}}{{", "a\u0000b", "x" * 201, "\ud800"])
days = st.sampled_from([0, 1, 3, 365, 366, -1, "3", 1.5, True, None])
dates = st.sampled_from(["1900-01-01", "2026-10-01", "2999-12-31", "3000-01-01", ""])
moments = st.sampled_from(["2026-10-02T09:00:00+00:00", "1900-01-01T00:00:00+00:00", "2999-12-31T23:59:59+00:00",
                           "2026-10-02T09:00:00", "", None])  # fmt: skip
addresses = st.sampled_from(["lin@wu.example", "LIN@wu.example", "x", "", "a@b.c" + "d" * 200, "ö@ü.example"])


@pytest.fixture
def http(keel: Keel) -> Iterator[TestClient]:
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        yield client


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_sequences_are_refused_or_sent_once_and_stop_no_projection(
    http: TestClient, keel: Keel, data: st.DataObject
) -> None:
    steps = [
        {"day": data.draw(days), "subject": data.draw(texts), "body": data.draw(texts)}
        for _ in range(data.draw(st.integers(1, 3)))
    ]
    sequence = post(http, keel, "/v1/sequences", {"name": "S", "steps": steps, "on": data.draw(dates)})
    fallback = [{"day": 0, "subject": "Hi", "body": "Hi {{ first_name }}"}]
    sequence = sequence or post(http, keel, "/v1/sequences", {"name": "S", "steps": fallback, "on": "1900-01-01"})
    lead = post(http, keel, "/v1/leads", {"name": "Lin Wu", "email": data.draw(addresses), "source": "web",
                                          "on": data.draw(dates)})  # fmt: skip
    customer = post(http, keel, "/v1/customers", {"name": "Acme", "on": "1900-01-01"})
    deal = post(http, keel, "/v1/deals", {"customer_id": customer, "title": "T", "value": "1.00", "on": "1900-01-01"})
    for _ in range(data.draw(st.integers(1, 3))):
        body = {
            "lead_id": data.draw(st.sampled_from([lead, customer, None])),
            "deal_id": data.draw(st.sampled_from([deal, None])),
            "on": data.draw(dates),
        }
        post(http, keel, f"/v1/sequences/{sequence}/enrollments", {k: v for k, v in body.items() if v is not None})
    for _ in range(data.draw(st.integers(0, 2))):
        inbound = {
            "from_address": data.draw(addresses),
            "message_id": data.draw(texts),
            "received_at": data.draw(moments),
        }
        post(http, keel, "/v1/inbound-messages", {k: v for k, v in inbound.items() if v is not None})
    if data.draw(st.booleans()):
        post(http, keel, "/v1/suppressions", {"email": data.draw(addresses), "on": data.draw(dates)})
    if deal is not None and data.draw(st.booleans()):
        post(http, keel, f"/v1/deals/{deal}/move", {"stage": "proposal", "on": data.draw(dates)})
    keel.engine.catch_up()  # raises ProjectionFailed if any projection stopped on an event

    for as_of in data.draw(st.lists(st.sampled_from([date(1900, 1, 1), date(2026, 10, 9), date(2999, 12, 31)]),
                                    min_size=1, max_size=2)):  # fmt: skip
        Worker(keel).pass_once(as_of, kinds=["sequence"])
        keel.engine.catch_up()
        head = keel.app.head_position()
        [again] = Worker(keel, owner="another worker").pass_once(as_of, kinds=["sequence"])
        assert again.done == 0 and keel.app.head_position() == head  # each step once
    assert [(s.name, s.lag) for s in keel.engine.status() if s.lag] == []
    for as_of in ("1900-01-01", "2999-12-31"):
        answered = http.get("/v1/reports/sequence-results", params={"as_of": as_of})
        assert answered.status_code == 200, answered.text
        assert all(r["sent"] >= 0 for r in json.loads(answered.content)["items"])
    assert http.get("/v1/suppressions").status_code == 200

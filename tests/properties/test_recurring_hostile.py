"""No recurring invoice the write side accepts stops a read model (ADR 0025, 0044): hostile names,
line texts, service codes and amounts over HTTP are refused with a 4xx problem and nothing written,
or accepted — and then the invoices the worker drafts from them, and every projection, fold them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.http import create_app
from api.system import Keel
from api.worker.scheduler import Worker

TEXTS = ["", " ", "A\u0000B", "\ud800", "\u202e", "a\nb", "x" * 200, "x" * 201, "Ä" * 500, "Ä" * 501]
AMOUNTS = ["-1", "0", "0.001", "1e3", "NaN", "1_0", "\u0661", "99999999999999.99", "999999999999.99", "310.00"]
texts = st.sampled_from(TEXTS) | st.text(max_size=60) | st.just("Hosting")
amounts = st.sampled_from(AMOUNTS) | st.decimals(min_value=0, max_value=10**15, places=2).map(str)


@pytest.fixture
def http(keel: Keel) -> Iterator[TestClient]:
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        yield client


def post(client: TestClient, keel: Keel, url: str, body: dict[str, Any]) -> str | None:
    head = keel.app.head_position()
    response = client.post(url, content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code < 500, (url, body, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json"), response.text
        assert keel.app.head_position() == head, (url, body, response.text)
        return None
    return str(response.json()["id"])


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_recurring_invoices_are_refused_or_folded_and_billed(
    http: TestClient, keel: Keel, data: st.DataObject
) -> None:
    customer = post(http, keel, "/v1/customers", {"name": "Acme", "currency": "EUR", "on": "2026-01-01"})
    assert customer is not None

    def line() -> dict[str, Any]:
        return {
            "description": data.draw(texts),
            "quantity": data.draw(amounts),
            "unit_price": data.draw(amounts),
            "service_code": data.draw(texts),
        }

    body = {
        "customer_id": customer,
        "name": data.draw(texts),
        "lines": [line()],
        "frequency": data.draw(st.sampled_from(["monthly", "quarterly", "yearly", "weekly"])),
        "start": "2026-01-10",
        "anchor": data.draw(st.sampled_from(["2026-01-10", "2026-02-01", "2026-01-01"])),
        "tax_percent": "24",
        "auto_issue": data.draw(st.booleans()),
        "on": "2026-01-10",
    }
    sub = post(http, keel, "/v1/recurring-invoices", body)
    if sub is not None:
        change = {"effective_from": "2026-06-01", "lines": [line()], "tax_percent": "24", "on": "2026-05-01"}
        post(http, keel, f"/v1/recurring-invoices/{sub}/lines", change)
    keel.engine.catch_up()
    Worker(keel).pass_once(date(2026, 9, 30), ["recurring"])
    keel.engine.catch_up()  # raises ProjectionFailed if any projection stopped on an event
    assert [(s.name, s.lag) for s in keel.engine.status() if s.lag] == []

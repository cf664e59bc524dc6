"""No planned cost the write side accepts stops a read model or the forecast (ADR 0025, 0065):
hostile names, amounts, pay days, dates and cost centers over HTTP are refused with a 4xx problem
and nothing written, or accepted — and then folded, revised, ended and paid out by the forecast."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_recurring_hostile import AMOUNTS, TEXTS, post

from api.http import create_app
from api.system import Keel
from projections.cash.forecasts import forecast

texts = st.sampled_from(TEXTS) | st.text(max_size=60) | st.just("Payroll")
amounts = st.sampled_from(AMOUNTS) | st.decimals(min_value=0, max_value=10**15, places=2).map(str)
days = st.sampled_from(["1900-01-01", "2026-02-28", "2026-11-01", "2999-12-31", "3000-01-01", "2026-13-01", ""])
pay_days = st.sampled_from([-1, 0, 1, 28, 29, 31, 32, 2**60])
frequencies = st.sampled_from(["monthly", "quarterly", "yearly", "weekly", ""])


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
def test_hostile_planned_costs_are_refused_or_folded_and_paid_out(
    http: TestClient, keel: Keel, data: st.DataObject
) -> None:
    body = {
        "name": data.draw(texts),
        "amount": data.draw(amounts),
        "start": data.draw(days),
        "frequency": data.draw(frequencies),
        "pay_day": data.draw(pay_days),
        "end": data.draw(st.none() | days),
        "cost_center": data.draw(st.none() | texts),
    }
    cost = post(http, keel, "/v1/planned-costs", {k: v for k, v in body.items() if v is not None})
    if cost is not None:
        post(
            http,
            keel,
            f"/v1/planned-costs/{cost}/revisions",
            {"amount": data.draw(amounts), "effective_from": data.draw(days)},
        )
        post(http, keel, f"/v1/planned-costs/{cost}/end", {"end": data.draw(days)})
        if data.draw(st.booleans()):
            post(http, keel, f"/v1/planned-costs/{cost}/cancel", {"reason": data.draw(texts)})
    keel.engine.catch_up()  # raises ProjectionFailed if any projection stopped on an event
    assert [(s.name, s.lag) for s in keel.engine.status() if s.lag] == []
    forecast(keel.views, date(2026, 10, 31), date(2027, 12, 31), "month", "EUR", limit=10)

"""No expected payment delay the write side accepts stops a read model or the forecast (ADR 0025,
0065): hostile days and dates over HTTP, on invoices due at the ends of the business calendar,
are refused with a 4xx problem and nothing written, or accepted — and then folded and used by the
forecast, whose items stay within its window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_recurring_hostile import post

from api.http import create_app
from api.system import Keel
from projections.cash.forecasts import forecast

dates = st.sampled_from(["1900-01-01", "2026-02-28", "2026-10-15", "2999-12-31", "3000-01-01", "2026-13-01", ""])
delays = st.sampled_from([-(2**63), -366, -365, -1, 0, 1, 365, 366, 2**60, "30", 1.0, True, None, "x"])
reasons = st.sampled_from(["", "monthly run", "a\u0000b", "x" * 501, "\ud800"])
as_of = st.sampled_from([date(1900, 1, 1), date(2026, 10, 31), date(2999, 6, 30), date(2999, 12, 30)])


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
def test_hostile_expected_delays_are_refused_or_folded_and_used(
    http: TestClient, keel: Keel, data: st.DataObject
) -> None:
    customer = post(http, keel, "/v1/customers", {"name": "Acme", "on": "1900-01-01", "payment_terms_days": 365})
    assert customer is not None
    issued = data.draw(dates)
    line = {"description": "Work", "quantity": "1", "unit_price": "100.00"}
    invoice = post(http, keel, "/v1/invoices", {"customer_id": customer, "lines": [line], "on": issued})
    if invoice is not None:
        post(http, keel, f"/v1/invoices/{invoice}/issue", {"on": issued})
    for _ in range(data.draw(st.integers(1, 3))):
        body = {"days": data.draw(delays), "on": data.draw(dates), "reason": data.draw(reasons)}
        post(http, keel, f"/v1/customers/{customer}/expected-payment-delay", body)
    keel.engine.catch_up()  # raises ProjectionFailed if any projection stopped on an event
    assert [(s.name, s.lag) for s in keel.engine.status() if s.lag] == []
    asked = data.draw(as_of)
    end = date(2999, 12, 31) if asked.year == 2999 else date(asked.year + 1, 12, 31)
    found = forecast(keel.views, asked, end, "month", "EUR", limit=10)
    assert all(asked < i.expected_on <= end for i in found.items)

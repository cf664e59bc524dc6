"""No retainer fee change the write side accepts stops a read model, on SQLite and PostgreSQL:
hostile fees, months and dates over HTTP, between billing runs, are refused with a 4xx problem
naming the field (nothing written) or recorded; either way every projection catches up, the cash
forecast answers, and each month drafted carries the fee in force for it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_recurring_hostile import AMOUNTS

from api.http import create_app
from api.system import Keel
from ledger.invoice import Invoice
from ledger.projects import Project

days = st.sampled_from(
    ["1900-01-01", "2026-01-01", "2026-02-01", "2026-03-01", "2026-03-15", "2999-12-01", "3000-01-01", "2026-13-01"]
)
fees = st.sampled_from([*AMOUNTS, 5000, "5000.00", None]) | st.decimals(min_value=0, max_value=10**6, places=2).map(str)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("fee"), fees, days | st.none(), days | st.none()),
        st.tuples(st.just("bill"), st.sampled_from(["2026-02-01", "2026-04-01", "2026-06-30"])),
    ),
    min_size=1,
    max_size=6,
)


@pytest.fixture
def http(keel: Keel) -> Iterator[TestClient]:
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        yield client


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=steps)
def test_hostile_fee_changes_are_refused_or_recorded_and_never_stop_a_read_model(
    http: TestClient, keel: Keel, history: list[tuple[object, ...]]
) -> None:
    customer = http.post("/v1/customers", json={"name": "Acme", "on": "2026-01-01"}).json()["id"]
    project = http.post("/v1/projects", json={"customer_id": customer, "name": "Care", "on": "2026-01-01"}).json()["id"]
    terms = {"model": "retainer", "start": "2026-01-01", "monthly_fee": "900.00", "tax_percent": "24"}
    assert http.put(f"/v1/projects/{project}/configuration", json={**terms, "on": "2026-01-01"}).status_code == 200
    assert http.post(f"/v1/projects/{project}/activate", json={"on": "2026-01-01"}).status_code == 200
    for step in history:
        head = keel.app.head_position()
        if step[0] == "bill":
            said = http.post(f"/v1/projects/{project}/billing-runs", json={"as_of": step[1], "on": step[1]})
            assert said.status_code == 200, said.text
            continue
        _, fee, start, on = step
        body = {k: v for k, v in (("monthly_fee", fee), ("from", start), ("on", on)) if v is not None}
        said = http.post(f"/v1/projects/{project}/retainer-fee", json=body)
        assert said.status_code < 500, said.text
        if said.status_code >= 400:
            assert said.headers["content-type"].startswith("application/problem+json")
            problem = said.json()
            named = problem.get("field") or " ".join(e["location"] for e in problem.get("errors", []))
            assert any(f in named for f in ("monthly_fee", "from", "on")), problem
            assert keel.app.head_position() == head  # nothing written
    keel.engine.catch_up()
    assert [(s.name, s.lag) for s in keel.engine.status() if s.lag] == []
    forecast = http.get("/v1/reports/cash-forecast", params={"as_of": "2026-03-31", "to": "2027-12-31", "by": "month"})
    assert forecast.status_code == 200, forecast.text
    changes: dict[str, Decimal] = {}
    for _, e in keel.app.read_log(0, 100_000):
        if isinstance(e, Project.RetainerRepriced) and str(e.originator_id) == project:  # examples share a store
            changes[f"{e.start:%Y-%m}"] = e.monthly_fee
        elif isinstance(e, Invoice.Drafted) and str(e.project_id) == project:
            month = e.lines[0].description.rsplit(" ", 1)[-1]
            in_force = [m for m in changes if m <= month]
            assert e.lines[0].unit_price == (changes[max(in_force)] if in_force else Decimal("900.00"))

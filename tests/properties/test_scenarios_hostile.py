"""No assumption a scenario accepts reaches the books or stops a read model (ADR 0066): hostile
assumptions of every kind over HTTP are refused with a 4xx problem (nothing added) or accepted;
either way the log's head and hash chain are what they were, every real projection is caught
up, and the cash forecast answers from the scenario's branch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_recurring_hostile import AMOUNTS, TEXTS

from api.http import create_app
from api.system import Keel
from commands.audit import chain_head

days = st.sampled_from(["1900-01-01", "2026-02-28", "2026-11-01", "2999-12-31", "3000-01-01", "2026-13-01", "", None])
amounts = st.sampled_from([*AMOUNTS, None, 5000, "5000.00"])
delays = st.sampled_from([-(2**63), -366, -365, 0, 30, 365, 366, "30", True, None])
kinds = st.sampled_from(
    [
        "hire", "recurring_cost", "payment_delay", "lose_deal", "win_deal", "slip_deal", "write_off", "leaver",
        "retainer_price", "x", "",
    ]
)  # fmt: skip


@pytest.fixture
def http(keel: Keel) -> Iterator[TestClient]:
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        yield client


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_assumptions_are_refused_or_branched_and_never_reach_the_books(
    http: TestClient, keel: Keel, data: st.DataObject
) -> None:
    customer = http.post("/v1/customers", json={"name": "Acme", "on": "2026-01-01"}).json()["id"]
    deal = {"customer_id": customer, "title": "Retainer", "value": "12000.00", "on": "2026-01-02"}
    deal_id = http.post("/v1/deals", json=deal).json()["id"]
    line = {"description": "Work", "quantity": "1", "unit_price": "100.00"}
    invoice = http.post("/v1/invoices", json={"customer_id": customer, "lines": [line], "on": "2026-01-03"}).json()[
        "id"
    ]
    http.post(f"/v1/invoices/{invoice}/issue", json={"on": "2026-01-03"})
    cost = {"name": "Payroll", "amount": "4000.00", "start": "2026-01-01", "on": "2026-01-01"}
    cost_id = http.post("/v1/planned-costs", json=cost).json()["id"]
    project = http.post("/v1/projects", json={"customer_id": customer, "name": "Care", "on": "2026-01-01"}).json()["id"]
    terms = {"model": "retainer", "start": "2026-01-01", "monthly_fee": "900.00", "tax_percent": "24"}
    http.put(f"/v1/projects/{project}/configuration", json={**terms, "on": "2026-01-01"})
    http.post(f"/v1/projects/{project}/activate", json={"on": "2026-01-01"})
    http.post(f"/v1/projects/{project}/billing-runs", json={"as_of": "2026-02-01", "on": "2026-02-01"})
    name = f"s{uuid4().hex[:12]}"  # the store lives across examples
    made = http.post("/v1/scenarios", json={"name": name, "on": "2026-06-01"})
    assert made.status_code == 201, made.text
    head, chain = keel.app.head_position(), chain_head(keel.app)
    assumptions: list[dict[str, Any]] = []
    for _ in range(data.draw(st.integers(1, 4))):
        fields = {
            "kind": data.draw(kinds),
            "name": data.draw(st.sampled_from(TEXTS) | st.none()),
            "monthly_cost": data.draw(amounts),
            "from": data.draw(days),
            "until": data.draw(days),
            "customer_id": data.draw(st.sampled_from([customer, "00000000-0000-0000-0000-000000000009", "x", None])),
            "days": data.draw(delays),
            "deal_id": data.draw(st.sampled_from([deal_id, customer, None])),
            "on": data.draw(days),
            "to": data.draw(days),
            "invoice_id": data.draw(st.sampled_from([invoice, deal_id, None])),
            "planned_cost_id": data.draw(st.sampled_from([cost_id, customer, None])),
            "project_id": data.draw(st.sampled_from([project, customer, None])),
            "monthly_fee": data.draw(amounts),
        }
        assumptions.append({k: v for k, v in fields.items() if v is not None and data.draw(st.booleans())})
    before = http.get(f"/v1/scenarios/{name}").json()
    body = json.dumps({"assumptions": assumptions})  # escaped, as a client may send a lone surrogate
    added = http.post(f"/v1/scenarios/{name}/assumptions", content=body, headers={"content-type": "application/json"})
    assert added.status_code < 500, added.text
    after = http.get(f"/v1/scenarios/{name}").json()
    if added.status_code >= 400:
        assert added.headers["content-type"].startswith("application/problem+json")
        assert after["revision"] == before["revision"] and after["assumptions"] == before["assumptions"]
    else:
        assert len(after["assumptions"]) == len(assumptions)
    asked = http.get("/v1/reports/cash-forecast", params={"as_of": "2026-06-30", "to": "2026-12-31", "scenario": name})
    assert asked.status_code == 200, asked.text
    assert (keel.app.head_position(), chain_head(keel.app)) == (head, chain)
    keel.engine.catch_up()
    assert [(s.name, s.lag) for s in keel.engine.status() if s.lag] == []

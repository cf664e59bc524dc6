"""Projects and time over HTTP: nonsense is a 4xx problem that writes nothing; reports answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import ok

from api.system import Keel


@pytest.fixture
def work(client: TestClient) -> dict[str, str]:
    customer = ok(client.post("/v1/customers", json={"name": "Acme", "on": "2026-03-01"}), 201)["id"]
    ok(
        client.post(
            "/v1/people",
            json={
                "handle": "ana",
                "name": "Ana",
                "terms": {
                    "effective": "2026-01-01",
                    "role": "developer",
                    "cost_center": "DEV",
                    "cost_rate": "50",
                    "bill_rate": "100",
                },
            },
        ),
        201,
    )
    project = ok(client.post("/v1/projects", json={"customer_id": customer, "name": "App", "on": "2026-03-20"}), 201)[
        "id"
    ]
    ok(
        client.put(
            f"/v1/projects/{project}/configuration",
            json={
                "model": "time_and_materials",
                "start": "2026-04-01",
                "requires_allocation": True,
                "rates": {"role:developer": "120"},
            },
        )
    )
    ok(client.post(f"/v1/projects/{project}/activate", json={"on": "2026-04-01"}))
    ok(
        client.post(
            f"/v1/projects/{project}/allocations",
            json={"person": "ana", "week": "2026-04-06", "hours": "20", "on": "2026-04-01"},
        )
    )
    return {"customer": customer, "project": project}


def refused(client: TestClient, keel: Keel, method: str, url: str, status: int, slug: str, **kw: Any) -> str:
    head = keel.app.head_position()
    response = client.request(method, url, **kw)
    assert response.status_code == status, response.text
    assert response.json()["type"] == f"urn:keel:problem:{slug}"
    assert keel.app.head_position() == head
    detail: str = response.json()["detail"]
    return detail


def time(work: dict[str, str], day: str, hours: str) -> dict[str, Any]:
    return {"person": "ana", "day": day, "project_id": work["project"], "hours": hours}


def test_time_that_makes_no_sense_is_refused(client: TestClient, keel: Keel, work: dict[str, str]) -> None:
    refused(client, keel, "POST", "/v1/time", 422, "invalid-value", json=time(work, "2026-04-07", "-1"))
    refused(client, keel, "POST", "/v1/time", 422, "invalid-value", json=time(work, "2026-04-07", "24.5"))
    detail = refused(client, keel, "POST", "/v1/time", 409, "invalid-transition", json=time(work, "2026-04-14", "2"))
    assert "not allocated" in detail
    ok(client.post("/v1/time", json=time(work, "2026-04-07", "16")), 201)
    assert "a day has 24" in refused(
        client, keel, "POST", "/v1/time", 422, "invalid-value", json=time(work, "2026-04-07", "9")
    )
    ok(client.post("/v1/timesheets/ana/2026-04-06/submit"))
    refused(
        client,
        keel,
        "POST",
        "/v1/timesheets/ana/2026-04-06/approve",
        403,
        "not-permitted",
        headers={"X-Keel-Actor": "ana"},
    )
    ok(client.post(f"/v1/projects/{work['project']}/close", json={"on": "2026-04-30"}))
    detail = refused(client, keel, "POST", "/v1/time", 409, "invalid-transition", json=time(work, "2026-04-08", "2"))
    assert "closed" in detail


def test_approved_time_shows_in_margins_utilisation_and_wip(
    client: TestClient, keel: Keel, work: dict[str, str]
) -> None:
    ok(client.post("/v1/time", json=time(work, "2026-04-07", "8")), 201)
    ok(client.post("/v1/timesheets/ana/2026-04-06/submit"))
    approved = ok(client.post("/v1/timesheets/ana/2026-04-06/approve", headers={"X-Keel-Actor": "lead"}))
    pos = {"min_position": approved["position"]}
    wip = ok(client.get("/v1/reports/work-in-progress", params={"as_of": "2026-04-30", **pos}))
    assert [(r["hours"], r["value"]) for r in wip["rows"]] == [("8", "960.00")]
    margins = ok(client.get("/v1/reports/margins", params={"start": "2026-04-01", "end": "2026-04-30", **pos}))
    assert [(r["labour"], r["margin"]) for r in margins["rows"]] == [("400.00", "-400.00")]
    use = ok(client.get("/v1/reports/utilisation", params={"start": "2026-04-06", "end": "2026-04-12", **pos}))
    assert use["rows"][0]["utilisation_percent"] == "20.0"
    burn = ok(client.get("/v1/reports/budget-burn", params={"as_of": "2026-04-30", **pos}))
    assert burn["rows"][0]["planned_hours"] == "20"
    billed = ok(client.post(f"/v1/projects/{work['project']}/billing-runs", json={"as_of": "2026-05-01"}))
    again = ok(client.post(f"/v1/projects/{work['project']}/billing-runs", json={"as_of": "2026-05-01"}))
    assert again["position"] == 0 and billed["position"] > 0  # the second run finds nothing new to draft


def test_utilisation_over_a_reversed_or_endless_period_is_a_422_not_a_timeout(client: TestClient) -> None:
    for params in ({"start": "2026-09-03", "end": "2026-01-01"}, {"start": "2026-09-03", "end": "2999-04-29"}):
        response = client.get("/v1/reports/utilisation", params=params)
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/reports/utilisation", params={"start": "2026-09-03", "end": "8423-04-29"}).status_code == 422


def test_the_same_entry_id_in_two_weeks_is_two_entries_billed_once_each(
    client: TestClient, keel: Keel, work: dict[str, str]
) -> None:
    """An entry id is the client's, unique within its week only: two weeks' "e-1" are two entries,
    both billed, and the work read model keeps both (it used to stop on the second)."""
    allocation = {"person": "ana", "week": "2026-04-13", "hours": "20", "on": "2026-04-01"}
    ok(client.post(f"/v1/projects/{work['project']}/allocations", json=allocation))
    for week, day, hours in (("2026-04-06", "2026-04-07", "8"), ("2026-04-13", "2026-04-14", "6")):
        ok(client.post("/v1/time", json={**time(work, day, hours), "entry_id": "e-1"}), 201)
        ok(client.post(f"/v1/timesheets/ana/{week}/submit"))
        ok(client.post(f"/v1/timesheets/ana/{week}/approve", headers={"X-Keel-Actor": "lead"}))
    billed = ok(client.post(f"/v1/projects/{work['project']}/billing-runs", json={"as_of": "2026-05-01"}))
    pos = {"min_position": billed["position"]}
    (invoice,) = ok(client.get("/v1/invoices", params=pos))["items"]
    assert invoice["net"] == "1680.00"  # 14 hours at 120
    assert ok(client.get("/v1/reports/work-in-progress", params=pos))["rows"] == []  # billed today: no WIP left
    again = ok(client.post(f"/v1/projects/{work['project']}/billing-runs", json={"as_of": "2026-05-01"}))
    assert again["position"] == 0
    assert all(s["healthy"] for s in ok(client.get("/v1/projections")))

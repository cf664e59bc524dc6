"""The CRM over HTTP: bad input is a 4xx problem that writes nothing; the won-deal trail is visible."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import ok

from api.system import Keel


@pytest.fixture
def crm(client: TestClient) -> dict[str, str]:
    lead = ok(
        client.post(
            "/v1/leads",
            headers={"X-Keel-Actor": "alice"},
            json={"name": "Dana Lee", "company": "Kite Labs", "source": "website", "on": "2026-03-02"},
        ),
        201,
    )
    converted = ok(
        client.post(
            f"/v1/leads/{lead['id']}/convert",
            json={"on": "2026-03-04", "deal": {"title": "Website", "value": "12000.00", "stage": "qualified"}},
        )
    )
    deals = ok(client.get("/v1/deals", params={"min_position": converted["position"], "as_of": "2026-03-31"}))["items"]
    lost_lead = ok(client.post("/v1/leads", json={"name": "Cold", "source": "event", "on": "2026-03-02"}), 201)
    ok(client.post(f"/v1/leads/{lost_lead['id']}/disqualify", json={"reason": "no budget", "on": "2026-03-03"}))
    return {
        "lead": lead["id"],
        "deal": deals[0]["deal_id"],
        "customer": deals[0]["customer_id"],
        "cold": lost_lead["id"],
    }


def refused(client: TestClient, keel: Keel, method: str, url: str, status: int, slug: str, **kw: Any) -> str:
    head = keel.app.head_position()
    response = client.request(method, url, **kw)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"urn:keel:problem:{slug}"
    assert keel.app.head_position() == head, "a refused command wrote events"
    detail: str = response.json()["detail"]
    return detail


def test_an_unknown_stage_is_refused(client: TestClient, keel: Keel, crm: dict[str, str]) -> None:
    detail = refused(
        client, keel, "POST", f"/v1/deals/{crm['deal']}/move", 422, "invalid-value", json={"stage": "limbo"}
    )
    assert "unknown stage 'limbo'" in detail and "proposal" in detail


def test_moving_a_closed_deal_is_refused(client: TestClient, keel: Keel, crm: dict[str, str]) -> None:
    ok(client.post(f"/v1/deals/{crm['deal']}/lose", json={"reason": "went in-house", "on": "2026-03-20"}))
    detail = refused(
        client,
        keel,
        "POST",
        f"/v1/deals/{crm['deal']}/move",
        409,
        "invalid-transition",
        json={"stage": "proposal", "on": "2026-03-21"},
    )
    assert "needs an open deal; this deal is lost" in detail


def test_a_follow_up_without_an_owner_is_refused(client: TestClient, keel: Keel, crm: dict[str, str]) -> None:
    for owner in (None, "  "):
        body = {"about_kind": "deal", "about_id": crm["deal"], "due": "2026-04-01", "owner": owner}
        refused(
            client,
            keel,
            "POST",
            "/v1/follow-ups",
            422,
            "invalid-request",
            json={k: v for k, v in body.items() if v is not None},
        )


def test_converting_a_disqualified_lead_is_refused(client: TestClient, keel: Keel, crm: dict[str, str]) -> None:
    detail = refused(client, keel, "POST", f"/v1/leads/{crm['cold']}/convert", 409, "invalid-transition", json={})
    assert "disqualified lead cannot be converted" in detail


@pytest.mark.parametrize("probability", ["101", "-5"])
def test_a_probability_outside_0_to_100_is_refused(
    client: TestClient, keel: Keel, crm: dict[str, str], probability: str
) -> None:
    detail = refused(
        client,
        keel,
        "POST",
        f"/v1/deals/{crm['deal']}/move",
        422,
        "invalid-value",
        json={"stage": "proposal", "probability": probability},
    )
    assert "between 0 and 100" in detail


def test_moving_before_the_deal_opened_is_refused(client: TestClient, keel: Keel, crm: dict[str, str]) -> None:
    refused(
        client,
        keel,
        "POST",
        f"/v1/deals/{crm['deal']}/move",
        422,
        "invalid-value",
        json={"stage": "proposal", "on": "2026-03-01"},
    )


def test_the_won_deal_trail_over_http(client: TestClient, keel: Keel, crm: dict[str, str]) -> None:
    ok(
        client.post(
            "/v1/activities",
            json={
                "kind": "meeting",
                "about_kind": "deal",
                "about_id": crm["deal"],
                "subject": "Kick-off",
                "on": "2026-03-10",
            },
        ),
        201,
    )
    won = ok(client.post(f"/v1/deals/{crm['deal']}/win", json={"reason": "signed", "on": "2026-03-28"}))
    pipeline = ok(client.get("/v1/reports/pipeline", params={"as_of": "2026-03-31", "min_position": won["position"]}))
    assert pipeline["won"] == 1 and pipeline["rows"] == []
    before = ok(client.get("/v1/reports/pipeline", params={"as_of": "2026-03-27"}))
    assert before["rows"] == [
        {"group": "qualified", "currency": "EUR", "count": 1, "value": "12000.00", "weighted": "3000.00"}
    ]
    at = {"as_of": "2026-03-31", "min_position": won["position"]}  # the project the win opened, folded
    view = ok(client.get(f"/v1/customers/{crm['customer']}/360", params=at))
    assert view["projects"][0]["deal_id"] == crm["deal"] and view["projects"][0]["value"] == "12000.00"
    assert [t["subject"] for t in view["timeline"]] == ["Kick-off"]
    conversion = ok(client.get("/v1/reports/conversion", params={"as_of": "2026-03-31"}))
    assert {s["source"]: s["won"] for s in conversion["sources"]} == {"event": 0, "website": 1}
    rate = ok(client.get("/v1/reports/win-rate", params={"start": "2026-03-01", "end": "2026-03-31"}))
    assert (rate["win_rate"], rate["average_cycle_days"]) == ("100.0", "24.0")

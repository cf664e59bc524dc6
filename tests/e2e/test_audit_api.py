"""The audit trail over HTTP: an aggregate's history, the event feed with its cursor, chain verification."""

from __future__ import annotations

from fastapi.testclient import TestClient
from support import ok

from api.system import Keel


def test_history_feed_and_verification(client: TestClient, keel: Keel) -> None:
    customer = ok(
        client.post(
            "/v1/customers",
            json={"name": "Acme", "on": "2026-01-02"},
            headers={"X-Keel-Actor": "anna", "X-Correlation-Id": "onboarding-7"},
        ),
        201,
    )
    ok(
        client.post(
            f"/v1/customers/{customer['id']}/rename",
            json={"name": "Acme Ltd", "on": "2026-02-01"},
            headers={"X-Keel-Actor": "ben"},
        )
    )
    history = ok(client.get(f"/v1/aggregates/{customer['id']}/history"))
    assert [(h["version"], h["actor"], h["effective_date"], h["topic"]) for h in history] == [
        (1, "anna", "2026-01-02", "keel.customer.Registered.v1"),
        (2, "ben", "2026-02-01", "keel.customer.Renamed.v1"),
    ]
    assert history[0]["correlation_id"] == "onboarding-7" and history[0]["position"] == 1
    first = ok(client.get("/v1/events", params={"after": 0, "limit": 1}))
    assert [e["position"] for e in first["events"]] == [1] and first["next"] == 1
    rest = ok(client.get("/v1/events", params={"after": first["next"], "limit": 100}))
    assert [e["position"] for e in rest["events"]] == [2] and rest["next"] is None
    assert rest["events"][0]["recorded_at"] is not None
    check = ok(client.get("/v1/audit/verify"))
    assert check["ok"] is True and check["checked"] == 2
    assert client.get("/v1/aggregates/00000000-0000-0000-0000-000000000001/history").status_code == 404


def test_history_says_what_each_event_changed_and_any_version_can_be_loaded(client: TestClient, keel: Keel) -> None:
    customer = ok(client.post("/v1/customers", json={"name": "Acme", "on": "2026-01-02"}), 201)
    renamed = ok(client.post(f"/v1/customers/{customer['id']}/rename", json={"name": "Acme Ltd"}))
    history = ok(client.get(f"/v1/aggregates/{customer['id']}/history"))
    assert history[0]["data"]["name"] == "Acme" and history[1]["data"] == {"name": "Acme Ltd"}
    assert all(h["recorded_at"] for h in history)

    latest = ok(client.get(f"/v1/aggregates/{customer['id']}"))
    assert latest["type"] == "Customer" and latest["version"] == 2 and latest["state"]["name"] == "Acme Ltd"
    first = ok(client.get(f"/v1/aggregates/{customer['id']}", params={"version": 1}))
    assert first["state"]["name"] == "Acme" and first["position"] == customer["position"]
    as_known = ok(client.get(f"/v1/aggregates/{customer['id']}", params={"known_at": str(customer["position"])}))
    assert as_known["version"] == 1 and as_known["state"]["name"] == "Acme"
    assert ok(client.get(f"/v1/aggregates/{customer['id']}", params={"known_at": renamed["position"]}))["version"] == 2
    assert client.get(f"/v1/aggregates/{customer['id']}", params={"version": 3}).status_code == 404
    assert client.get(f"/v1/aggregates/{customer['id']}", params={"known_at": "0"}).status_code == 404


def test_an_anchor_taken_over_http_verifies_and_a_malformed_one_is_a_422(client: TestClient) -> None:
    ok(client.post("/v1/customers", json={"name": "Acme"}), 201)
    anchor = ok(client.get("/v1/audit/anchor"))
    assert anchor["anchor"] == f"{anchor['digest']}@{anchor['position']}"
    assert ok(client.get("/v1/audit/verify", params={"anchor": anchor["anchor"]}))["ok"] is True
    beyond = f"{anchor['digest']}@{anchor['position'] + 5}"
    found = ok(client.get("/v1/audit/verify", params={"anchor": beyond}))
    assert found["ok"] is False and found["position"] == anchor["position"] + 1
    assert client.get("/v1/audit/verify", params={"anchor": "nope@1"}).status_code == 422

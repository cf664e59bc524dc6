"""Anchors over HTTP: taken and checked by the same routes as the chain; a malformed anchor is a 422
problem naming the query parameter, and never read as a path on the server."""

from __future__ import annotations

from fastapi.testclient import TestClient
from support import ok

from commands.adapters.recorders import GENESIS


def test_an_empty_log_is_anchored_at_position_0_and_verifies_against_it(client: TestClient) -> None:
    anchor = ok(client.get("/v1/audit/anchor"))
    assert anchor == {"position": 0, "digest": GENESIS, "anchor": f"{GENESIS}@0"}
    ok(client.post("/v1/customers", json={"name": "Acme"}), 201)
    assert ok(client.get("/v1/audit/verify", params={"anchor": anchor["anchor"]}))["ok"] is True


def test_an_anchor_in_capitals_verifies_and_a_log_short_of_it_names_the_missing_positions(client: TestClient) -> None:
    ok(client.post("/v1/customers", json={"name": "Acme"}), 201)
    anchor = ok(client.get("/v1/audit/anchor"))
    assert ok(client.get("/v1/audit/verify", params={"anchor": anchor["anchor"].upper()}))["ok"] is True
    head = anchor["position"]
    found = ok(client.get("/v1/audit/verify", params={"anchor": f"{anchor['digest']}@{head + 3}"}))
    assert found["ok"] is False and found["position"] == head + 1
    assert f"positions {head + 1}..{head + 3} are missing" in found["problem"]


def test_a_malformed_anchor_is_a_422_problem_naming_the_parameter(client: TestClient) -> None:
    for anchor in ("nope@1", "/etc/passwd", "ab" * 32 + "@x", "ab" * 32 + "@0"):
        refused = client.get("/v1/audit/verify", params={"anchor": anchor})
        assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["location"] == "query.anchor", anchor
    assert "position 0" in client.get("/v1/audit/verify", params={"anchor": "ab" * 32 + "@0"}).json()["detail"]

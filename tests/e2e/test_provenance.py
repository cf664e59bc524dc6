"""Reports carry their provenance, and a report asked with an explicit as_of and known_at gives
the same bytes later, whatever is recorded meanwhile."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from fastapi.testclient import TestClient
from support import invoice, pay, register

from api.system import Keel

REPORTS = [
    "/v1/reports/trial-balance",
    "/v1/reports/receivables",
    "/v1/reports/balance-sheet",
    "/v1/reports/profit-and-loss?start=2026-01-01",
    "/v1/reports/ageing/receivables",
    "/v1/reports/tax-summary?start=2026-01-01",
    "/v1/reports/pipeline",
    "/v1/reports/margins?start=2026-01-01",
    "/v1/reports/utilisation?start=2026-01-01&end=2026-06-30",
]


def sep(path: str) -> str:
    return "&" if "?" in path else "?"


@pytest.mark.parametrize("path", REPORTS)
def test_a_report_known_at_a_position_gives_the_same_bytes_after_later_events(
    keel: Keel, client: TestClient, path: str
) -> None:
    acme = register(keel)
    invoice(keel, acme, "1000.00", date(2026, 2, 1))
    position = keel.app.head_position()
    url = f"{path}{sep(path)}as_of=2026-06-30&known_at={position}"
    first = client.get(url)
    assert first.status_code == 200, first.text
    provenance = first.json()["provenance"]
    assert provenance["position"] == position and first.json()["scope"]["position"] == position
    moment = keel.app.moment_of(position)
    assert moment is not None and provenance["parameters"]["known_at"] == moment.isoformat()
    assert provenance["projections"] and min(provenance["projections"].values()) >= 1
    body = {k: v for k, v in first.json().items() if k != "provenance"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert provenance["digest"] == "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    # the bytes are the standard library's compact JSON of the document, byte for byte
    assert first.content == json.dumps(first.json(), separators=(",", ":"), ensure_ascii=False).encode()

    # Later: a backdated invoice and a payment inside the period, recorded after that position.
    invoice(keel, acme, "500.00", date(2026, 1, 15))
    pay(keel, acme, "200.00", date(2026, 3, 1))
    keel.engine.catch_up()
    again = client.get(url)
    assert again.content == first.content
    assert again.headers["ETag"] == f'"{provenance["digest"]}"'
    now = client.get(f"{path}{sep(path)}as_of=2026-06-30")
    assert now.json()["provenance"]["position"] == keel.app.head_position()


def test_known_at_as_a_moment_resolves_to_the_position_reached_then(keel: Keel, client: TestClient) -> None:
    acme = register(keel)
    invoice(keel, acme, "1000.00", date(2026, 2, 1))
    moment = keel.app.moment_of(keel.app.head_position())
    assert moment is not None
    by_moment = client.get("/v1/reports/trial-balance", params={"as_of": "2026-06-30", "known_at": moment.isoformat()})
    by_position = client.get(
        "/v1/reports/trial-balance", params={"as_of": "2026-06-30", "known_at": str(keel.app.head_position())}
    )
    assert by_moment.json()["provenance"]["position"] == keel.app.head_position()
    assert by_moment.json()["rows"] == by_position.json()["rows"]
    nothing = client.get("/v1/reports/trial-balance", params={"known_at": "0"}).json()
    assert nothing["rows"] == [] and nothing["provenance"]["position"] == 0


def test_a_known_at_beyond_the_log_or_malformed_is_a_422_problem(keel: Keel, client: TestClient) -> None:
    for value in (str(10**9), "yesterday", "2026-13-01"):
        response = client.get("/v1/reports/trial-balance", params={"known_at": value})
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"

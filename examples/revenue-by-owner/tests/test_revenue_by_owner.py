"""The example plug-in as its author tests it: through Keel's HTTP API, on an embedded (SQLite)
store of its own. A deal counts in the month it was won, for the owner it had that day; a reopen
takes it out from the reopen's date on; and every answer can be asked as known at a past moment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from api.http import create_app
from api.settings import Settings
from api.system import Keel


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "keel", auth="off", plugins="revenue_by_owner", _env_file=None)  # type: ignore[call-arg]
    keel = Keel.start(settings, follow=True)
    try:
        with TestClient(create_app(keel=keel)) as test_client:
            yield test_client
    finally:
        keel.close()


def post(client: TestClient, path: str, body: dict[str, Any]) -> int:
    answer = client.post(path, json=body)
    assert answer.status_code in (200, 201), answer.text
    return int(answer.json()["position"])


def revenue(client: TestClient, as_of: str, known_at: str | None = None, at: int = 0) -> list[tuple[Any, ...]]:
    params = {"as_of": as_of, "min_position": str(at), **({"known_at": known_at} if known_at else {})}
    answer = client.get("/v1/custom/revenue_by_owner", params=params)
    assert answer.status_code == 200, answer.text
    return [(r["owner"], r["month"], r["currency"], r["deals"], r["revenue"]) for r in answer.json()["rows"]]


def deal(client: TestClient, customer: str, owner: str, value: str, on: str) -> str:
    deal_id = str(uuid4())
    body = {
        "id": deal_id,
        "customer_id": customer,
        "title": f"{owner}'s deal",
        "value": value,
        "owner": owner,
        "on": on,
    }
    post(client, "/v1/deals", body)
    return deal_id


def test_won_deals_count_for_their_owner_in_the_month_they_were_won(client: TestClient) -> None:
    customer = str(uuid4())
    post(client, "/v1/customers", {"id": customer, "name": "Acme", "on": "2026-01-01"})
    first = deal(client, customer, "ana", "10000", "2026-03-02")
    post(client, f"/v1/deals/{first}/win", {"on": "2026-03-20"})
    second = deal(client, customer, "ben", "5000", "2026-03-05")
    post(client, f"/v1/deals/{second}/update", {"owner": "ana", "on": "2026-04-02"})
    at = post(client, f"/v1/deals/{second}/win", {"on": "2026-04-10"})
    assert revenue(client, "2026-04-05", at=at) == [("ana", "2026-03-01", "EUR", 1, "10000.00")]
    assert revenue(client, "2026-04-30", at=at) == [
        ("ana", "2026-03-01", "EUR", 1, "10000.00"),
        ("ana", "2026-04-01", "EUR", 1, "5000.00"),
    ]


def test_a_reopened_deal_leaves_from_the_reopen_on_and_the_past_stays_as_it_was_known(client: TestClient) -> None:
    customer = str(uuid4())
    post(client, "/v1/customers", {"id": customer, "name": "Acme", "on": "2026-01-01"})
    won = deal(client, customer, "ana", "10000", "2026-03-02")
    at = post(client, f"/v1/deals/{won}/win", {"on": "2026-03-20"})
    assert revenue(client, "2026-12-31", at=at) == [("ana", "2026-03-01", "EUR", 1, "10000.00")]
    before_the_reopen = datetime.now(UTC).isoformat()
    at = post(client, f"/v1/deals/{won}/reopen", {"on": "2026-05-01"})
    assert revenue(client, "2026-12-31", at=at) == []
    assert revenue(client, "2026-04-30", at=at) == [("ana", "2026-03-01", "EUR", 1, "10000.00")]
    assert revenue(client, "2026-12-31", known_at=before_the_reopen, at=at) == [
        ("ana", "2026-03-01", "EUR", 1, "10000.00")
    ]

"""The issue's demonstration, against ``keel serve`` on PostgreSQL: what once stopped the books is
each a 4xx problem naming the field, and afterwards every read model is healthy with lag 0."""

from __future__ import annotations

import json

import httpx
import pytest
from faults.keel_processes import Server

pytestmark = [pytest.mark.postgres, pytest.mark.faults]


def test_hostile_requests_are_refused_and_the_books_stay_healthy(server: Server) -> None:
    server.start()
    api = httpx.Client(base_url=server.url, timeout=30)
    customer = api.post("/v1/customers", json={"name": "Acme"}).json()["id"]
    head = api.get("/v1/health").json()["head"]

    def refused(response: httpx.Response, status: int, names: str) -> None:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert names in response.text, response.text

    nul = json.dumps({"name": "A\u0000B"})
    refused(api.post("/v1/customers", content=nul, headers={"content-type": "application/json"}), 422, "body.name")
    lines = [{"account": "6100", "debit": "1.00", "cost_center": "x" * 10_000}, {"account": "2400", "credit": "1.00"}]
    refused(api.post("/v1/books/journal-entries", json={"memo": "m", "lines": lines}), 422, "cost_center")
    line = {"description": "Work", "quantity": "1", "unit_price": "1" + "0" * 25}
    refused(api.post("/v1/invoices", json={"customer_id": customer, "lines": [line]}), 422, "unit_price")
    big = b'{"name": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    refused(api.post("/v1/customers", content=big, headers={"content-type": "application/json"}), 413, "bytes")
    pnl = api.get("/v1/reports/profit-and-loss", params={"start": "2026-09-30", "end": "2026-07-01"})
    refused(pnl, 422, "is after end")
    assert api.get("/v1/health").json()["head"] == head

    server.caught_up()
    status = server.run("projections", "status", "--format", "json")
    assert status.returncode == 0, status.stderr
    assert all(int(row["lag"]) == 0 for row in json.loads(status.stdout)["rows"]), status.stdout

"""Two more kinds of assumption (ADR 0066), on SQLite and PostgreSQL: "Northwind never pays its
open invoice" and "our designer leaves at the end of December" move the demo's cash forecast by
exactly those flows (the invoice's open amount in the month it was expected, the payroll from
January on), through the same commands the books would run (a write-off, the planned cost's end),
and nothing of it reaches the books."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from support import cli_run, ok

from api.system import Keel

FORECAST = {"as_of": "2026-10-31", "to": "2027-03-31", "by": "month", "limit": 0}


def test_a_write_off_and_a_leaver_move_the_forecast_by_exactly_their_flows(demo: tuple[Keel, TestClient]) -> None:
    keel, client = demo
    payroll = {"name": "Designer payroll", "amount": "4000.00", "start": "2026-10-01", "on": "2026-10-01"}
    cost = ok(client.post("/v1/planned-costs", json=payroll), 201)["id"]
    invoices = ok(client.get("/v1/invoices", params={"limit": 100}))["items"]
    [open_one] = [i for i in invoices if i["number"] == "INV-2026-0001"]  # Northwind's, part paid
    keel.engine.catch_up()
    base = ok(client.get("/v1/reports/cash-forecast", params={**FORECAST, "limit": 1000}))
    [item] = [i for i in base["items"] if i["source"] == "receivable" and i["document_id"] == open_one["id"]]
    head = keel.app.head_position()

    ok(client.post("/v1/scenarios", json={"name": "bad-debt-and-a-leaver", "on": "2026-10-15"}), 201)
    assumptions = [
        {"kind": "write_off", "invoice_id": open_one["id"]},
        {"kind": "leaver", "planned_cost_id": cost, "until": "2026-12-31"},
    ]
    added = ok(client.post("/v1/scenarios/bad-debt-and-a-leaver/assumptions", json={"assumptions": assumptions}))
    assert added["events"] >= 2
    asked = {**FORECAST, "scenario": "bad-debt-and-a-leaver"}
    compared = ok(client.get("/v1/reports/cash-forecast/compare", params=asked))
    difference = {d["start"]: Decimal(d["net"]) for d in compared["difference"]}
    expected = dict.fromkeys(difference, Decimal("0.00"))
    month = date.fromisoformat(item["expected_on"]).replace(day=1).isoformat()
    expected[month] -= Decimal(item["amount"])  # never paid
    for later in ("2027-01-01", "2027-02-01", "2027-03-01"):
        expected[later] += Decimal("4000.00")  # no payroll after December
    assert difference == expected
    assert keel.app.head_position() == head  # nothing in the books

    code, said = cli_run(keel, "scenarios", "add", "bad-debt-and-a-leaver", "--write-off", "INV-2026-0002")
    assert code == 1 and "assumption 3 (write_off)" in said, said  # paid already: the books refuse it
    missing = client.post(
        "/v1/scenarios/bad-debt-and-a-leaver/assumptions",
        json={"assumptions": [{"kind": "leaver", "planned_cost_id": cost}]},
    )
    assert missing.status_code == 422 and "until" in missing.text

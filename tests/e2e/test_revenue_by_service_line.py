"""Revenue by service line (issue 18, item 1: "revenue by default or per product/service line"):
a business maps `revenue:DES` and `revenue:CON` to accounts of their own, and each invoice line
posts its net revenue to its service's account, the rest to the revenue role's; credit notes
mirror it; on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from support import ok

from api.system import Keel
from ledger.chart_templates import SERVICES_EU
from ledger.roles import Role

REVENUE = SERVICES_EU.roles[Role.REVENUE.value]


def balances(client: TestClient, keel: Keel) -> dict[str, Decimal]:
    keel.engine.catch_up()
    rows = ok(client.get("/v1/reports/trial-balance", params={"as_of": "2026-12-31"}))["rows"]
    return {r["account"]: Decimal(r["credit"]) - Decimal(r["debit"]) for r in rows}


def line(description: str, quantity: str, price: str, rate: str, service: str | None = None) -> dict[str, Any]:
    found = {"description": description, "quantity": quantity, "unit_price": price, "tax_rate": rate}
    return found | ({"service_code": service} if service else {})


def test_each_line_posts_its_revenue_to_its_service_lines_account(client: TestClient, keel: Keel) -> None:
    for code, name in (("4010", "Design revenue"), ("4020", "Consulting revenue")):
        ok(client.post("/v1/accounts", json={"code": code, "name": name, "type": "income", "on": "2026-01-01"}), 201)
    ok(client.put("/v1/accounts/roles/revenue:DES", json={"code": "4010", "on": "2026-01-01"}))
    ok(client.put("/v1/accounts/roles/revenue:CON", json={"code": "4020", "on": "2026-01-01"}))
    customer = ok(client.post("/v1/customers", json={"name": "Acme", "on": "2026-01-02"}), 201)["id"]
    lines = [
        line("Design system", "10", "100.00", "24", "DES"),
        line("Strategy workshop", "5", "200.00", "24", "CON"),
        line("Travel", "1", "50.00", "24"),
        line("Design handbook (print)", "2", "100.00", "0", "DES"),
        line("Hosting", "1", "30.00", "24", "HOST"),  # a service no role names: the revenue role's account
    ]
    invoice = ok(client.post("/v1/invoices", json={"customer_id": customer, "on": "2026-01-10", "lines": lines}), 201)
    ok(client.post(f"/v1/invoices/{invoice['id']}/issue", json={"on": "2026-01-10"}))
    after_issue = balances(client, keel)
    assert after_issue["4010"] == Decimal("1200.00")
    assert after_issue["4020"] == Decimal("1000.00")
    assert after_issue[REVENUE] == Decimal("80.00")
    credit = {"reason": "Discount", "on": "2026-01-20", "lines": [line("Design discount", "1", "100.00", "24", "DES")]}
    ok(client.post(f"/v1/invoices/{invoice['id']}/credit-notes", json=credit), 201)
    after_credit = balances(client, keel)
    assert after_credit["4010"] == Decimal("1100.00") and after_credit[REVENUE] == Decimal("80.00")
    assert sum(after_credit.values()) == 0


def test_a_service_lines_revenue_maps_only_to_an_income_account(client: TestClient, keel: Keel) -> None:
    before = keel.app.head_position()
    wrong = client.put("/v1/accounts/roles/revenue:DES", json={"code": "1100"})
    assert wrong.status_code == 422 and "income" in wrong.json()["detail"], wrong.text
    bad_key = client.put("/v1/accounts/roles/revenue:DE%20S", json={"code": REVENUE})
    assert bad_key.status_code == 422, bad_key.text
    other = client.put("/v1/accounts/roles/bank:DES", json={"code": "1000"})
    assert other.status_code == 422 and "revenue per service code" in other.json()["detail"], other.text
    assert keel.app.head_position() == before

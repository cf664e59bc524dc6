"""The HTTP API as a client sees it: the README tour, read-your-writes, problem details."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from support import ok

from api.system import Keel
from keel.client import KeelClient
from keel.client.models import AllocationIn, InvoiceLineIn


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:keel:problem:{slug}"
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_customer_invoice_payment_tour_reads_its_own_writes(client: TestClient) -> None:
    """The README's tour, through the typed client (keel.client) on the same app."""
    keel = KeelClient(http=client)
    customer = keel.register_customer(body={"name": "Acme", "payment_terms_days": 14, "on": "2026-01-02"})
    assert set(customer) == {"id", "version", "position"}
    lines: list[InvoiceLineIn] = [{"description": "Design", "quantity": "10", "unit_price": "95.50"}]
    inv = keel.draft_invoice(
        body={"customer_id": customer["id"], "tax_percent": "24", "on": "2026-05-04", "lines": lines}
    )
    issued = keel.issue_invoice(inv["id"], body={"on": "2026-05-04"}, if_match=1)
    assert issued["version"] == 2
    detail = keel.get_invoice(inv["id"], min_position=issued["position"])
    assert (detail["number"], detail["total"], detail["due_date"]) == ("INV-2026-0001", "1184.20", "2026-05-18")
    allocations: list[AllocationIn] = [{"invoice_id": inv["id"], "amount": "1000.00"}]
    paid = keel.record_payment(
        body={"customer_id": customer["id"], "amount": "1000.00", "on": "2026-05-20", "allocations": allocations}
    )
    rec = keel.receivables(as_of="2026-05-31", min_position=paid["position"])
    assert rec["rows"][0]["receivable"] == "184.20"
    tb = keel.trial_balance(as_of="2026-05-31", min_position=paid["position"])
    assert tb["balanced"] and tb["totals"] == [
        {"currency": "EUR", "debit": "1184.20", "credit": "1184.20", "balanced": True}
    ]
    assert keel.trial_balance(as_of="2026-05-01")["rows"] == []
    # the invoices read model is a reader of its own: wait for it to have folded the payment too
    listed = keel.list_invoices(customer_id=customer["id"], status="issued", min_position=paid["position"])
    assert [i["payment_state"] for i in listed["items"]] == ["partially_paid"] and listed["next_cursor"] is None
    assert {s["name"] for s in keel.projection_status()} >= {"general_ledger", "customers", "invoices"}


def test_known_at_in_the_past_sees_nothing_recorded_after_it(client: TestClient) -> None:
    tb = ok(client.get("/v1/reports/trial-balance", params={"known_at": "2000-01-01T00:00:00Z"}))
    assert tb["rows"] == [] and tb["scope"]["known_at"].startswith("2000-01-01")


def test_invalid_bodies_are_problems_naming_the_field(client: TestClient) -> None:
    body = assert_problem(
        client.post("/v1/customers", json={"name": "", "payment_terms_days": 14}), 422, "invalid-request"
    )
    assert body["errors"][0]["location"] == "body.name"
    float_amount = {"customer_id": "00000000-0000-0000-0000-000000000001", "amount": 10.5}
    assert_problem(client.post("/v1/payments", json=float_amount), 422, "invalid-request")


def test_business_rule_violations_are_problems_and_write_nothing(client: TestClient, keel: Keel) -> None:
    customer = ok(client.post("/v1/customers", json={"name": "Acme"}), 201)
    inv = ok(
        client.post(
            "/v1/invoices",
            json={
                "customer_id": customer["id"],
                "lines": [{"description": "Work", "quantity": "1", "unit_price": "100"}],
            },
        ),
        201,
    )
    ok(client.post(f"/v1/invoices/{inv['id']}/issue"))
    head = keel.app.head_position()
    assert_problem(client.post(f"/v1/invoices/{inv['id']}/issue"), 409, "invalid-transition")
    over = {"customer_id": customer["id"], "amount": "500", "allocations": [{"invoice_id": inv["id"], "amount": "500"}]}
    assert_problem(client.post("/v1/payments", json=over), 409, "invalid-transition")
    stale = assert_problem(
        client.post(f"/v1/invoices/{inv['id']}/void", json={"reason": "x"}, headers={"If-Match": "1"}),
        412,
        "version-conflict",
    )
    assert stale["current_version"] == 2
    assert_problem(
        client.post(
            "/v1/invoices",
            json={
                "customer_id": customer["id"],
                "currency": "XYZ",
                "lines": [{"description": "Work", "quantity": "1", "unit_price": "1"}],
            },
        ),
        422,
        "invalid-value",
    )
    assert keel.app.head_position() == head


def test_unknown_resources_and_routes_are_404_problems(client: TestClient) -> None:
    assert_problem(client.get("/v1/invoices/00000000-0000-0000-0000-000000000009"), 404, "not-found")
    assert_problem(client.post("/v1/invoices/00000000-0000-0000-0000-000000000009/issue"), 404, "not-found")
    assert_problem(client.get("/v1/nothing-here"), 404, "not-found")


def test_a_position_beyond_the_log_is_refused_and_a_lagging_read_model_is_a_503(client: TestClient, keel: Keel) -> None:
    body = assert_problem(client.get("/v1/invoices", params={"min_position": 10**9}), 422, "invalid-value")
    assert "beyond the head of the log" in body["detail"]
    keel.engine.stop()  # the read side stops following: a fresh write cannot be read back
    keel.settings.read_wait_seconds = 0.2
    written = ok(client.post("/v1/customers", json={"name": "Late"}), 201)
    body = assert_problem(
        client.get("/v1/customers", params={"min_position": written["position"]}), 503, "read-model-behind"
    )
    assert body["wanted_position"] == written["position"]


def test_openapi_describes_the_v1_api(client: TestClient) -> None:
    spec = ok(client.get("/openapi.json"))
    assert {"/v1/customers", "/v1/invoices", "/v1/payments", "/v1/reports/trial-balance"} <= set(spec["paths"])

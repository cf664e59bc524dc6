"""Inputs a careless or hostile client sends: always a 4xx problem, never a 500, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import ok

from api.system import Keel


@pytest.fixture
def paid_invoice(client: TestClient) -> dict[str, str]:
    customer = ok(client.post("/v1/customers", json={"name": "Acme", "on": "2026-01-02"}), 201)["id"]
    invoice = ok(
        client.post(
            "/v1/invoices",
            json={
                "customer_id": customer,
                "on": "2026-01-10",
                "lines": [{"description": "Work", "quantity": "1", "unit_price": "100.00"}],
            },
        ),
        201,
    )["id"]
    ok(client.post(f"/v1/invoices/{invoice}/issue", json={"on": "2026-01-10"}))
    payment = ok(
        client.post(
            "/v1/payments",
            json={
                "customer_id": customer,
                "amount": "100.00",
                "on": "2026-03-01",
                "allocations": [{"invoice_id": invoice, "amount": "100.00"}],
            },
        ),
        201,
    )
    return {"customer": customer, "invoice": invoice, "payment": payment["id"]}


def problem(client: TestClient, keel: Keel, method: str, url: str, status: int, **kw: Any) -> str:
    head = keel.app.head_position()
    response = client.request(method, url, **kw)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert keel.app.head_position() == head
    detail: str = response.json()["detail"]
    return detail


def test_amounts_too_large_to_store_are_refused(client: TestClient, keel: Keel, paid_invoice: dict[str, str]) -> None:
    huge = {"customer_id": paid_invoice["customer"], "amount": "999999999999999"}
    assert "larger than Keel accepts" in problem(client, keel, "POST", "/v1/payments", 422, json=huge)
    for quantity, price in (("999999999999999", "999999999999999"), ("100000000000000", "100000000000")):
        lines = [{"description": "Work", "quantity": quantity, "unit_price": price}]
        problem(
            client, keel, "POST", "/v1/invoices", 422, json={"customer_id": paid_invoice["customer"], "lines": lines}
        )


def test_a_fully_credited_invoice_cannot_give_its_payment_back_twice(
    client: TestClient, keel: Keel, paid_invoice: dict[str, str]
) -> None:
    ok(
        client.post(
            f"/v1/invoices/{paid_invoice['invoice']}/credit-notes", json={"reason": "cancelled", "on": "2026-03-02"}
        ),
        201,
    )
    body = {"invoice_id": paid_invoice["invoice"], "amount": "100.00", "on": "2026-03-03"}
    detail = problem(client, keel, "POST", f"/v1/payments/{paid_invoice['payment']}/unallocate", 409, json=body)
    assert "can still be taken back" in detail


def test_an_unallocation_cannot_predate_its_payment(
    client: TestClient, keel: Keel, paid_invoice: dict[str, str]
) -> None:
    body = {"invoice_id": paid_invoice["invoice"], "amount": "10.00", "on": "2026-02-01"}
    assert "before the payment" in problem(
        client, keel, "POST", f"/v1/payments/{paid_invoice['payment']}/unallocate", 422, json=body
    )


def test_closing_a_period_from_the_future_is_refused(client: TestClient, keel: Keel) -> None:
    body = {"lock_date": "2999-12-30", "on": "2999-12-31"}
    assert "not from the future" in problem(client, keel, "POST", "/v1/books/close-period", 422, json=body)


@pytest.mark.parametrize(
    ("method", "url", "kw"),
    [
        ("GET", "/v1/reports/trial-balance?known_at=9999-12-31T23:59:59-05:00", {}),
        ("GET", "/v1/reports/trial-balance?as_of=9999-12-31", {}),
        ("POST", "/v1/customers", {"json": {"name": "X", "on": "9999-12-31"}}),
        ("POST", "/v1/customers", {"content": b"not json", "headers": {"content-type": "application/json"}}),
        (
            "POST",
            "/v1/customers/00000000-0000-0000-0000-000000000001/rename",
            {"json": {"name": "Y"}, "headers": {"If-Match": "\u00b2".encode("latin-1")}},
        ),
        ("GET", "/v1/invoices/not-a-uuid", {}),
    ],
)
def test_malformed_input_is_a_4xx_problem(client: TestClient, method: str, url: str, kw: dict[str, Any]) -> None:
    response = client.request(method, url, **kw)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_known_at_before_year_1000_sees_nothing(client: TestClient, paid_invoice: dict[str, str], keel: Keel) -> None:
    tb = ok(
        client.get(
            "/v1/reports/trial-balance",
            params={"known_at": "0999-12-31T00:00:00Z", "min_position": keel.app.head_position()},
        )
    )
    assert tb["rows"] == []

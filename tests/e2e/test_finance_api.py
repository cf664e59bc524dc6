"""Finance over HTTP: every transition that makes no sense is a 4xx problem and writes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import ok

from api.system import Keel


@pytest.fixture
def books(client: TestClient) -> dict[str, str]:
    """A customer with an issued invoice (1240.00), a supplier, a cost center and a two-level policy."""
    ids: dict[str, str] = {}
    ids["customer"] = ok(client.post("/v1/customers", json={"name": "Acme", "on": "2026-01-02"}), 201)["id"]
    ids["invoice"] = ok(
        client.post(
            "/v1/invoices",
            json={
                "customer_id": ids["customer"],
                "tax_percent": "24",
                "on": "2026-01-10",
                "lines": [{"description": "Design", "quantity": "10", "unit_price": "100.00"}],
            },
        ),
        201,
    )["id"]
    ok(client.post(f"/v1/invoices/{ids['invoice']}/issue", json={"on": "2026-01-10"}))
    ok(client.post("/v1/cost-centers", json={"code": "DESIGN", "name": "Design", "manager": "maria"}), 201)
    ok(
        client.put(
            "/v1/expense-policy",
            json={
                "fallback_approver": "fiona",
                "steps": [{"approver": "cost_center_manager"}, {"approver": "fiona", "above": "500"}],
            },
        )
    )
    ids["claim"] = ok(
        client.post(
            "/v1/expense-claims",
            headers={"X-Keel-Actor": "jon"},
            json={
                "category": "travel",
                "description": "Train",
                "amount": "620.00",
                "tax_rate": "24",
                "receipt_reference": "R-1",
                "cost_center": "DESIGN",
                "on": "2026-01-12",
            },
        ),
        201,
    )["id"]
    return ids


def refused(client: TestClient, keel: Keel, method: str, url: str, status: int, slug: str, **kw: Any) -> dict[str, Any]:
    head = keel.app.head_position()
    response = client.request(method, url, **kw)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:keel:problem:{slug}" and body["detail"]
    assert keel.app.head_position() == head, "a refused command wrote events"
    return body


def test_issuing_a_voided_invoice_is_refused(client: TestClient, keel: Keel, books: dict[str, str]) -> None:
    ok(client.post(f"/v1/invoices/{books['invoice']}/void", json={"reason": "duplicate", "on": "2026-01-11"}))
    body = refused(client, keel, "POST", f"/v1/invoices/{books['invoice']}/issue", 409, "invalid-transition")
    assert "voided" in body["detail"]


def test_crediting_more_than_was_invoiced_is_refused(client: TestClient, keel: Keel, books: dict[str, str]) -> None:
    ok(
        client.post(
            f"/v1/invoices/{books['invoice']}/credit-notes",
            json={
                "reason": "discount",
                "on": "2026-01-20",
                "lines": [{"description": "Discount", "quantity": "1", "unit_price": "900.00", "tax_rate": "24"}],
            },
        ),
        201,
    )
    body = refused(
        client,
        keel,
        "POST",
        f"/v1/invoices/{books['invoice']}/credit-notes",
        409,
        "invalid-transition",
        json={
            "reason": "more",
            "on": "2026-01-21",
            "lines": [{"description": "Too much", "quantity": "1", "unit_price": "200.00", "tax_rate": "24"}],
        },
    )
    assert "exceeds the 124.00 EUR that can still be credited" in body["detail"]


def test_approving_ones_own_claim_is_forbidden(client: TestClient, keel: Keel, books: dict[str, str]) -> None:
    body = refused(
        client,
        keel,
        "POST",
        f"/v1/expense-claims/{books['claim']}/approve",
        403,
        "not-permitted",
        headers={"X-Keel-Actor": "jon"},
    )
    assert "own claim" in body["detail"]


def test_approving_out_of_order_is_refused(client: TestClient, keel: Keel, books: dict[str, str]) -> None:
    body = refused(
        client,
        keel,
        "POST",
        f"/v1/expense-claims/{books['claim']}/approve",
        409,
        "invalid-transition",
        headers={"X-Keel-Actor": "fiona"},
    )
    assert "waits for maria" in body["detail"]
    refused(
        client,
        keel,
        "POST",
        f"/v1/expense-claims/{books['claim']}/approve",
        403,
        "not-permitted",
        headers={"X-Keel-Actor": "mallory"},
    )


def test_paying_a_rejected_claim_is_refused(client: TestClient, keel: Keel, books: dict[str, str]) -> None:
    ok(
        client.post(
            f"/v1/expense-claims/{books['claim']}/reject",
            headers={"X-Keel-Actor": "maria"},
            json={"reason": "No receipt attached"},
        )
    )
    body = refused(client, keel, "POST", f"/v1/expense-claims/{books['claim']}/reimburse", 409, "invalid-transition")
    assert "rejected" in body["detail"]
    claim = ok(client.get(f"/v1/expense-claims/{books['claim']}", params={"min_position": keel.app.head_position()}))
    assert (claim["status"], claim["rejection_reason"]) == ("rejected", "No receipt attached")


def test_posting_into_a_closed_period_is_refused(client: TestClient, keel: Keel, books: dict[str, str]) -> None:
    ok(client.post("/v1/books/close-period", json={"lock_date": "2026-01-31", "on": "2026-02-03"}))
    body = refused(
        client,
        keel,
        "POST",
        "/v1/payments",
        409,
        "period-closed",
        json={"customer_id": books["customer"], "amount": "100.00", "on": "2026-01-31"},
    )
    assert "closed up to 2026-01-31" in body["detail"]
    refused(
        client,
        keel,
        "POST",
        "/v1/books/journal-entries",
        409,
        "period-closed",
        json={
            "memo": "late accrual",
            "on": "2026-01-15",
            "lines": [{"account": "6000", "debit": "10.00"}, {"account": "2400", "credit": "10.00"}],
        },
    )
    refused(
        client,
        keel,
        "POST",
        "/v1/books/close-period",
        409,
        "invalid-transition",
        json={"lock_date": "2026-01-15", "on": "2026-02-03"},
    )


def test_an_unbalanced_manual_entry_is_refused(client: TestClient, keel: Keel, books: dict[str, str]) -> None:
    body = refused(
        client,
        keel,
        "POST",
        "/v1/books/journal-entries",
        422,
        "unbalanced-entry",
        json={
            "memo": "typo",
            "on": "2026-01-15",
            "lines": [{"account": "6000", "debit": "10.00"}, {"account": "2400", "credit": "1.00"}],
        },
    )
    assert "off by 9.00 EUR" in body["detail"]


def test_a_foreign_invoice_needs_its_rate(client: TestClient, keel: Keel, books: dict[str, str]) -> None:
    usd = ok(
        client.post(
            "/v1/invoices",
            json={
                "customer_id": books["customer"],
                "currency": "USD",
                "on": "2026-01-10",
                "lines": [{"description": "Work", "quantity": "1", "unit_price": "10"}],
            },
        ),
        201,
    )
    body = refused(
        client, keel, "POST", f"/v1/invoices/{usd['id']}/issue", 422, "invalid-value", json={"on": "2026-01-10"}
    )
    assert "give its rate to EUR" in body["detail"]


def test_reports_over_http(client: TestClient, keel: Keel, books: dict[str, str]) -> None:
    pos = keel.app.head_position()
    pnl = ok(
        client.get(
            "/v1/reports/profit-and-loss", params={"start": "2026-01-01", "end": "2026-03-31", "min_position": pos}
        )
    )
    assert pnl["result"] == "1000.00"
    bs = ok(client.get("/v1/reports/balance-sheet", params={"as_of": "2026-03-31"}))
    assert bs["balanced"] is True and bs["total_assets"] == "1240.00"
    # Ageing reads open items and documents, which the P&L's wait above did not cover.
    ageing = ok(client.get("/v1/reports/ageing/receivables", params={"as_of": "2026-03-31", "min_position": pos}))
    assert ageing["total"] == "1240.00" and ageing["items"][0]["bucket"] == "31-60"
    ledger = ok(client.get("/v1/reports/ledger/1100", params={"start": "2026-01-01", "end": "2026-03-31"}))
    assert (ledger["opening"], ledger["closing"]) == ("0.00", "1240.00")
    tax = ok(client.get("/v1/reports/tax-summary", params={"start": "2026-01-01", "end": "2026-03-31"}))
    assert tax["net_payable"] == "240.00"
    assert client.get("/v1/reports/ageing/nonsense").status_code == 422


def test_ageing_comes_a_page_at_a_time_and_its_total_counts_every_item(
    client: TestClient, keel: Keel, books: dict[str, str]
) -> None:
    for name in ("Zeta", "Beta", "Beta"):  # two customers of one name: the key still tells them apart
        customer = ok(client.post("/v1/customers", json={"name": name, "on": "2026-01-02"}), 201)["id"]
        for day in ("2026-01-05", "2026-02-05"):
            lines = [{"description": "Work", "quantity": "1", "unit_price": "100.00"}]
            draft = ok(client.post("/v1/invoices", json={"customer_id": customer, "on": day, "lines": lines}), 201)
            issued = ok(client.post(f"/v1/invoices/{draft['id']}/issue", json={"on": day}))
    params = {"as_of": "2026-03-31", "min_position": issued["position"]}
    whole = ok(client.get("/v1/reports/ageing/receivables", params={**params, "limit": 1000}))
    assert whole["item_count"] == len(whole["items"]) == 7 and whole["next_cursor"] is None
    assert [i["party_name"] for i in whole["items"]] == ["Acme", "Beta", "Beta", "Beta", "Beta", "Zeta", "Zeta"]
    assert sum(Decimal(i["open_value"]) for i in whole["items"]) == Decimal(whole["total"])
    paged, cursor = [], None
    while True:
        page = ok(
            client.get(
                "/v1/reports/ageing/receivables",
                params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})},
            )
        )
        assert (page["total"], page["buckets"], page["item_count"]) == (whole["total"], whole["buckets"], 7)
        paged += page["items"]
        if (cursor := page["next_cursor"]) is None:
            break
        elsewhere = client.get("/v1/reports/ageing/receivables", params={"as_of": "2026-03-30", "cursor": cursor})
        assert elsewhere.status_code == 422  # a cursor of another day's ageing
    assert paged == whole["items"]


def test_an_accounts_ledger_comes_a_page_at_a_time_each_opening_where_the_last_closed(
    client: TestClient, keel: Keel, books: dict[str, str]
) -> None:
    customer = ok(client.post("/v1/customers", json={"name": "Pager", "on": "2026-01-02"}), 201)["id"]
    for day in ("2026-01-05", "2026-01-05", "2026-02-05", "2026-03-05"):
        lines = [{"description": "Work", "quantity": "1", "unit_price": "100.00"}]
        draft = ok(client.post("/v1/invoices", json={"customer_id": customer, "on": day, "lines": lines}), 201)
        issued = ok(client.post(f"/v1/invoices/{draft['id']}/issue", json={"on": day}))
    params = {"from": "2026-01-01", "to": "2026-03-31", "min_position": issued["position"]}
    whole = ok(client.get("/v1/reports/ledger/1100", params=params))
    assert len(whole["entries"]) == 5 and whole["next_cursor"] is None
    pages, cursor = [], None
    while True:
        page = ok(
            client.get(
                "/v1/reports/ledger/1100", params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
            )
        )
        opening = pages[-1]["closing"] if pages else whole["opening"]
        assert page["opening"] == opening  # the balance brought forward: the entries before this page
        pages.append(page)
        if (cursor := page["next_cursor"]) is None:
            break
        elsewhere = client.get("/v1/reports/ledger/1200", params={**params, "cursor": cursor})
        assert elsewhere.status_code == 422  # a cursor of another account's ledger
    assert [e for p in pages for e in p["entries"]] == whole["entries"]
    assert [len(p["entries"]) for p in pages] == [2, 2, 1] and pages[-1]["closing"] == whole["closing"]


def test_receivables_come_a_page_at_a_time_and_the_totals_count_every_customer(
    client: TestClient, keel: Keel, books: dict[str, str]
) -> None:
    for name in ("Zeta", "Beta", "Mu"):
        customer = ok(client.post("/v1/customers", json={"name": name, "on": "2026-01-02"}), 201)["id"]
        lines = [{"description": "Work", "quantity": "1", "unit_price": "100.00"}]
        draft = ok(client.post("/v1/invoices", json={"customer_id": customer, "on": "2026-01-05", "lines": lines}), 201)
        issued = ok(client.post(f"/v1/invoices/{draft['id']}/issue", json={"on": "2026-01-05"}))
    params = {"as_of": "2026-03-31", "min_position": issued["position"]}
    whole = ok(client.get("/v1/reports/receivables", params=params))
    assert [r["customer_name"] for r in whole["rows"]] == ["Acme", "Beta", "Mu", "Zeta"] and whole[
        "next_cursor"
    ] is None
    rows, cursor = [], None
    while True:
        page = ok(
            client.get(
                "/v1/reports/receivables", params={**params, "limit": 3, **({"cursor": cursor} if cursor else {})}
            )
        )
        assert page["totals"] == whole["totals"]  # every customer's, on every page
        rows += page["rows"]
        if (cursor := page["next_cursor"]) is None:
            break
        assert (
            client.get("/v1/reports/receivables", params={"as_of": "2026-03-30", "cursor": cursor}).status_code == 422
        )
    assert rows == whole["rows"]

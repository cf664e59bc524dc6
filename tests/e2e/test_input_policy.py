"""The input policy (docs/input-policy.md): values that once stopped the read models are refused,
at the edge with a problem naming the field, and in the domain whatever way they come in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import ok

from api.system import Keel
from commands import messages as m
from ledger.errors import InvalidValue
from ledger.events import Meta


def refused(client: TestClient, keel: Keel, url: str, body: dict[str, Any], field: str) -> dict[str, Any]:
    """POST ``body``: a 422 problem whose errors name ``field``, and nothing written."""
    head = keel.app.head_position()
    # Escaped as JSON allows ("\\ud800"): a lone surrogate cannot be sent as UTF-8.
    response = client.post(url, content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    locations = [e["location"] for e in problem.get("errors", [])]
    assert field in locations or field in problem["detail"], problem
    assert keel.app.head_position() == head
    return problem


@pytest.fixture
def customer(client: TestClient) -> str:
    return str(ok(client.post("/v1/customers", json={"name": "Acme", "on": "2026-01-02"}), 201)["id"])


@pytest.mark.parametrize("name", ["A\u0000B", "A\u0007B", "Tab\there", "\ud800", "x\u009bx"])
def test_a_name_with_a_control_character_is_refused_naming_the_field(
    client: TestClient, keel: Keel, customer: str, name: str
) -> None:
    refused(client, keel, "/v1/customers", {"name": name}, "body.name")
    refused(client, keel, f"/v1/customers/{customer}/contacts", {"name": name}, "body.name")
    refused(client, keel, "/v1/leads", {"name": name, "source": "web"}, "body.name")


def test_multi_line_notes_keep_their_line_breaks_but_no_nul(client: TestClient, keel: Keel, customer: str) -> None:
    body = {"kind": "note", "about_kind": "customer", "about_id": customer, "subject": "Call"}
    ok(client.post("/v1/activities", json={**body, "body": "first line\nsecond line\tindented"}), 201)
    refused(client, keel, "/v1/activities", {**body, "body": "first\u0000second"}, "body.body")


@pytest.mark.parametrize("field", ["party_id", "cost_center", "project_id", "tax_code"])
def test_a_ten_thousand_character_identifier_is_refused(client: TestClient, keel: Keel, field: str) -> None:
    lines = [{"account": "6100", "debit": "10.00", field: "x" * 10_000}, {"account": "2400", "credit": "10.00"}]
    refused(client, keel, "/v1/books/journal-entries", {"memo": "m", "lines": lines}, f"body.lines.0.{field}")


@pytest.mark.parametrize("price", ["1e25", "10000000000000000000000000", "١٢٣", "1_000", "NaN"])
def test_an_amount_outside_the_policy_is_refused(client: TestClient, keel: Keel, customer: str, price: str) -> None:
    lines = [{"description": "Work", "quantity": "1", "unit_price": price}]
    refused(client, keel, "/v1/invoices", {"customer_id": customer, "lines": lines}, "body.lines.0.unit_price")


def test_one_entry_moves_at_most_ten_to_the_fourteen_minor_units(client: TestClient, keel: Keel) -> None:
    # Three debits of 400 billion euros: each within the bound, together beyond it.
    debit, credit = {"account": "6100", "debit": "400000000000.00"}, {"account": "2400", "credit": "400000000000.00"}
    lines = [debit, debit, debit, credit, credit, credit]
    problem = refused(client, keel, "/v1/books/journal-entries", {"memo": "m", "lines": lines}, "debits")
    assert "exceed what Keel accepts" in problem["detail"]
    lines = [debit, credit]
    ok(client.post("/v1/books/journal-entries", json={"memo": "largest", "lines": lines}), 201)


def test_the_domain_refuses_what_the_edge_would_whatever_way_it_comes_in(keel: Keel) -> None:
    """The CLI, imports and automation build commands without the HTTP schemas: the domain checks
    every event it records against the same policy."""
    meta = Meta(actor="import")
    head = keel.app.head_position()
    with pytest.raises(InvalidValue, match="name: control character U\\+0000"):
        keel.app.handle(m.RegisterCustomer(meta=meta, name="A\u0000B"))
    customer = keel.app.handle(m.RegisterCustomer(meta=meta, name="Acme")).id
    head = keel.app.head_position()
    line = m.EntryLineInput(account="6100", debit="10.00", cost_center="x" * 10_000)
    with pytest.raises(InvalidValue, match="cost_center: at most 200 characters"):
        keel.app.handle(
            m.PostJournalEntry(meta=meta, memo="m", lines=(line, m.EntryLineInput(account="2400", credit="10.00")))
        )
    with pytest.raises(InvalidValue, match="larger than Keel accepts"):
        keel.app.handle(
            m.DraftInvoice(
                meta=meta,
                customer_id=customer,
                lines=(m.LineInput(description="Work", quantity="1", unit_price="1" + "0" * 25),),
            )
        )
    with pytest.raises(InvalidValue, match="not a decimal amount"):
        keel.app.handle(
            m.DraftInvoice(
                meta=meta,
                customer_id=customer,
                lines=(m.LineInput(description="W", quantity="\u0661", unit_price="1"),),
            )
        )
    assert keel.app.head_position() == head


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(client: TestClient, keel: Keel) -> None:
    head = keel.app.head_position()
    big = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = client.post("/v1/customers", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "1048576 bytes" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: cut off once past the limit
        yield b'{"name": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    response = client.post("/v1/customers", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413, response.text
    assert keel.app.head_position() == head
    ok(client.post("/v1/customers", json={"name": "x" * 200}), 201)


@pytest.mark.parametrize(
    "url",
    [
        "/v1/reports/profit-and-loss?start=2026-09-30&end=2026-07-01",
        "/v1/reports/tax-summary?start=2026-09-30&end=2026-07-01",
        "/v1/reports/margins?start=2026-09-30&end=2026-07-01",
        "/v1/reports/utilisation?start=2026-09-30&end=2026-07-01",
        "/v1/reports/win-rate?start=2026-09-30&end=2026-07-01",
        "/v1/reports/cash-flow?start=2026-09-30&end=2026-07-01",
        "/v1/reports/ledger/1200?start=2026-09-30&end=2026-07-01",
        "/v1/books/journal?start=2026-09-30&end=2026-07-01",
        "/v1/payments?start=2026-09-30&end=2026-07-01",
    ],
)
def test_a_window_that_runs_backwards_is_a_422_naming_start_and_end(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 422, response.text
    assert "start 2026-" in response.json()["detail"]
    assert "is after end" in response.json()["detail"]


@pytest.mark.parametrize("known_at", ["\u0663", "\u0662\u0660\u0662\u0666-01-01T00:00:00Z", "1\u00b2"])
def test_known_at_takes_ascii_digits_only(client: TestClient, known_at: str) -> None:
    response = client.get("/v1/reports/trial-balance", params={"known_at": known_at})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("query", ["name=%00", "name=a%1Bb", "name=%FF%FE"])
def test_a_query_parameter_with_a_control_character_is_a_422_naming_it(client: TestClient, query: str) -> None:
    response = client.get(f"/v1/customers?{query}")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_claim_beyond_the_amount_bound_is_refused_and_read_models_fold_what_was_accepted(
    client: TestClient, keel: Keel
) -> None:
    """Found by the hostile-values property test: a 3.5 trillion euro claim was accepted, then the
    claims read model (checking the policy's bound, not the storage's) stopped on it."""
    ok(client.post("/v1/cost-centers", json={"code": "OPS", "name": "Ops", "manager": "maria"}), 201)
    claim = {"category": "travel", "description": "Taxi", "receipt_reference": "R1", "cost_center": "OPS"}
    problem = refused(client, keel, "/v1/expense-claims", {**claim, "amount": "3558707684243.12"}, "larger")
    assert "larger than Keel accepts" in problem["detail"]
    ok(client.post("/v1/expense-claims", json={**claim, "amount": "999999999999.99"}), 201)
    keel.engine.catch_up()

"""Lists and details over HTTP on the demo quarter: every list pages by cursor without skipping or
repeating, filters narrow it, and the lists agree with the reports built from the same log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import ok

from api.demo import demo_id, load_demo
from api.examples import EXAMPLES
from api.system import Keel
from projections.engine.pages import encode_cursor

LISTS = [
    ("/v1/customers", {}),
    ("/v1/invoices", {}),
    ("/v1/invoices", {"status": "issued"}),
    ("/v1/expense-claims", {}),
    ("/v1/deals", {"as_of": "2026-09-30"}),
    ("/v1/leads", {}),
    ("/v1/activities", {}),
    ("/v1/suppliers", {}),
    ("/v1/bills", {}),
    ("/v1/payments", {}),
    ("/v1/books/journal", {"start": "2026-07-01", "end": "2026-09-30"}),
    ("/v1/projects", {}),
    ("/v1/people", {"as_of": "2026-09-30"}),
]


@pytest.fixture
def demo(keel: Keel, client: TestClient) -> TestClient:
    load_demo(keel.app)
    head = keel.app.head_position()
    keel.engine.wait_for(head, [], timeout=60)
    return client


def walk(client: TestClient, path: str, params: dict[str, str], limit: int) -> list[Any]:
    items: list[Any] = []
    cursor: str | None = None
    for _ in range(1000):
        page = ok(client.get(path, params={**params, "limit": str(limit), **({"cursor": cursor} if cursor else {})}))
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ended")


@pytest.mark.parametrize(("path", "params"), LISTS)
def test_walking_a_list_by_cursor_gives_every_item_once_in_order(
    demo: TestClient, path: str, params: dict[str, str]
) -> None:
    whole = ok(demo.get(path, params={**params, "limit": "1000"}))
    assert whole["next_cursor"] is None and whole["items"], f"{path} is empty on the demo"
    assert walk(demo, path, params, limit=2) == whole["items"]


def test_a_cursor_that_was_not_handed_out_is_a_422_problem(demo: TestClient) -> None:
    forged = encode_cursor([1, 2])  # the right shape, but not handed out by this list
    for cursor in ("garbage", "WyJ4Il0", "e30", forged):
        response = demo.get("/v1/invoices", params={"cursor": cursor})
        assert response.status_code == 422 and "cursor" in response.json()["detail"]
    of_customers = ok(demo.get("/v1/customers", params={"limit": "1"}))["next_cursor"]
    assert demo.get("/v1/invoices", params={"cursor": of_customers}).status_code == 422


def test_a_page_boundary_holds_when_items_arrive_meanwhile(demo: TestClient) -> None:
    before = len(ok(demo.get("/v1/customers", params={"limit": "1000"}))["items"])
    first = ok(demo.get("/v1/customers", params={"limit": "2"}))
    ok(demo.post("/v1/customers", json={"name": "Aardvark Ltd", "on": "2026-10-01"}), 201)  # sorts first
    rest = walk(demo, "/v1/customers", {"cursor": first["next_cursor"]}, limit=2)
    names = [c["name"] for c in first["items"] + rest]
    assert len(names) == len(set(names)) == before and "Aardvark Ltd" not in names


def test_bills_say_what_is_owed_and_agree_with_payables_ageing(demo: TestClient) -> None:
    bills = ok(demo.get("/v1/bills", params={"limit": "1000"}))["items"]
    assert {b["status"] for b in bills} <= {"open", "paid", "voided"}
    ageing = ok(demo.get("/v1/reports/ageing/payables"))
    open_bills = ok(demo.get("/v1/bills", params={"status": "open"}))["items"]
    assert open_bills and all(b["status"] == "open" and Decimal(b["open"]) > 0 for b in open_bills)
    in_ageing = {i["document_id"] for i in ageing["items"]}
    assert {b["id"] for b in open_bills} <= in_ageing
    for bill in bills:
        assert ok(demo.get(f"/v1/bills/{bill['id']}")) == bill
    supplier = bills[0]["supplier_id"]
    assert ok(demo.get(f"/v1/suppliers/{supplier}"))["name"] == bills[0]["supplier_name"]
    assert all(
        b["supplier_id"] == supplier for b in ok(demo.get("/v1/bills", params={"supplier_id": supplier}))["items"]
    )


def test_the_journal_balances_entry_by_entry_and_filters_by_account_and_source(demo: TestClient) -> None:
    entries = walk(demo, "/v1/books/journal", {}, limit=50)
    for entry in entries:
        assert sum(Decimal(line["value"]) for line in entry["lines"]) == 0
    bank = walk(demo, "/v1/books/journal", {"account": "1000"}, limit=50)
    assert bank and all(any(line["account"] == "1000" for line in e["lines"]) for e in bank)
    invoice = demo_id("invoice:nw-1")
    posted = ok(demo.get("/v1/books/journal", params={"source_id": str(invoice)}))["items"]
    assert posted and {e["source_id"] for e in posted} == {str(invoice)}
    tb = ok(demo.get("/v1/reports/trial-balance", params={"as_of": "2026-09-30", "functional": "true"}))
    assert tb["balanced"]


def test_payments_list_and_detail(demo: TestClient) -> None:
    payments = ok(demo.get("/v1/payments", params={"limit": "1000"}))["items"]
    assert payments
    first = ok(demo.get(f"/v1/payments/{payments[0]['id']}"))
    assert first["amount"] == payments[0]["amount"] and first["customer_id"] == payments[0]["customer_id"]
    allocated = sum(Decimal(a["amount"]) for a in first["allocations"])
    assert allocated + Decimal(first["credit"]) == Decimal(first["amount"])
    northwind = str(demo_id("customer:northwind"))
    mine = ok(demo.get("/v1/payments", params={"customer_id": northwind}))["items"]
    assert mine and all(p["customer_id"] == northwind for p in mine)


def test_crm_lists(demo: TestClient) -> None:
    leads = ok(demo.get("/v1/leads", params={"limit": "1000"}))["items"]
    assert {lead["status"] for lead in leads} >= {"converted"}
    converted = next(lead for lead in leads if lead["status"] == "converted")
    assert ok(demo.get(f"/v1/leads/{converted['id']}")) == converted
    deal = ok(demo.get(f"/v1/deals/{converted['deal_id']}", params={"as_of": "2026-09-30"}))
    assert deal["lead_id"] == converted["id"]
    stages = ok(demo.get("/v1/pipeline"))
    assert [s["order"] for s in stages] == sorted(s["order"] for s in stages) and stages
    contacts = ok(demo.get(f"/v1/customers/{converted['customer_id']}/contacts"))
    assert contacts and all(c["active"] for c in contacts)
    activities = ok(demo.get("/v1/activities", params={"limit": "1000"}))["items"]
    about = activities[0]["about_id"]
    narrowed = ok(demo.get("/v1/activities", params={"about_id": about}))["items"]
    assert narrowed == [a for a in activities if a["about_id"] == about]


def test_delivery_lists_and_settings(demo: TestClient) -> None:
    projects = ok(demo.get("/v1/projects"))["items"]
    assert projects and ok(demo.get(f"/v1/projects/{projects[0]['id']}")) == projects[0]
    people = ok(demo.get("/v1/people", params={"as_of": "2026-09-30"}))["items"]
    assert people and all(Decimal(p["cost_rate"]) > 0 for p in people)
    assert ok(demo.get(f"/v1/people/{people[0]['handle']}", params={"as_of": "2026-09-30"})) == people[0]
    assert demo.get(f"/v1/people/{people[0]['handle']}", params={"as_of": "2000-01-01"}).status_code == 404
    policy = ok(demo.get("/v1/expense-policy"))
    assert policy["steps"] and policy["fallback_approver"]
    assert ok(demo.get("/v1/cost-centers/ops"))["manager"] == "olaf"


def test_every_created_resource_can_be_read_at_its_location(client: TestClient) -> None:
    """The OpenAPI examples, run in order: each answers 201 with a Location that reads back as 200."""
    ex = {model.__name__: body for model, body in EXAMPLES.items()}

    def create(path: str, body: dict[str, Any]) -> str:
        response = client.post(path, json=body)
        assert response.status_code == 201, (path, response.text)
        location = response.headers["Location"]
        assert ok(client.get(location, params={"min_position": response.json()["position"]})), location
        return str(response.json()["id"])

    customer = create("/v1/customers", ex["RegisterCustomerBody"])
    invoice = create("/v1/invoices", {**ex["DraftInvoiceBody"], "customer_id": customer})
    ok(client.post(f"/v1/invoices/{invoice}/issue", json=ex["IssueInvoiceBody"]))
    create(f"/v1/invoices/{invoice}/credit-notes", ex["CreditNoteBody"])
    allocations = [{"invoice_id": invoice, "amount": "2000.00"}]
    create("/v1/payments", {**ex["RecordPaymentBody"], "customer_id": customer, "allocations": allocations})
    supplier = create("/v1/suppliers", ex["SupplierBody"])
    bill = create("/v1/bills", {**ex["BillBody"], "supplier_id": supplier})
    paid = [{"bill_id": bill, "amount": "1041.60"}]
    create("/v1/supplier-payments", {**ex["SupplierPaymentBody"], "supplier_id": supplier, "allocations": paid})
    create("/v1/books/journal-entries", ex["JournalEntryBody"])
    create("/v1/leads", ex["LeadBody"])
    create("/v1/deals", {**ex["OpenDealBody"], "customer_id": customer})
    ok(client.post("/v1/cost-centers", json=ex["CostCenterBody"]), 201)
    create("/v1/expense-claims", ex["SubmitClaimBody"])
    create("/v1/projects", {**ex["ProjectBody"], "customer_id": customer})


def test_a_name_is_found_whatever_its_case_in_any_script(demo: TestClient) -> None:
    """SQLite's own lower() folds ASCII only; names in other scripts are found in either case too."""
    written = [
        ok(demo.post("/v1/customers", json={"name": name, "on": "2026-10-01"}), 201)["position"]
        for name in ("Ärzte Praxis", "Σπύρος Ταβέρνα")
    ]
    for typed, found in (("ärzte", "Ärzte Praxis"), ("ΣΠΎΡΟΣ", "Σπύρος Ταβέρνα"), ("ταβέρνα", "Σπύρος Ταβέρνα")):
        listed = ok(demo.get("/v1/customers", params={"name": typed, "min_position": max(written)}))
        assert [c["name"] for c in listed["items"]] == [found], typed

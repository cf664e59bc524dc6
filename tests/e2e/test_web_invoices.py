"""Invoices in the web app (issue 20) over HTTP, on SQLite and PostgreSQL: a draft made, issued and
partly paid through the forms is the API's invoice and moves the API's receivables ageing; a bad
amount is refused beside its field with nothing written; a stale form is told; roles and the CSRF
token hold; a customer's name is text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from web_support import META, ORIGIN, csrf_of, log_in, web_client

from api import schemas
from api.system import Keel


@pytest.fixture
def web(keel: Keel) -> Iterator[TestClient]:
    with web_client(keel) as client:
        yield client


def post(web: TestClient, path: str, form: dict[str, str], page: str) -> object:
    return web.post(path, data={**form, "csrf": csrf_of(page)}, headers=ORIGIN, follow_redirects=False)


def test_draft_issue_and_part_pay_an_invoice_through_the_forms(web: TestClient, keel: Keel) -> None:
    customer = keel.app.handle(schemas.RegisterCustomerBody(name="Acme <script>x()</script>").to_command(META)).id
    keel.engine.catch_up()
    log_in(web, "ana")
    form = web.get("/invoices/new").text
    assert "Acme &lt;script&gt;x()&lt;/script&gt;" in form and "<script>x()" not in form
    line = {"lines.0.description": "Design sprint", "lines.0.quantity": "2", "lines.0.unit_price": "1500.00"}
    bad = post(web, "/invoices/new", {"customer_id": str(customer), **line, "lines.0.unit_price": "twelve"}, form)
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert re.search(r'id="f-lines-0-unit_price-error">[^<]+', bad.text)  # type: ignore[attr-defined]
    assert web.get("/v1/invoices", params={"customer_id": str(customer)}).json()["items"] == []  # nothing written
    drafted = post(web, "/invoices/new", {"customer_id": str(customer), **line, "tax_percent": "24"}, form)
    assert drafted.status_code == 303  # type: ignore[attr-defined]
    path = drafted.headers["location"].split("?")[0]  # type: ignore[attr-defined]
    invoice = path.rsplit("/", 1)[1]
    page = web.get(drafted.headers["location"]).text  # type: ignore[attr-defined]
    assert "The invoice was drafted." in page and "Acme &lt;script&gt;" in page
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    ageing = web.get("/v1/reports/ageing/receivables").json()
    issued = post(web, f"{path}/issue", {"version": version[1]}, page)
    assert issued.status_code == 303 and web.get(f"/v1/invoices/{invoice}").json()["status"] == "issued"  # type: ignore[attr-defined]
    stale = post(web, f"{path}/issue", {"version": version[1]}, page)  # the draft's version, again
    assert stale.status_code == 409 and "changed by someone else" in stale.text  # type: ignore[attr-defined]
    page = web.get(path).text
    over = post(web, f"{path}/payments", {"amount": "999999"}, page)  # more than is owed: the API's refusal
    api_over = web.post(
        "/v1/payments",
        json={
            "customer_id": str(customer),
            "amount": "999999",
            "allocations": [{"invoice_id": invoice, "amount": "999999"}],
        },
    )
    assert over.status_code == api_over.status_code >= 400  # type: ignore[attr-defined]
    assert api_over.json()["detail"] in over.text.replace("&#39;", "'")  # type: ignore[attr-defined]
    typo = post(web, f"{path}/payments", {"amount": "12,50"}, page)
    assert typo.status_code == 422 and 'id="f-amount-error"' in typo.text  # type: ignore[attr-defined]
    paid = post(web, f"{path}/payments", {"amount": "1000.00", "reference": "part"}, page)
    assert paid.status_code == 303  # type: ignore[attr-defined]
    api = web.get(f"/v1/invoices/{invoice}").json()
    assert Decimal(api["outstanding"]) == Decimal(api["total"]) - Decimal("1000.00") > 0
    after = web.get("/v1/reports/ageing/receivables").json()
    assert after != ageing and Decimal(after["total"]) == Decimal(ageing["total"]) + Decimal(api["outstanding"])
    listed = web.get("/invoices", params={"status": "issued"}).text
    assert api["number"] in listed and "partially paid" in listed and "Acme &lt;script&gt;" in listed
    digest = re.search(r'<code id="digest">([^<]+)</code>', listed)
    assert digest and digest[1] == web.get("/v1/invoices", params={"status": "issued"}).json()["provenance"]["digest"]


def test_sales_drafts_but_never_issues_or_takes_payments_and_forms_need_a_token(web: TestClient, keel: Keel) -> None:
    customer = keel.app.handle(schemas.RegisterCustomerBody(name="Sales Lead Ltd").to_command(META)).id
    draft = schemas.DraftInvoiceBody.model_validate(
        {"customer_id": str(customer), "lines": [{"description": "Work", "quantity": "1", "unit_price": "100"}]}
    )
    invoice = keel.app.handle(draft.to_command(META)).id
    keel.engine.catch_up()
    log_in(web, "sam")
    page = web.get(f"/invoices/{invoice}")
    assert page.status_code == 200 and 'action="/invoices/' + str(invoice) + '/issue"' not in page.text
    assert post(web, f"/invoices/{invoice}/issue", {"version": "1"}, page.text).status_code == 403  # type: ignore[attr-defined]
    assert post(web, f"/invoices/{invoice}/payments", {"amount": "1"}, page.text).status_code == 403  # type: ignore[attr-defined]
    assert web.get("/invoices/new").status_code == 200  # sales drafts
    log_in(web, "ana")
    forged = web.post(f"/invoices/{invoice}/issue", data={"version": "1"}, headers=ORIGIN)
    assert forged.status_code == 403 and web.get(f"/v1/invoices/{invoice}").json()["status"] == "draft"
    log_in(web, "ada")
    assert web.get("/invoices").status_code == 403

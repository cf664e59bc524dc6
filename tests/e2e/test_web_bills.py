"""Bills in the web app (issue 20) over HTTP, on SQLite and PostgreSQL: finance registers a
supplier, records a bill through the form and pays part of it, and the API's bill says what is
still owed; a bad amount is refused beside its field with nothing written; a bill is voided with a
reason; sales sees no bills; forms need their token; a supplier's name is text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from web_support import ORIGIN, csrf_of, log_in, web_client

from api.system import Keel


@pytest.fixture
def web(keel: Keel) -> Iterator[TestClient]:
    with web_client(keel) as client:
        yield client


def post(web: TestClient, path: str, form: dict[str, str], page: str) -> object:
    return web.post(path, data={**form, "csrf": csrf_of(page)}, headers=ORIGIN, follow_redirects=False)


def test_finance_records_a_bill_for_a_new_supplier_and_pays_part_of_it(web: TestClient, keel: Keel) -> None:
    log_in(web, "ana")
    form = web.get("/bills/new").text
    registered = post(web, "/bills/suppliers", {"supplier.name": "Paper <script>x()</script> Co"}, form)
    assert registered.status_code == 200  # type: ignore[attr-defined]
    page = registered.text  # type: ignore[attr-defined]
    assert "Paper &lt;script&gt;x()&lt;/script&gt; Co" in page and "<script>x()" not in page
    chosen = re.search(r'<option value="([0-9a-f-]{36})" selected>Paper', page)
    assert chosen, "the new supplier is chosen"
    supplier = chosen[1]
    line = {"lines.0.description": "Printer paper", "lines.0.account": "6000", "lines.0.tax_rate": "24"}
    head = keel.app.head_position()
    bad = post(
        web,
        "/bills/new",
        {"supplier_id": supplier, "supplier_reference": "P-1", **line, "lines.0.amount": "lots"},
        page,
    )
    assert bad.status_code == 422 and 'id="f-lines-0-amount-error"' in bad.text  # type: ignore[attr-defined]
    assert keel.app.head_position() == head  # nothing written
    recorded = post(
        web,
        "/bills/new",
        {"supplier_id": supplier, "supplier_reference": "P-1", **line, "lines.0.amount": "400.00"},
        page,
    )
    assert recorded.status_code == 303  # type: ignore[attr-defined]
    path = recorded.headers["location"].split("?")[0]  # type: ignore[attr-defined]
    bill = path.rsplit("/", 1)[1]
    assert Decimal(web.get(f"/v1/bills/{bill}").json()["open"]) == Decimal("496.00")
    page = web.get(recorded.headers["location"]).text  # type: ignore[attr-defined]
    assert "The bill was recorded." in page and 'href="/accounts/6000"' in page and "(bill Recorded)" in page

    over = post(web, f"{path}/payments", {"amount": "12,5"}, page)
    assert over.status_code == 422 and 'id="f-amount-error"' in over.text  # type: ignore[attr-defined]
    paid = post(web, f"{path}/payments", {"amount": "96.00", "reference": "part"}, page)
    assert paid.status_code == 303  # type: ignore[attr-defined]
    api = web.get(f"/v1/bills/{bill}").json()
    assert Decimal(api["open"]) == Decimal("400.00") and api["status"] == "open"
    assert 'id="owed">400.00' in web.get(path).text

    listed = web.get("/bills", params={"status": "open", "supplier_id": supplier}).text
    assert "P-1" in listed and 'id="owed-EUR">400.00' in listed and "Paper &lt;script&gt;" in listed
    assert (
        web.get("/bills", params={"status": "paid", "supplier_id": supplier}).text.count(f'href="/bills/{bill}"') == 0
    )


def test_a_void_needs_a_reason_sales_sees_no_bills_and_forms_need_a_token(web: TestClient, keel: Keel) -> None:
    bills = web.get("/v1/bills", params={"status": "open"}).json()["items"]
    unpaid = next(b for b in bills if b["open"] == b["total"])
    path = f"/bills/{unpaid['id']}"
    log_in(web, "ana")
    page = web.get(path).text
    blank = post(web, f"{path}/void", {"reason": ""}, page)
    assert blank.status_code == 422 and 'id="f-reason-error"' in blank.text  # type: ignore[attr-defined]
    forged = web.post(f"{path}/void", data={"reason": "typo"}, headers=ORIGIN)
    assert forged.status_code == 403 and web.get(f"/v1/bills/{unpaid['id']}").json()["status"] == "open"
    voided = post(web, f"{path}/void", {"reason": "entered twice"}, page)
    assert voided.status_code == 303 and web.get(f"/v1/bills/{unpaid['id']}").json()["status"] == "voided"  # type: ignore[attr-defined]
    log_in(web, "oli")  # the auditor reads bills, and may not act on them
    page = web.get(path).text
    assert web.get("/bills").status_code == 200 and 'action="' + path not in page
    assert post(web, "/bills/new", {"supplier_id": unpaid["supplier_id"]}, page).status_code == 403  # type: ignore[attr-defined]
    log_in(web, "sam")
    assert web.get("/bills").status_code == 403 and web.get(path).status_code == 403
    assert 'href="/bills"' not in web.get("/pipeline").text  # not in sales' menu

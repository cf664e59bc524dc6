"""An issued invoice's page in the web app (issue 20) over HTTP, on SQLite and PostgreSQL: finance
marks it sent, credits part of it, writes off the rest and reads its PDF, which is the API's PDF;
a void needs a reason and a stale page is told; sales may do none of it; forms need their token."""

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


def issued(web: TestClient, keel: Keel) -> str:
    """A fresh invoice of 2 x 500.00 + 24 % to a demo customer, issued through the API."""
    customer = web.get("/v1/customers", params={"limit": 1}).json()["items"][0]["id"]
    lines = [{"description": "Workshop", "quantity": "2", "unit_price": "500.00"}]
    drafted = web.post("/v1/invoices", json={"customer_id": customer, "lines": lines, "tax_percent": "24"})
    invoice: str = drafted.json()["id"]
    assert web.post(f"/v1/invoices/{invoice}/issue", json={}).status_code == 200
    keel.engine.catch_up()  # the page reads the invoice as the read models have it
    return invoice


def send(web: TestClient, path: str, form: dict[str, str], page: str) -> object:
    return web.post(path, data={**form, "csrf": csrf_of(page)}, headers=ORIGIN, follow_redirects=False)


def version_in(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found
    return found[1]


def test_finance_marks_sent_credits_part_writes_off_the_rest_and_reads_the_apis_pdf(
    web: TestClient, keel: Keel
) -> None:
    invoice = issued(web, keel)
    log_in(web, "ana")
    path = f"/invoices/{invoice}"
    page = web.get(path).text
    assert 'id="sent">not yet' in page and f'href="{path}/pdf"' in page
    sent = send(web, f"{path}/send", {"version": version_in(page), "to": "ap@customer.example"}, page)
    assert sent.status_code == 303 and web.get(f"/v1/invoices/{invoice}").json()["sent_on"]  # type: ignore[attr-defined]
    page = web.get(path + "?done=send").text
    assert "marked sent" in page and 'action="' + path + '/send"' not in page

    no_reason = send(
        web, f"{path}/credit-notes", {"lines.0.description": "Discount", "lines.0.unit_price": "100"}, page
    )
    assert no_reason.status_code == 422 and 'id="f-reason-error"' in no_reason.text  # type: ignore[attr-defined]
    assert web.get(f"/v1/invoices/{invoice}/credit-notes").json() == []  # nothing written
    line = {
        "lines.0.description": "Goodwill",
        "lines.0.quantity": "1",
        "lines.0.unit_price": "100.00",
        "lines.0.tax_rate": "24",
    }
    credited = send(web, f"{path}/credit-notes", {**line, "reason": "late <b>delivery</b>"}, page)
    assert credited.status_code == 303  # type: ignore[attr-defined]
    api = web.get(f"/v1/invoices/{invoice}").json()
    assert Decimal(api["credited"]) == Decimal("124.00") and Decimal(api["outstanding"]) == Decimal("1116.00")
    notes = web.get(f"/v1/invoices/{invoice}/credit-notes").json()
    page = web.get(path).text
    assert len(notes) == 1 and notes[0]["number"] in page and "late &lt;b&gt;delivery&lt;/b&gt;" in page
    assert f'href="/credit-notes/{notes[0]["id"]}/pdf"' in page

    ours, theirs = web.get(f"{path}/pdf"), web.get(f"/v1/invoices/{invoice}/pdf")
    assert ours.status_code == 200 and ours.headers["content-type"] == "application/pdf"
    assert ours.content == theirs.content and ours.headers["etag"] == theirs.headers["etag"]
    assert ours.headers["content-disposition"].startswith("inline")
    assert web.get(f"{path}/pdf?download=true").headers["content-disposition"].startswith("attachment")
    note = web.get(f"/credit-notes/{notes[0]['id']}/pdf")
    assert note.status_code == 200 and note.content == web.get(f"/v1/credit-notes/{notes[0]['id']}/pdf").content

    stale = send(web, f"{path}/write-off", {"version": "1", "reason": "gone"}, page)
    assert stale.status_code == 409 and "changed by someone else" in stale.text  # type: ignore[attr-defined]
    written = send(web, f"{path}/write-off", {"version": version_in(page), "reason": "customer closed"}, page)
    assert written.status_code == 303  # type: ignore[attr-defined]
    api = web.get(f"/v1/invoices/{invoice}").json()
    assert Decimal(api["written_off"]) == Decimal("1116.00") and Decimal(api["outstanding"]) == 0


def test_a_void_needs_a_reason_and_sales_may_do_none_of_it(web: TestClient, keel: Keel) -> None:
    invoice = issued(web, keel)
    path = f"/invoices/{invoice}"
    log_in(web, "ana")
    page = web.get(path).text
    blank = send(web, f"{path}/void", {"version": version_in(page), "reason": ""}, page)
    assert blank.status_code == 422 and 'id="void-reason-error"' in blank.text  # type: ignore[attr-defined]
    forged = web.post(f"{path}/void", data={"version": version_in(page), "reason": "x"}, headers=ORIGIN)
    assert forged.status_code == 403 and web.get(f"/v1/invoices/{invoice}").json()["status"] == "issued"
    log_in(web, "sam")
    page = web.get(path).text
    assert 'action="' + path + '/void"' not in page and f'href="{path}/pdf"' in page  # sales reads invoices
    for action, form in (
        ("send", {"version": "2"}),
        ("credit-notes", {"reason": "x"}),
        ("void", {"version": "2", "reason": "x"}),
    ):
        assert send(web, f"{path}/{action}", form, page).status_code == 403, action  # type: ignore[attr-defined]
    log_in(web, "ana")
    page = web.get(path).text
    voided = send(web, f"{path}/void", {"version": version_in(page), "reason": "duplicate"}, page)
    assert voided.status_code == 303 and web.get(f"/v1/invoices/{invoice}").json()["status"] == "voided"  # type: ignore[attr-defined]
    assert "duplicate" in web.get(path).text

"""Customers in the web app (issue 20, ADR 0048), on SQLite and PostgreSQL: the list and the
customer 360 show what the API answers for the same as_of and known_at (the same digest); search
narrows the list; a customer registered through the form opens on its 360; contacts, activities
and follow-ups go through the API's commands; a refusal is shown beside its field with the API's
status and nothing is written; roles, CSRF and escaping hold."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from web_support import ORIGIN, csrf_of, log_in, web_client

from api.system import Keel

SCRIPT = "<script>alert(1)</script>"
TIMES = ({"as_of": "2026-09-30"}, {"as_of": "2026-07-05"}, {"as_of": "2026-09-30", "known_at": "40"}, {})


@pytest.fixture
def web(keel: Keel) -> Iterator[TestClient]:
    with web_client(keel) as client:
        yield client


def digest_of(html: str) -> str:
    found = re.search(r'<code id="digest">([^<]+)</code>', html)
    assert found, "no provenance footer"
    return found[1]


def customer_ids(html: str) -> list[str]:
    return re.findall(r'<tr id="customer-([0-9a-f-]{36})">', html)


def register(web: TestClient, name: str, **more: str) -> object:
    form = web.get("/customers/new")
    assert form.status_code == 200
    data = {"csrf": csrf_of(form.text), "name": name, **more}
    return web.post("/customers/new", data=data, headers=ORIGIN, follow_redirects=False)


def test_the_list_and_the_360_are_the_apis_answers_in_time(web: TestClient) -> None:
    assert log_in(web, "sam").status_code == 303
    for time in TIMES:
        query = urlencode(time)
        page = web.get(f"/customers?{query}")
        api = web.get(f"/v1/customers?{query}").json()
        assert page.status_code == 200 and digest_of(page.text) == api["provenance"]["digest"]
        assert customer_ids(page.text) == [c["id"] for c in api["items"]]
        for customer in api["items"]:
            assert f">{customer['name']}</a>" in page.text
    assert 'aria-current="page">Customers' in web.get("/customers").text  # the menu entry
    few = web.get("/customers?as_of=2026-07-02")  # before Atlas and Blue Harbor were registered
    assert "Northwind Studio" in few.text and "Atlas Logistics" not in few.text
    everyone = web.get("/v1/customers?as_of=2026-09-30").json()["items"]
    for customer in everyone:
        for time in TIMES:
            query = urlencode(time)
            page = web.get(f"/customers/{customer['id']}?{query}")
            api = web.get(f"/v1/customers/{customer['id']}/360?{query}").json()
            assert page.status_code == 200 and digest_of(page.text) == api["provenance"]["digest"], customer["name"]
            for invoice in api["invoices"]:
                assert f'href="/invoices/{invoice["id"]}' in page.text
            for deal in api["deals"]:
                assert f'href="/deals/{deal["deal_id"]}' in page.text
            for contact in api["contacts"]:
                assert contact["name"] in page.text
            assert page.text.count("<tr><td>") >= len(api["payments"]) + len(api["contacts"])
    northwind = next(c for c in everyone if c["name"].startswith("Northwind Studio"))
    shown = web.get(f"/customers/{northwind['id']}?as_of=2026-09-30")
    api = web.get(f"/v1/customers/{northwind['id']}/360?as_of=2026-09-30").json()
    assert api["invoices"] and all(i["number"] in shown.text for i in api["invoices"] if i["number"])
    assert web.get(f"/customers/{northwind['id']}?as_of=2026-06-30").status_code == 200
    assert web.get("/customers/00000000-0000-0000-0000-000000000000").status_code == 404


def test_search_narrows_the_list_to_the_apis_name_filter(web: TestClient) -> None:
    log_in(web, "sam")
    everyone = customer_ids(web.get("/customers?as_of=2026-09-30").text)
    found = web.get("/customers?as_of=2026-09-30&q=harbor")
    api = web.get("/v1/customers?as_of=2026-09-30&name=harbor").json()
    assert customer_ids(found.text) == [c["id"] for c in api["items"]] and len(api["items"]) == 1 < len(everyone)
    assert "Blue Harbor Inc." in found.text and "Northwind Studio" not in found.text
    assert digest_of(found.text) == api["provenance"]["digest"]
    assert 'href="/v1/customers?as_of=2026-09-30&amp;name=harbor"' in found.text  # the same answer's address
    assert customer_ids(web.get("/customers?q=nobody-is-called-this").text) == []


def test_the_list_pages_by_the_apis_cursor(web: TestClient, keel: Keel) -> None:
    log_in(web, "ana")
    for n in range(101):
        assert web.post("/v1/customers", json={"name": f"Paged {n:03}"}).status_code == 201
    keel.engine.catch_up()
    first = web.get("/customers?q=Paged")
    assert len(customer_ids(first.text)) == 100
    link = re.search(r'<a href="\?([^"]+)" rel="next">', first.text)
    assert link
    second = web.get("/customers?" + link[1].replace("&amp;", "&"))
    api = web.get("/v1/customers?name=Paged").json()
    following = web.get(f"/v1/customers?name=Paged&cursor={api['next_cursor']}").json()
    assert customer_ids(second.text) == [c["id"] for c in following["items"]] and len(following["items"]) == 1
    assert digest_of(second.text) == following["provenance"]["digest"]


def test_registering_a_customer_through_the_form_shows_it(web: TestClient) -> None:
    log_in(web, "sam")
    done = register(web, "Orion Partners", currency="USD", payment_terms_days="20")
    assert done.status_code == 303  # type: ignore[attr-defined]
    location = done.headers["location"]  # type: ignore[attr-defined]
    customer_id = location.removeprefix("/customers/")
    shown = web.get(location)
    assert shown.status_code == 200 and "<h1>Orion Partners</h1>" in shown.text
    api = web.get(f"/v1/customers/{customer_id}").json()
    assert (api["name"], api["currency"], api["payment_terms_days"]) == ("Orion Partners", "USD", 20)
    assert f'id="customer-{customer_id}"' in web.get("/customers?q=orion").text


def test_a_too_long_name_is_refused_beside_the_field_and_nothing_is_written(web: TestClient, keel: Keel) -> None:
    log_in(web, "sam")
    head = keel.app.head_position()
    refused = register(web, "x" * 201)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    text = refused.text  # type: ignore[attr-defined]
    assert re.search(r'id="f-name"[^>]*aria-invalid="true"', text)
    assert re.search(r'<p class="field-error" id="f-name-error">[^<]*200 characters', text)
    bad_currency = register(web, "Fine name", currency="EURO")
    assert bad_currency.status_code == 422 and 'id="f-currency-error"' in bad_currency.text  # type: ignore[attr-defined]
    assert keel.app.head_position() == head


def test_contacts_activities_and_follow_ups_go_through_the_apis_commands(web: TestClient, keel: Keel) -> None:
    log_in(web, "sam")
    customer_id = register(web, "Vega Labs").headers["location"].removeprefix("/customers/")  # type: ignore[attr-defined]
    page = web.get(f"/customers/{customer_id}")
    token = csrf_of(page.text)
    head = keel.app.head_position()
    bad = web.post(
        f"/customers/{customer_id}/contacts",
        data={"csrf": token, "name": "Mia", "email": "not-an-address"},
        headers=ORIGIN,
    )
    assert bad.status_code == 422 and 'id="f-email-error"' in bad.text and "not an email address" in bad.text
    assert keel.app.head_position() == head
    api_bad = web.post(f"/v1/customers/{customer_id}/contacts", json={"name": "Mia", "email": "not-an-address"})
    assert (api_bad.status_code, api_bad.json()["field"]) == (422, "email")  # the field the page marks
    added = web.post(
        f"/customers/{customer_id}/contacts",
        data={"csrf": token, "name": "Mia Koss", "email": "mia@vega.example", "role": "CFO"},
        headers=ORIGIN,
    )
    assert added.status_code == 200 and "The contact was added." in added.text and "mia@vega.example" in added.text
    logged = web.post(
        f"/customers/{customer_id}/activities",
        data={"csrf": token, "kind": "call", "subject": "Kick-off call", "on": "2026-09-02"},
        headers=ORIGIN,
    )
    assert logged.status_code == 200 and "Kick-off call" in logged.text
    api = web.get(f"/v1/customers/{customer_id}/360").json()
    assert [c["name"] for c in api["contacts"]] == ["Mia Koss"]
    assert [t["subject"] for t in api["timeline"]] == ["Kick-off call"]
    assert digest_of(logged.text) == api["provenance"]["digest"]
    late = web.post(
        f"/customers/{customer_id}/follow-ups", data={"csrf": token, "owner": "sam", "due": "someday"}, headers=ORIGIN
    )
    assert late.status_code == 422 and 'id="f-due-error"' in late.text
    before = follow_ups_of(web, "sam")
    due = (keel.app.today() + timedelta(days=7)).isoformat()
    scheduled = web.post(
        f"/customers/{customer_id}/follow-ups", data={"csrf": token, "owner": "sam", "due": due}, headers=ORIGIN
    )
    assert scheduled.status_code == 200, re.findall(r"role=\"alert\">([^<]*)<", scheduled.text)
    assert "The follow-up was scheduled" in scheduled.text
    assert follow_ups_of(web, "sam") == before + 1


def follow_ups_of(web: TestClient, owner: str) -> int:
    """The owner's open follow-ups as the API's follow-ups report counts them."""
    report = web.get("/v1/reports/follow-ups").json()
    return sum(o["overdue"] + o["due_today"] + o["upcoming"] for o in report["owners"] if o["owner"] == owner)


def test_roles_and_forged_forms_are_refused(web: TestClient, keel: Keel) -> None:
    log_in(web, "oli")  # the auditor reads customers, writes nothing
    assert web.get("/customers").status_code == 200
    form = web.get("/customers/new")
    assert form.status_code == 403 and "Registering a customer needs one of the roles" in form.text
    listed = web.get("/customers").text
    assert 'href="/customers/new"' not in listed
    customer_id = customer_ids(listed)[0]
    page = web.get(f"/customers/{customer_id}")
    assert page.status_code == 200 and 'action="/customers/' not in page.text  # no forms to act
    token = csrf_of(page.text)  # the logout form's
    head = keel.app.head_position()
    assert web.post("/customers/new", data={"csrf": token, "name": "Nope"}, headers=ORIGIN).status_code == 403
    contact = {"csrf": token, "name": "Nope"}
    assert web.post(f"/customers/{customer_id}/contacts", data=contact, headers=ORIGIN).status_code == 403
    log_in(web, "ana")  # the accountant registers customers but does not work the CRM
    assert web.get("/customers/new").status_code == 200
    token = csrf_of(web.get(f"/customers/{customer_id}").text)
    assert (
        web.post(f"/customers/{customer_id}/contacts", data=contact | {"csrf": token}, headers=ORIGIN).status_code
        == 403
    )
    log_in(web, "ian")  # the analyst reads the list and the 360, registers nobody
    assert web.get("/customers").status_code == 200 and web.get(f"/customers/{customer_id}").status_code == 200
    assert web.get("/customers/new").status_code == 403
    log_in(web, "ada")  # the administrator: neither
    assert web.get("/customers").status_code == 403 and web.get(f"/customers/{customer_id}").status_code == 403
    log_in(web, "sam")
    missing = web.post("/customers/new", data={"name": "No token"}, headers=ORIGIN)
    assert missing.status_code == 403 and "CSRF" in missing.text
    other_site = {"csrf": csrf_of(web.get("/customers/new").text), "name": "Elsewhere"}
    assert web.post("/customers/new", data=other_site, headers={"Origin": "https://evil.example"}).status_code == 403
    assert keel.app.head_position() == head


def test_a_script_in_a_name_renders_as_text(web: TestClient) -> None:
    log_in(web, "sam")
    done = register(web, f"Evil {SCRIPT} Ltd")
    location = done.headers["location"]  # type: ignore[attr-defined]
    for path in ("/customers?q=evil", location):
        text = web.get(path).text
        assert SCRIPT not in text and "Evil &lt;script&gt;alert(1)&lt;/script&gt; Ltd" in text
        assert re.findall(r"<script[^>]*>(.*?)</script>", text, re.S) == ["", ""] and " style=" not in text

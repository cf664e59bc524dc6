"""Customers in a real browser (issue 20, ADR 0048), over the shared Keel server: a salesperson
searches the list for a demo customer, opens its 360 — the API's answer, the same digest at the
same moment — and registers a customer of this test's own through the form, which then opens on
its 360 and is what the API has. The run saves the README's screenshots ``customers`` and
``customer-360``."""

from __future__ import annotations

import time

import httpx
import pytest
from browser_support import logged_in, shot
from playwright.sync_api import Browser, expect

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_a_salesperson_searches_opens_the_360_and_registers_a_customer(server: str, browser: Browser) -> None:
    page = logged_in(browser, server, "sam", "/customers")
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    page.get_by_label("Search by name").fill("northwind")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=northwind*")
    api = httpx.get(f"{server}/v1/customers", params={"name": "northwind"}, timeout=30).json()
    assert api["items"], "the demo has Northwind"
    rows = page.locator("table.customers tbody tr")
    expect(rows).to_have_count(len(api["items"]))
    assert page.locator("#digest").inner_text() == api["provenance"]["digest"]
    northwind = api["items"][0]
    shot(page, "customers")

    page.get_by_role("link", name=northwind["name"]).click()
    page.wait_for_url(f"**/customers/{northwind['id']}*")
    expect(page.get_by_role("heading", name=northwind["name"], level=1)).to_be_visible()
    full = httpx.get(f"{server}/v1/customers/{northwind['id']}/360", timeout=30).json()
    assert page.locator("#digest").inner_text() == full["provenance"]["digest"]
    for invoice in full["invoices"]:
        if invoice["number"]:
            expect(page.get_by_role("link", name=invoice["number"], exact=True)).to_have_attribute(
                "href", f"/invoices/{invoice['id']}"
            )
    shot(page, "customer-360")

    name = f"Browser customer {time.time_ns()}"
    page.goto(f"{server}/customers")
    page.get_by_role("link", name="Register a customer").click()
    page.wait_for_url("**/customers/new")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Payment terms (days)").fill("21")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    customer_id = page.url.split("/customers/")[1].split("?")[0]
    registered = httpx.get(f"{server}/v1/customers/{customer_id}", timeout=30).json()
    assert (registered["name"], registered["payment_terms_days"]) == (name, 21)


def test_the_360_reads_on_a_phone(server: str, browser: Browser) -> None:
    northwind = httpx.get(f"{server}/v1/customers", params={"name": "northwind"}, timeout=30).json()["items"][0]
    page = logged_in(browser, server, "sam", f"/customers/{northwind['id']}", width=390)
    expect(page.get_by_role("heading", name=northwind["name"], level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # wide tables scroll in their own box
    page.get_by_text("Add a contact").click()
    expect(page.get_by_label("E-mail")).to_be_visible()

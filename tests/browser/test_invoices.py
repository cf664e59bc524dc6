"""Invoices and bills in Chromium (issue 20): an accountant drafts an invoice, issues it and records
part of its payment through the forms, and the receivables ageing over the API moves by what is
still owed; marks it sent, credits a line and previews its PDF; then pays part of a bill."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from browser_support import logged_in, shot
from playwright.sync_api import Browser, expect

from api import schemas
from api.schemas.documents import BillingDetailsBody
from api.system import Keel
from ledger.events import Meta

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_draft_issue_and_part_pay_through_the_forms(
    server: str, keel_server: tuple[str, Keel], browser: Browser
) -> None:
    keel = keel_server[1]
    name = "Forms Customer Ltd"
    meta = Meta("test:browser")
    done = keel.app.handle(schemas.RegisterCustomerBody(name=name).to_command(meta))
    address = {
        "street": "Main Street 1",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
        "email": "ap@forms.example",
    }
    billed = keel.app.handle(BillingDetailsBody.model_validate(address).to_command(meta, done.id))  # for its PDF
    keel.engine.wait_for(billed.position, ())
    before = Decimal(httpx.get(f"{server}/v1/reports/ageing/receivables").json()["total"])

    page = logged_in(browser, server, "ana", "/invoices/new")
    page.get_by_label("Customer").select_option(label=name)
    page.get_by_label("Description").fill("Discovery workshop")
    page.get_by_label("Quantity").fill("3")
    page.get_by_label("Unit price").fill("800.00")
    page.get_by_label("Tax %").fill("24")
    page.get_by_role("button", name="Draft").click()
    expect(page.locator("#done")).to_have_text("The invoice was drafted.")
    page.get_by_role("button", name="Issue").click()
    expect(page.locator("#done")).to_have_text("The invoice was issued.")
    invoice = page.url.split("/invoices/")[1].split("?")[0]
    page.get_by_label("Amount").fill("1000.00")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.locator("#done")).to_have_text("The payment was recorded.")
    expect(page.locator("#status")).to_have_text("partially paid")

    owed = Decimal(httpx.get(f"{server}/v1/invoices/{invoice}").json()["outstanding"])
    assert owed == Decimal("2976.00") - Decimal("1000.00")
    after = Decimal(httpx.get(f"{server}/v1/reports/ageing/receivables").json()["total"])
    assert after == before + owed  # one test at a time on this server

    page.get_by_role("button", name="Mark sent").click()
    expect(page.locator("#done")).to_have_text("The invoice was marked sent.")
    page.get_by_text("Issue a credit note").click()
    form = page.get_by_role("form", name="Issue a credit note")
    form.get_by_label("Reason").fill("One session was cancelled")
    form.get_by_label("Line").fill("Workshop session")
    form.get_by_label("Unit price").fill("800.00")
    form.get_by_role("button", name="Issue the credit note").click()
    expect(page.locator("#done")).to_have_text("The credit note was issued.")
    expect(page.locator("#credited")).to_contain_text("992.00")
    pdf = page.request.get(server + (page.get_by_role("link", name="preview").first.get_attribute("href") or ""))
    assert pdf.ok, pdf.text()
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    shot(page, "invoice")
    page.goto(f"{server}/invoices?status=issued")
    shot(page, "invoices")
    page.close()


def test_pay_part_of_a_bill_through_its_form(server: str, keel_server: tuple[str, Keel], browser: Browser) -> None:
    page = logged_in(browser, server, "ana", "/bills?status=open")
    shot(page, "bills")
    page.locator("table.report tbody a[href^='/bills/']").first.click()
    bill = page.url.split("/bills/")[1]
    owed = Decimal(httpx.get(f"{server}/v1/bills/{bill}").json()["open"])
    page.get_by_label("Amount").fill("10.00")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.locator("#done")).to_have_text("The payment was recorded.")
    assert Decimal(httpx.get(f"{server}/v1/bills/{bill}").json()["open"]) == owed - Decimal("10.00")
    page.close()

"""Invoices in Chromium (issue 20): an accountant drafts an invoice, issues it and records part of its
payment through the forms, and the receivables ageing over the API moves by what is still owed."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from browser_support import logged_in, shot
from playwright.sync_api import Browser, expect

from api import schemas
from api.system import Keel
from ledger.events import Meta

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_draft_issue_and_part_pay_through_the_forms(
    server: str, keel_server: tuple[str, Keel], browser: Browser
) -> None:
    keel = keel_server[1]
    name = "Forms Customer Ltd"
    done = keel.app.handle(schemas.RegisterCustomerBody(name=name).to_command(Meta("test:browser")))
    keel.engine.wait_for(done.position, ())
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
    shot(page, "invoice")

    owed = Decimal(httpx.get(f"{server}/v1/invoices/{invoice}").json()["outstanding"])
    assert owed == Decimal("2976.00") - Decimal("1000.00")
    after = Decimal(httpx.get(f"{server}/v1/reports/ageing/receivables").json()["total"])
    assert after == before + owed  # one test at a time on this server
    page.goto(f"{server}/invoices?status=issued")
    shot(page, "invoices")
    page.close()

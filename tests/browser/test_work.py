"""Approvals and the week timesheet in a real browser (issue 20, ADR 0048): Ana approves a claim
routed to her from the inbox, then types hours into a person's week and saves them; the API sees
the claim approved and the week's hours, and the grid's totals are the API's. The server is
shared: the test makes its own cost center, claim and person, and compares with the API then."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest
from browser_support import logged_in, shot
from playwright.sync_api import Browser, expect

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def _api(server: str, path: str, body: dict[str, Any], actor: str = "test:browser") -> dict[str, Any]:
    answered = httpx.post(f"{server}/v1{path}", json=body, headers={"X-Keel-Actor": actor})
    assert answered.status_code in (200, 201), answered.text
    found: dict[str, Any] = answered.json()
    return found


def test_approve_a_claim_from_the_inbox_and_enter_a_week_of_hours(server: str, browser: Browser) -> None:
    tag = uuid4().hex[:6]
    _api(server, "/cost-centers", {"code": f"ANA-{tag}", "name": "Ana's desk", "manager": "ana"})
    what = f"Train to the Kite workshop {tag}"
    claim = _api(
        server,
        "/expense-claims",
        {
            "category": "travel",
            "description": what,
            "amount": "86.40",
            "receipt_reference": "R-9",
            "cost_center": f"ANA-{tag}",
        },
        actor="jon",
    )
    page = logged_in(browser, server, "ana", "/approvals")
    item = page.locator("li.approval", has_text=what)
    expect(item).to_be_visible()
    expect(item.locator(".amount")).to_contain_text("86.40")
    shot(page, "approvals")
    item.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status").filter(has_text=f"You approved {what}")).to_be_visible()
    expect(page.locator("li.approval", has_text=what)).to_have_count(0)
    after = httpx.get(f"{server}/v1/expense-claims/{claim['id']}", params={"min_position": claim["position"]}).json()
    assert after["status"] == "approved" and after["approvals"] == ["ana"]

    handle = f"w{tag}"
    terms = {"effective": "2026-01-01", "role": "designer", "cost_center": "DESIGN", "weekly_capacity": "40"}
    _api(
        server,
        "/people",
        {"handle": handle, "name": f"Wren {tag}", "terms": {**terms, "cost_rate": "50", "bill_rate": "90"}},
    )
    page.goto(f"{server}/timesheet?person={handle}&week=2026-W42")
    expect(page.get_by_role("heading", name="Timesheet")).to_be_visible()
    row = page.locator("tbody tr", has_text="Kite")
    row.get_by_role("textbox").nth(0).fill("7.5")
    row.get_by_role("textbox").nth(1).fill("6")
    row.get_by_role("textbox").nth(2).fill("4.25")
    page.get_by_role("button", name="Save hours").click()
    expect(page.get_by_role("status").filter(has_text="Saved 3 change(s).")).to_be_visible()
    sheet = httpx.get(f"{server}/v1/timesheets/{handle}/2026-10-12").json()
    assert sorted(Decimal(e["hours"]) for e in sheet["entries"]) == [Decimal("4.25"), Decimal("6"), Decimal("7.5")]
    assert Decimal(page.locator("#week-total").inner_text()) == Decimal(sheet["total_hours"]) == Decimal("17.75")
    expect(row.get_by_role("textbox").nth(0)).to_have_value("7.5")
    shot(page, "timesheet")
    row.get_by_role("textbox").nth(3).fill("-1")  # refused beside its cell; nothing written
    page.get_by_role("button", name="Save hours").click()
    expect(row.locator(".field-error")).to_contain_text("cannot be negative")
    assert httpx.get(f"{server}/v1/timesheets/{handle}/2026-10-12").json()["version"] == sheet["version"]
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the grid scrolls inside itself
    page.goto(f"{server}/timesheet?person={handle}&week=2026-W42")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

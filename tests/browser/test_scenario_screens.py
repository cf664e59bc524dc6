"""What-if scenarios in a real browser (issue 23, ADR 0066), over the shared Keel server: an
accountant makes a scenario, adds a hire through the form, and sees the cash forecast beside the
books' — the chart and the difference per month, the same figures as ``GET
/v1/reports/cash-forecast/compare``; a negative cost is refused beside its field and nothing is
added. Nothing reaches the books: the log's head is where it was. The run saves the README's
screenshot ``scenario``."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import httpx
import pytest
from browser_support import logged_in, shot
from playwright.sync_api import Browser, expect

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_an_accountant_adds_a_hire_and_sees_the_forecast_beside_the_books(server: str, browser: Browser) -> None:
    head = httpx.get(f"{server}/v1/health", timeout=30).json()["head"]
    page = logged_in(browser, server, "ana", "/scenarios")
    expect(page.get_by_role("heading", name="Scenarios", level=1)).to_be_visible()
    name = f"hire-{time.time_ns() % 10**9}"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Make").click()
    page.wait_for_url(f"**/scenarios/{name}")
    expect(page.get_by_role("heading", name=f"Scenario {name}", level=1)).to_be_visible()

    as_of = date.fromisoformat(page.get_by_label("As of", exact=True).input_value())
    first = date(as_of.year + (as_of.month == 12), as_of.month % 12 + 1, 1)  # the next month's first day
    page.get_by_label("Kind").select_option("hire")
    page.get_by_label("Role or cost").fill("Designer")
    page.get_by_label("Monthly cost").fill("-5")
    page.get_by_label("From", exact=True).fill(first.isoformat())
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#f-monthly_cost-error")).to_be_visible()  # refused beside its field
    assert httpx.get(f"{server}/v1/scenarios/{name}", timeout=30).json()["assumptions"] == []

    page.get_by_label("Monthly cost").fill("5000")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(f"**/scenarios/{name}")
    expect(page.locator("ol.assumptions li")).to_have_text([f"hire Designer: 5000 a month from {first}"])
    expect(page.locator("#chart-scenario")).to_be_visible()

    to = page.get_by_label("To", exact=True).input_value()
    asked = {"scenario": name, "as_of": as_of.isoformat(), "to": to, "by": "month", "limit": 0}
    api = httpx.get(f"{server}/v1/reports/cash-forecast/compare", params=asked, timeout=30).json()
    shown = page.locator("table.compared tbody td.difference").all_inner_texts()
    assert [Decimal(t.replace(",", "")) for t in shown] == [Decimal(d["net"]) for d in api["difference"]]
    assert Decimal(api["difference"][-1]["net"]) == Decimal("-5000.00")  # the hire, every month from the next
    assert httpx.get(f"{server}/v1/health", timeout=30).json()["head"] == head
    shot(page, "scenario")


def test_a_retainers_new_fee_from_the_form_moves_its_months_by_the_difference(server: str, browser: Browser) -> None:
    """The demo's Helios retainer (1,500 a month, 24 % tax) at 2,000 from next month: each of its
    receipts after that month is 620.00 more; nothing before it moves."""
    page = logged_in(browser, server, "ana", "/scenarios")
    name = f"price-{time.time_ns() % 10**9}"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Make").click()
    page.wait_for_url(f"**/scenarios/{name}")
    as_of = date.fromisoformat(page.get_by_label("As of", exact=True).input_value())
    first = date(as_of.year + (as_of.month == 12), as_of.month % 12 + 1, 1)

    page.get_by_label("Kind").select_option("retainer_price")
    page.get_by_label("Retainer").select_option(label="Helios social content")
    page.get_by_label("New monthly fee").fill("2000")
    page.get_by_label("From", exact=True).fill(first.replace(day=2).isoformat())
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("alert")).to_contain_text("a retainer's fee changes from the first day of a month")
    assert httpx.get(f"{server}/v1/scenarios/{name}", timeout=30).json()["assumptions"] == []

    page.get_by_label("From", exact=True).fill(first.isoformat())
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(f"**/scenarios/{name}")
    expect(page.locator("ol.assumptions li")).to_contain_text([f"at 2000 a month from {first}"])
    shown = page.locator("table.compared tbody td.difference").all_inner_texts()
    moved = [Decimal(t.replace(",", "")) for t in shown]
    assert any(moved) and all(d % Decimal("620.00") == 0 and d >= 0 for d in moved), moved

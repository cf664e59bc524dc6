"""Sales rules in a real browser (issue 23, ADR 0067), over the shared Keel server: a sales user
describes "a deal enters Proposal → a follow-up in 3 days", tests it against the demo's quarter
(the rows are the API's test answer, and nothing is written), is refused beside the field for a
rule that would loop, then saves it and sees it in the list. The run saves the README's screenshot
``rules`` (the quarter's test)."""

from __future__ import annotations

import httpx
import pytest
from browser_support import logged_in, shot
from playwright.sync_api import Browser, expect

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
QUARTER = ("2026-07-01", "2026-09-30")


def test_a_sales_user_tests_a_rule_against_the_quarter_then_saves_it(server: str, browser: Browser) -> None:
    head = httpx.get(f"{server}/v1/health", timeout=30).json()["head"]
    page = logged_in(browser, server, "sam", "/rules")
    expect(page.get_by_role("heading", name="Sales rules", level=1)).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Proposal follow-up")
    page.get_by_label("When", exact=True).select_option("deal_entered_stage")
    page.get_by_label("Stage entered").select_option("proposal")
    page.get_by_label("Do", exact=True).select_option("create_followup")
    page.get_by_label("Follow-up in (days)").fill("3")
    page.get_by_label("Test from").fill(QUARTER[0])
    page.get_by_label("Test to").fill(QUARTER[1])
    page.get_by_role("button", name="Test against history").click()
    expect(page.locator("#tested")).to_be_visible()

    rule = {"name": "Proposal follow-up", "trigger": "deal_entered_stage", "stage": "proposal"}
    rule |= {"action": "create_followup", "in_days": 3}
    body = {"rule": rule, "from": QUARTER[0], "to": QUARTER[1]}
    api = httpx.post(f"{server}/v1/sales-rules/test", json=body, timeout=30).json()
    rows = page.locator("table.tested tbody tr").all_inner_texts()
    assert api["total"] > 0 and len(rows) == api["total"]
    assert [r.split("\t")[-1] for r in rows] == [i["summary"] for i in api["items"]]
    assert httpx.get(f"{server}/v1/health", timeout=30).json()["head"] == head  # a test writes nothing
    shot(page, "rules")

    page.get_by_label("Do", exact=True).select_option("move_stage")
    page.get_by_label("Move to stage").select_option("proposal")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("#f-action-error")).to_contain_text("would loop")  # refused beside its field
    assert httpx.get(f"{server}/v1/health", timeout=30).json()["head"] == head

    page.get_by_label("Do", exact=True).select_option("create_followup")
    page.get_by_label("Move to stage").select_option("")
    page.get_by_role("button", name="Save rule").click()
    page.wait_for_url("**/rules")
    expect(page.locator("table.rules tbody tr").first).to_contain_text("Proposal follow-up")
    listed = httpx.get(f"{server}/v1/sales-rules", timeout=30).json()["items"]
    assert [r["description"] for r in listed if r["name"] == "Proposal follow-up"] == [
        "when a deal enters proposal: a follow-up for the owner in 3 days"
    ]

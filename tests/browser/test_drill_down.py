"""Drill-down in a real browser (issue 20, ADR 0048): an auditor clicks a trial-balance amount, an
entry of the account, the event that posted it and its aggregate's history, and sees the event the
API's log holds at that position; the audit page shows the chain as the API checks it. The shared
server changes under other tests: each figure is compared with the API at the same moment."""

from __future__ import annotations

import httpx
import pytest
from browser_support import logged_in, shot
from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_an_auditor_follows_an_amount_to_its_event_and_history(server: str, browser: Browser) -> None:
    page = logged_in(browser, server, "oli", "/reports/trial-balance?as_of=2026-09-30")
    page.locator("a.drill").first.click()
    page.wait_for_url("**/accounts/**")
    code = page.url.split("/accounts/")[1].split("?")[0]
    assert page.get_by_role("heading", name=f"Ledger {code}").is_visible()
    page.locator("a.event").first.click()
    page.wait_for_url("**/events/**")
    position = int(page.locator("#event-position").inner_text())
    api = httpx.get(f"{server}/v1/events", params={"after": position - 1, "limit": 1}).json()["events"][0]
    assert (api["position"], api["topic"]) == (position, page.locator("#topic").inner_text())
    shot(page, "drill-down")
    page.locator("#aggregate").click()
    page.wait_for_url(f"**/audit/{api['aggregate_id']}")
    history = httpx.get(f"{server}/v1/aggregates/{api['aggregate_id']}/history").json()
    assert page.locator("ol.history > li").count() == len(history)
    assert page.get_by_role("link", name=api["topic"]).first.is_visible()
    page.get_by_role("link", name="Audit", exact=True).first.click()
    page.wait_for_url(f"{server}/audit")
    page.get_by_role("button", name="Verify the whole chain").click()
    page.wait_for_url(f"{server}/audit?verify=true*")
    chain = httpx.get(f"{server}/v1/audit/verify").json()
    assert chain["ok"] and page.locator("#chain-status").inner_text().startswith("Intact")
    assert int(page.locator("#head-position").inner_text()) >= chain["head_position"] - 50  # others may append
    shot(page, "audit")
    page.close()


def test_the_audit_pages_read_on_a_phone(server: str, browser: Browser) -> None:
    page = logged_in(browser, server, "oli", "/audit", width=390)
    wide = "document.documentElement.scrollWidth"
    assert page.evaluate(wide) <= 390
    page.locator("table.report a").first.click()  # the latest event
    page.wait_for_url("**/events/**")
    assert page.locator("#topic").is_visible() and page.evaluate(wide) <= 390
    page.locator("#aggregate").click()
    page.wait_for_url("**/audit/**")
    assert page.locator("ol.history > li").first.is_visible() and page.evaluate(wide) <= 390
    page.get_by_label("Known at").fill("1")  # as known at the log's first position: nothing of it, or its start
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**known_at=1")
    assert page.locator("ol.history > li").count() >= 1
    page.close()

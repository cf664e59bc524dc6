"""The web app in a real browser (issue 20, ADR 0048): Debian's Chromium driven by Playwright, over a
Keel server on PostgreSQL with the demo. A person logs in, opens the trial balance, moves the
known-at control back to 4 August, and sees the API's figures and provenance digest; the page
loads nothing from outside Keel. The run saves the README's screenshots."""

from __future__ import annotations

import httpx
import pytest
from browser_support import PASSWORD, SHOTS
from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_log_in_rewind_the_trial_balance_and_match_the_api(server: str, browser: Browser) -> None:
    page: Page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    page.goto(f"{server}/reports/trial-balance?as_of=2026-09-30")
    assert page.url.startswith(f"{server}/login")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "login.png"))
    page.get_by_label("Login").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server}/reports/trial-balance?as_of=2026-09-30")
    assert page.get_by_role("heading", name="Trial balance").is_visible()
    api = httpx.get(f"{server}/v1/reports/trial-balance", params={"as_of": "2026-09-30"}).json()
    assert page.locator("#digest").inner_text() == api["provenance"]["digest"]
    page.screenshot(path=str(SHOTS / "trial-balance.png"), full_page=True)
    page.get_by_label("Known at").fill("2026-08-04T18:00:00+00:00")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**known_at=2026-08-04T18*")
    then = httpx.get(
        f"{server}/v1/reports/trial-balance", params={"as_of": "2026-09-30", "known_at": "2026-08-04T18:00:00+00:00"}
    ).json()
    assert page.locator("#digest").inner_text() == then["provenance"]["digest"] != api["provenance"]["digest"]
    assert page.locator("#position").inner_text() == str(then["provenance"]["position"])
    first = then["rows"][0]
    assert page.get_by_role("cell", name=first["account"], exact=True).first.is_visible()
    # The slider over the log's history: letting it go at a position shows the books as known there
    earlier = then["provenance"]["position"] // 2
    page.get_by_role("slider", name="Log history").fill(str(earlier))
    page.wait_for_url(f"**known_at={earlier}*")
    at = httpx.get(f"{server}/v1/reports/trial-balance", params={"as_of": "2026-09-30", "known_at": earlier}).json()
    assert page.locator("#digest").inner_text() == at["provenance"]["digest"]
    assert page.locator("#position").inner_text() == str(at["provenance"]["position"])
    assert outside == []  # every asset the page names is Keel's own: it works with the network unplugged
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{server}/login")

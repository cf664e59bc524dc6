"""Bank reconciliation and the admin screen in a real browser (issue 20, ADR 0048), over the shared
Keel server: an accountant matches a statement line to its suggestion with one click and the API
then says it is matched to what was suggested; an admin adds a person who can then log in. Each
test makes its own records (a bank account of its own, a login of its own) and compares with the
API at the same moment. The run saves the README's screenshots ``bank`` and ``admin``."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from browser_support import logged_in, shot
from playwright.sync_api import Browser, expect

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
STATEMENT = Path(__file__).parents[1] / "fixtures" / "statements" / "camt053_v02_demo.xml"


def own_bank_account(server: str) -> str:
    """A bank account of this test's own (on a ledger account of its own), its statement imported."""
    code = "1090"
    added = httpx.post(
        f"{server}/v1/accounts",
        json={"code": code, "name": "Bank (browser test)", "type": "asset", "subtype": "bank", "on": "2026-09-01"},
    )
    assert added.status_code in (201, 409), added.text
    name = f"Browser bank {time.time_ns()}"
    iban = "GR16 0110 1250 0000 0001 2300 695"
    opened = httpx.post(
        f"{server}/v1/bank-accounts", json={"name": name, "account": code, "iban": iban, "on": "2026-09-01"}
    )
    assert opened.status_code == 201, opened.text
    account = str(opened.json()["id"])
    position = opened.json()["position"]
    done = httpx.post(
        f"{server}/v1/bank-accounts/{account}/statements?min_position={position}",
        files={"file": (STATEMENT.name, STATEMENT.read_bytes(), "application/xml")},
        timeout=30,
    )
    assert done.status_code == 201, done.text
    httpx.get(f"{server}/v1/bank-accounts/{account}/lines?min_position={done.json()['position']}", timeout=30)
    return account


def test_an_accountant_reconciles_a_line_with_one_click(server: str, browser: Browser) -> None:
    account = own_bank_account(server)
    page = logged_in(browser, server, "ana", f"/bank/{account}?unmatched=true")
    expect(page.get_by_role("heading", name="Bank: Browser bank")).to_be_visible()
    row = page.locator("tr", has=page.get_by_role("button", name="Match", exact=False)).first
    line_id = (row.get_attribute("id") or "").removeprefix("line-")
    suggested = row.locator(".suggested").inner_text()
    row.get_by_role("button", name="Match").first.click()
    page.wait_for_url(f"**#line-{line_id}")
    api = httpx.get(f"{server}/v1/bank-accounts/{account}/lines", timeout=30).json()["items"]
    matched_to = next(x["matched_to"] for x in api if x["id"] == line_id)
    assert matched_to and matched_to in suggested  # the API has it matched to what the page suggested
    page.goto(f"{server}/bank/{account}")
    expect(page.locator(f"#line-{line_id} .matched")).to_have_text(f"Matched: {matched_to}")
    shot(page, "bank")
    phone = logged_in(browser, server, "ana", f"/bank/{account}", width=390)
    expect(phone.locator(f"#line-{line_id}")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls, not the page


def test_an_admin_adds_a_person_who_can_then_log_in(server: str, browser: Browser) -> None:
    page = logged_in(browser, server, "ada", "/admin")
    expect(page.get_by_role("heading", name="People who log in")).to_be_visible()
    login = f"bo{time.time_ns() % 10**9}"
    form = page.locator("form[action='/admin/users']")
    form.get_by_label("Login").fill(login)
    form.get_by_label("Name").fill("Bo <script>x</script> Berg")
    form.get_by_label("analyst").check()
    form.get_by_label("Initial password").fill("short")
    form.get_by_role("button", name="Add the person").click()
    expect(page.locator("#f-password-error")).to_contain_text("at least 10 characters")
    form = page.locator("form[action='/admin/users']")
    form.get_by_label("Initial password").fill("a fresh long passphrase")
    form.get_by_role("button", name="Add the person").click()
    page.wait_for_url(f"{server}/admin")
    expect(page.locator(f"#user-{login}")).to_contain_text("Bo <script>x</script> Berg")
    shot(page, "admin")
    phone = logged_in(browser, server, "ada", "/admin", width=390)
    expect(phone.get_by_role("button", name="Add the person")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    other = browser.new_context().new_page()
    other.goto(f"{server}/login?next=/reports/trial-balance")
    other.get_by_label("Login").fill(login)
    other.get_by_label("Password").fill("a fresh long passphrase")
    other.get_by_role("button", name="Log in").click()
    other.wait_for_url(f"{server}/reports/trial-balance")
    expect(other.get_by_role("heading", name="Trial balance")).to_be_visible()

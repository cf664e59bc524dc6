"""The dashboard in a real browser (issue 20, ADR 0048): Ana opens it, sets the known-at control to
the log position the API answers at, and sees the API's cash, receivables and weighted pipeline
with each tile's digest; then she rewinds the profit and loss of July to what was known on
4 August and sees the API's table and digest. The run saves the README's dashboard screenshots.
The server is shared with other tests that write: pages and API are compared at one log position."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from browser_support import logged_in, shot
from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

AS_OF = "2026-09-30"


def grouped(value: str | Decimal) -> str:
    return f"{Decimal(value):,.2f}"


def test_the_dashboard_and_a_rewound_profit_and_loss_are_the_apis(server: str, browser: Browser) -> None:
    page = logged_in(browser, server, "ana", f"/dashboard?as_of={AS_OF}")
    assert page.get_by_role("heading", name="Dashboard", exact=True).is_visible()
    head = httpx.get(f"{server}/v1/reports/pipeline", params={"as_of": AS_OF}).json()["provenance"]["position"]
    page.get_by_label("Known at").fill(str(head))  # one moment for the page and the API, whoever writes
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**known_at={head}*")
    when = {"as_of": AS_OF, "known_at": str(head)}
    cash = httpx.get(
        f"{server}/v1/reports/cash-flow", params={"from": "2026-01-01", "to": AS_OF, "by": "month", "known_at": head}
    ).json()
    owed = httpx.get(f"{server}/v1/reports/ageing/receivables", params={**when, "limit": 1}).json()
    deals = httpx.get(f"{server}/v1/reports/pipeline", params={**when, "by": "stage"}).json()
    assert page.locator("#cash").inner_text() == grouped(cash["periods"][-1]["closing"])
    assert page.locator("#receivables").inner_text() == grouped(owed["total"])
    weighted = sum((Decimal(row["weighted"]) for row in deals["rows"] if row["currency"] == "EUR"), Decimal(0))
    assert page.locator("#pipeline-EUR").inner_text() == grouped(weighted)
    for key, api in (("cash", cash), ("receivables", owed), ("pipeline", deals)):
        assert page.locator(f"#digest-{key}").inner_text() == api["provenance"]["digest"], key
    assert page.locator("#position").inner_text() == str(head)
    chart = page.get_by_role("img", name="Profit or loss per month")
    assert chart.is_visible() and chart.locator("rect").count() > 0
    shot(page, "dashboard")
    phone = logged_in(browser, server, "ana", "/dashboard", width=390)
    phone.goto(f"{server}/dashboard?as_of={AS_OF}&known_at={head}")
    assert phone.get_by_label("Known at").input_value() == str(head)
    assert phone.locator("#cash").inner_text() == grouped(cash["periods"][-1]["closing"])
    wide = phone.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390  # nothing wider than the phone
    shot(phone, "dashboard-phone")

    july = {"from": "2026-07-01", "to": "2026-07-31"}
    page.goto(f"{server}/reports/profit-and-loss?from=2026-07-01&to=2026-07-31")
    page.get_by_label("Known at").fill("2026-08-04")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**known_at=2026-08-04*")
    then = httpx.get(f"{server}/v1/reports/profit-and-loss", params={**july, "known_at": "2026-08-04"}).json()
    rows = {
        tuple(cells)
        for cells in page.locator("table.report tbody tr").evaluate_all(
            "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
        )
    }
    lines = [("income", line) for line in then["income"]] + [("expenses", line) for line in then["expenses"]]
    assert lines
    for section, line in lines:
        assert (section, line["account"], line["name"], "EUR", grouped(line["amount"])) in rows
    accounts = {row[1] for row in rows if not row[2].startswith("Total ")}
    assert accounts == {line["account"] for _, line in lines}  # nothing the API did not say
    assert page.locator("#digest").inner_text() == then["provenance"]["digest"]
    assert page.locator("#position").inner_text() == str(then["provenance"]["position"])

"""The pipeline board in Chromium (issue 20): a deal dragged from Proposal to Won is won over the API,
and a second browser still holding the old board is told someone else changed the deal."""

from __future__ import annotations

import httpx
import pytest
from browser_support import logged_in, shot
from playwright.sync_api import Browser, expect

from api import schemas
from api.system import Keel
from ledger.events import Meta

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
META = Meta("test:browser")


def test_drag_a_deal_to_won_and_a_stale_board_is_told(
    server: str, keel_server: tuple[str, Keel], browser: Browser
) -> None:
    keel = keel_server[1]
    customer = keel.app.handle(schemas.RegisterCustomerBody(name="Dragged Deal Ltd").to_command(META)).id
    body = schemas.OpenDealBody(customer_id=customer, title="Website relaunch", value="18000", stage="proposal")
    deal = keel.app.handle(body.to_command(META))
    keel.engine.wait_for(deal.position, ())
    before = httpx.get(f"{server}/v1/reports/pipeline").json()

    page = logged_in(browser, server, "sam", "/pipeline")
    stale = logged_in(browser, server, "sam", "/pipeline")  # a colleague's board, loaded before the move
    card = page.locator(f"#deal-{deal.id}")
    expect(page.locator('.column[data-stage="proposal"]').locator(f"#deal-{deal.id}")).to_be_visible()
    shot(page, "pipeline")
    card.drag_to(page.locator('.column[data-stage="won"]'))
    expect(page.locator("#board-message")).to_have_text("The deal was moved.")
    expect(page.locator(f"#deal-{deal.id}")).to_have_count(0)  # won: off the open stages
    assert httpx.get(f"{server}/v1/deals/{deal.id}").json()["status"] == "won"
    after = httpx.get(f"{server}/v1/reports/pipeline").json()
    assert after["won"] == before["won"] + 1

    stale.get_by_label("Move to").and_(stale.locator(f"#to-{deal.id}")).select_option("negotiation")
    stale.locator(f"#deal-{deal.id} button").click()
    expect(stale.locator("#board-message")).to_contain_text("changed by someone else since you loaded the board")
    expect(stale.locator(f"#deal-{deal.id}")).to_have_count(0)  # the fresh board: the deal is won
    assert httpx.get(f"{server}/v1/deals/{deal.id}").json()["status"] == "won"
    page.close()
    stale.close()

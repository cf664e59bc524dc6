"""The pipeline board (issue 20) over HTTP, on SQLite and PostgreSQL: its columns are the API's
pipeline report, a card moved through its form is the API's command with If-Match, a stale board
is told so and shown afresh, and nothing moves without the CRM write scope or the CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from web_support import META, ORIGIN, csrf_of, log_in, web_client

from api import schemas
from api.system import Keel
from api.web.render import amount


@pytest.fixture
def web(keel: Keel) -> Iterator[TestClient]:
    with web_client(keel) as client:
        yield client


def open_deal(keel: Keel, title: str, stage: str = "proposal") -> UUID:
    customer = keel.app.handle(schemas.RegisterCustomerBody(name="Board Test Ltd").to_command(META)).id
    body = schemas.OpenDealBody(customer_id=customer, title=title, value="12000", currency="EUR", stage=stage)
    deal = keel.app.handle(body.to_command(META)).id
    keel.engine.catch_up()
    return deal


def version_of(html: str, deal: UUID) -> str:
    found = re.search(rf'action="/pipeline/deals/{deal}/stage".*?name="version" value="(\d+)"', html, re.S)
    assert found
    return found[1]


def test_the_board_shows_the_api_s_pipeline_and_a_move_is_the_api_s_command(web: TestClient, keel: Keel) -> None:
    deal = open_deal(keel, "Board <script>alert(1)</script> deal")
    log_in(web, "sam")
    board = web.get("/pipeline")
    api = web.get("/v1/reports/pipeline", params={"by": "stage"}).json()
    assert board.status_code == 200 and board.text.count('class="card"') == len(
        web.get("/v1/deals", params={"status": "open"}).json()["items"]
    )
    for row in api["rows"]:  # each column's weighted total is the report's
        assert f"{amount(Decimal(row['weighted']), 2, 'en_GB')} {row['currency']}" in board.text
    digest = re.search(r'<code id="digest">([^<]+)</code>', board.text)
    assert digest and digest[1] == api["provenance"]["digest"]
    assert "Board &lt;script&gt;alert(1)&lt;/script&gt; deal" in board.text and "<script>alert(1)" not in board.text
    version = version_of(board.text, deal)
    moved = web.post(
        f"/pipeline/deals/{deal}/stage",
        data={"stage": "negotiation", "version": version, "csrf": csrf_of(board.text)},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert web.get(f"/v1/deals/{deal}").json()["stage"] == "negotiation"
    after = web.get("/v1/reports/pipeline", params={"by": "stage"}).json()
    assert after["provenance"]["digest"] != api["provenance"]["digest"]
    # the same stale version again: someone else moved it first — nothing written, the fresh board shown
    stale = web.post(
        f"/pipeline/deals/{deal}/stage",
        data={"stage": "qualified", "version": version, "csrf": csrf_of(board.text)},
        headers={**ORIGIN, "HX-Request": "true"},
    )
    assert stale.status_code == 409 and "changed by someone else since you loaded the board" in stale.text
    assert web.get(f"/v1/deals/{deal}").json()["stage"] == "negotiation"
    assert version_of(stale.text, deal) != version  # the fresh board carries the new version
    won = web.post(
        f"/pipeline/deals/{deal}/stage",
        data={"stage": "won", "version": version_of(stale.text, deal), "csrf": csrf_of(board.text)},
        headers={**ORIGIN, "HX-Request": "true"},
    )
    assert won.status_code == 200 and web.get(f"/v1/deals/{deal}").json()["status"] == "won"
    assert web.get("/v1/reports/pipeline").json()["won"] == after["won"] + 1


def move(web: TestClient, deal: UUID, stage: str, version: str, csrf: str = "") -> object:
    return web.post(
        f"/pipeline/deals/{deal}/stage", data={"stage": stage, "version": version, "csrf": csrf}, headers=ORIGIN
    )


def test_nothing_moves_without_the_token_or_the_scope_and_a_past_board_is_read_only(
    web: TestClient, keel: Keel
) -> None:
    deal = open_deal(keel, "Guarded deal")
    log_in(web, "sam")
    board = web.get("/pipeline").text
    version = version_of(board, deal)
    forged = web.post(f"/pipeline/deals/{deal}/stage", data={"stage": "won", "version": version}, headers=ORIGIN)
    assert forged.status_code == 403
    unknown = web.post(
        f"/pipeline/deals/{uuid4()}/stage",
        data={"stage": "won", "version": "1", "csrf": csrf_of(board)},
        headers=ORIGIN,
    )
    assert unknown.status_code == 404 and "not moved" in unknown.text
    bad_stage = web.post(
        f"/pipeline/deals/{deal}/stage",
        data={"stage": "nowhere", "version": version, "csrf": csrf_of(board)},
        headers=ORIGIN,
    )
    assert bad_stage.status_code == 422
    assert web.get(f"/v1/deals/{deal}").json()["stage"] == "proposal"
    then = web.get("/pipeline", params={"known_at": "1"})
    assert then.status_code == 200 and "read-only" in then.text and 'class="move"' not in then.text
    log_in(web, "oli")  # the auditor reads, never moves
    page = web.get("/pipeline")
    assert page.status_code == 200 and 'class="move"' not in page.text
    refused = web.post(
        f"/pipeline/deals/{deal}/stage",
        data={"stage": "won", "version": version, "csrf": csrf_of(page.text)},
        headers=ORIGIN,
    )
    assert refused.status_code == 403
    log_in(web, "ada")  # an admin reads no CRM
    assert web.get("/pipeline").status_code == 403


def test_a_deal_s_page_is_the_api_s_deal_then_and_now(web: TestClient, keel: Keel) -> None:
    deal = open_deal(keel, "Deal <b>page</b>")
    log_in(web, "sam")
    now = web.get(f"/deals/{deal}")
    api = web.get(f"/v1/deals/{deal}").json()
    assert now.status_code == 200 and f'id="deal-stage">{api["stage"]} (since {api["since"]})' in now.text
    assert "Deal &lt;b&gt;page&lt;/b&gt;" in now.text and f'href="/audit/{deal}"' not in now.text  # sales: no audit
    assert web.get(f"/deals/{deal}", params={"known_at": "1"}).status_code == 404  # not known then
    assert web.get(f"/deals/{uuid4()}").status_code == 404
    log_in(web, "oli")
    assert f'href="/audit/{deal}"' in web.get(f"/deals/{deal}").text  # the auditor opens its timeline


def test_a_column_shows_its_oldest_deals_and_links_to_the_whole_stage(
    web: TestClient, keel: Keel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.web import pipeline

    monkeypatch.setattr(pipeline, "CARDS", 1)  # the demo's columns are short: one card each
    first, second = open_deal(keel, "Oldest proposal"), open_deal(keel, "Newer proposal")
    log_in(web, "sam")
    listed = web.get("/v1/deals", params={"status": "open", "stage": "proposal", "limit": 1000}).json()["items"]
    assert {d["stage"] for d in listed} == {"proposal"} and len(listed) >= 2  # the API's stage filter
    page = web.get("/pipeline").text
    column = page.split('id="stage-proposal"')[1].split("</section>")[0]
    assert column.count('class="card"') == 1 and f"All {len(listed)} in Proposal" in column
    assert 'href="/pipeline?stage=proposal"' in column
    whole = web.get("/pipeline", params={"stage": "proposal"}).text
    assert whole.count('class="card"') == len(listed) and str(first) in whole and str(second) in whole
    assert 'name="stage" value="proposal"' in whole  # the time controls keep the stage

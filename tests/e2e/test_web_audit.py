"""Drill-down and audit pages (issue 20, ADR 0048) on SQLite and PostgreSQL: from a trial-balance
amount to the account's entries, the event that posted one, and its aggregate's history (replayed
as known at a past position); the hash chain's status; the API's roles; escaping."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from web_support import META, log_in, web_client

from api.system import Keel
from commands import messages as m

EVIL = "<script>alert('x')</script> Corp"


@pytest.fixture
def web(keel: Keel) -> Iterator[TestClient]:
    with web_client(keel) as client:
        yield client


def link(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found, pattern
    return html.unescape(found[1])


def test_a_trial_balance_amount_leads_to_the_event_that_posted_it_and_its_history(web: TestClient) -> None:
    log_in(web, "oli")
    balance = web.get("/reports/trial-balance?as_of=2026-09-30")
    account = link(r'<a class="drill" href="(/accounts/[^"]+)">', balance.text)
    assert account.endswith("?as_of=2026-09-30")
    entries = web.get(account)
    assert entries.status_code == 200
    code = account.split("/")[2].split("?")[0]
    api = web.get(f"/v1/reports/ledger/{code}?from=2026-01-01&to=2026-09-30").json()
    assert f'<code id="digest">{api["provenance"]["digest"]}</code>' in entries.text
    position = api["entries"][0]["position"]
    shown = link(rf'<a class="event" href="(/events/{position})">', entries.text)
    event = web.get(shown)
    posted = web.get(f"/v1/events?after={position - 1}&limit=1").json()["events"][0]
    assert event.status_code == 200
    assert f'<span id="topic">{posted["topic"]}</span>' in event.text
    assert f'<dd id="event-position">{position}</dd>' in event.text
    history_url = link(r'<a id="aggregate" href="([^"]+)">', event.text)
    assert history_url == f"/audit/{posted['aggregate_id']}"
    history = web.get(history_url)
    api_history = web.get(f"/v1/aggregates/{posted['aggregate_id']}/history").json()
    assert history.status_code == 200
    for record in api_history:  # every event of the aggregate, each linking to its page
        assert f'<a href="/events/{record["position"]}">{record["topic"]}</a>' in history.text
    if len(api_history) > 1:  # replayed as known before its last event: the last one is not shown
        earlier = api_history[-1]["position"] - 1
        replay = web.get(f"{history_url}?known_at={earlier}")
        assert f'href="/events/{api_history[-1]["position"]}"' not in replay.text
        assert f'href="/events/{api_history[0]["position"]}"' in replay.text


def test_the_audit_page_shows_the_chain_as_the_api_checks_it(web: TestClient) -> None:
    log_in(web, "oli")
    looked = web.get("/audit")  # the recorded head at once; the whole chain only when asked
    assert looked.status_code == 200 and "Not verified on this page" in looked.text
    page = web.get("/audit?verify=true")
    chain = web.get("/v1/audit/verify").json()
    assert page.status_code == 200 and chain["ok"] and "Intact" in page.text
    assert f'<dd id="head-position">{chain["head_position"]}</dd>' in looked.text
    anchor = web.get("/v1/audit/anchor").json()["anchor"]
    held = web.get("/audit", params={"verify": "true", "anchor": anchor})
    assert held.status_code == 200 and f"the anchor {anchor} holds" in held.text
    assert web.get("/audit", params={"verify": "true", "anchor": "nonsense"}).status_code == 422
    assert f'<dd id="head-position">{chain["head_position"]}</dd>' in page.text
    assert f'<code id="head-hash">{chain["head_hash"]}</code>' in page.text
    assert f'href="/events/{chain["head_position"]}"' in page.text  # the latest events, linked
    latest = web.get(f"/v1/events?after={chain['head_position'] - 1}").json()["events"][0]
    opened = web.get("/audit/open", params={"aggregate_id": f" {latest['aggregate_id']} "}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/audit/{latest['aggregate_id']}"
    assert web.get("/audit/open", params={"aggregate_id": "not-an-id"}).status_code == 422
    assert web.get("/audit/00000000-0000-0000-0000-000000000000").status_code == 404
    assert web.get("/events/999999999").status_code == 404


def test_sales_and_accountants_get_the_apis_answer_on_audit_pages(web: TestClient) -> None:
    log_in(web, "sam")
    for path in ("/accounts/1200?as_of=2026-09-30", "/audit", "/events/1", "/audit/open?aggregate_id=x"):
        assert web.get(path).status_code == 403, path
    log_in(web, "ana")  # the books, but not the audit trail (the API's rules)
    assert web.get("/accounts/1200?as_of=2026-09-30").status_code == 200
    assert web.get("/audit").status_code == 403 and web.get("/events/1").status_code == 403
    assert 'class="event"' not in web.get("/accounts/1200?as_of=2026-09-30").text  # no links she cannot follow
    assert web.get("/accounts/1200?as_of=2026-19-30").status_code == 422  # a malformed date: a 422 page
    assert web.get("/accounts/12%3C00").status_code == 422


def test_a_script_in_a_name_is_text_on_the_ledger_and_event_pages(web: TestClient, keel: Keel) -> None:
    customer = keel.app.handle(m.RegisterCustomer(meta=META, name=EVIL)).id
    lines = (
        m.EntryLineInput(account="6100", debit="10.00", memo=EVIL),
        m.EntryLineInput(account="2400", credit="10.00", party_id=str(customer)),
    )
    keel.app.handle(m.PostJournalEntry(meta=META, memo=EVIL, lines=lines))
    keel.engine.catch_up()
    log_in(web, "oli")
    head = web.get("/v1/audit/verify").json()["head_position"]
    pages = [web.get(f"/accounts/6100?as_of={keel.app.today().isoformat()}"), web.get(f"/audit/{customer}")]
    pages += [web.get(f"/events/{p}") for p in (head - 1, head)]
    for page in pages:
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "&lt;script&gt;alert(" in page.text, page.url

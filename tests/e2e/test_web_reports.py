"""Every report the API serves under /v1/reports/ as a page (issue 20, ADR 0048), on SQLite and
PostgreSQL: the same answer (the digest equal to the API's for the same parameters), the API's
role for the path, the reports index, and amounts that drill down to the account's entries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from web_support import log_in, web_client

from api.system import Keel
from api.web.reports import REPORTS

# the parameters each report is asked with (the API requires ``from`` of a window, ``as_of`` of forecast-vs-actual)
ASKED: dict[str, dict[str, str]] = {
    "trial-balance": {"as_of": "2026-09-30"},
    "balance-sheet": {"as_of": "2026-09-30"},
    "profit-and-loss": {"from": "2026-07-01", "to": "2026-09-30", "by": "month"},
    "receivables": {"as_of": "2026-08-31"},
    "ageing/receivables": {"as_of": "2026-09-30"},
    "ageing/payables": {"as_of": "2026-09-30"},
    "tax-summary": {"from": "2026-07-01", "to": "2026-09-30"},
    "restatement": {"to": "2026-06-30"},
    "cash-flow": {"from": "2026-07-01", "to": "2026-09-30", "by": "month"},
    "cash-forecast": {"as_of": "2026-09-30", "to": "2026-12-31", "by": "month"},
    "forecast-vs-actual": {"as_of": "2026-08-31", "to": "2026-09-30", "by": "month"},
    "pipeline": {"as_of": "2026-09-30", "by": "owner"},
    "conversion": {"as_of": "2026-09-30"},
    "win-rate": {"from": "2026-01-01", "to": "2026-09-30"},
    "follow-ups": {"as_of": "2026-09-30"},
    "margins": {"from": "2026-01-01", "to": "2026-09-30", "by": "customer"},
    "budget-burn": {"as_of": "2026-09-30"},
    "utilisation": {"from": "2026-07-01", "to": "2026-09-30"},
    "work-in-progress": {"as_of": "2026-09-30"},
}


@pytest.fixture
def web(keel: Keel) -> Iterator[TestClient]:
    with web_client(keel) as client:
        yield client


def digest_of(html: str) -> str | None:
    found = re.search(r'<code id="digest">([^<]+)</code>', html)
    return found[1] if found else None


def test_every_report_page_answers_what_the_api_answers(web: TestClient) -> None:
    assert set(ASKED) == set(REPORTS)  # every report the API serves has a page
    log_in(web, "oli")
    for name, params in ASKED.items():
        for known_at in ("", "2026-08-04T18:00:00+00:00"):
            query = urlencode({**params, **({"known_at": known_at} if known_at else {})})
            api = web.get(f"/v1/reports/{name}?{query}")
            shown = web.get(f"/reports/{name}?{query}")
            assert shown.status_code == api.status_code, (name, known_at, api.text)
            if api.status_code == 200:
                assert digest_of(shown.text) == api.json()["provenance"]["digest"], (name, known_at)
                assert f'<strong id="position">{api.json()["provenance"]["position"]}</strong>' in shown.text
            else:  # a refusal (a period never closed …) says why, beside the time controls
                assert api.json()["detail"] in shown.text.replace("&#39;", "'"), name


def test_a_page_starts_a_required_period_and_the_default_grouping_as_the_api_does(web: TestClient) -> None:
    log_in(web, "ana")
    page = web.get("/reports/margins?to=2026-09-30")
    api = web.get("/v1/reports/margins?from=2026-01-01&to=2026-09-30").json()
    assert digest_of(page.text) == api["provenance"]["digest"]
    assert '<option value="project" selected>' in page.text
    assert web.get("/reports/margins?by=colour").status_code == 422
    assert web.get("/reports/no-such-report").status_code == 404
    assert web.get("/reports/trial-balance?as_of=2026-13-45").status_code == 422  # a malformed date: a 422 page
    assert "as_of" in web.get("/reports/trial-balance?as_of=2026-13-45").text
    assert web.get("/reports/trial-balance?as_of=1800-01-01").status_code == 422  # before the first day Keel reads
    blank = web.get("/reports/utilisation?as_of=&from=2026-07-01&to=&by=&known_at=")  # the form's empty fields
    api = web.get("/v1/reports/utilisation?from=2026-07-01").json()
    assert blank.status_code == 200 and digest_of(blank.text) == api["provenance"]["digest"]


def test_roles_are_the_apis_rules_for_the_same_path(web: TestClient) -> None:
    log_in(web, "sam")  # sales reads its CRM reports, not the books
    assert web.get("/reports/pipeline?as_of=2026-09-30").status_code == 200
    assert web.get("/reports/win-rate?from=2026-01-01").status_code == 200
    assert web.get("/reports/trial-balance").status_code == 403
    assert web.get("/reports/margins").status_code == 403
    index = web.get("/reports/")
    assert index.status_code == 200 and 'href="/reports/pipeline"' in index.text
    assert 'href="/reports/trial-balance"' not in index.text
    log_in(web, "ian")  # the analyst reads every report
    index = web.get("/reports/")
    assert all(f'href="/reports/{name}"' in index.text for name in REPORTS)
    assert 'href="/reports/" aria-current="page">Reports</a>' in index.text  # the menu's entry


def test_trial_balance_amounts_drill_down_to_the_accounts_entries(web: TestClient) -> None:
    log_in(web, "ana")
    query = urlencode({"as_of": "2026-09-30", "known_at": "2026-09-01T00:00:00+00:00"})
    page = web.get(f"/reports/trial-balance?{query}")
    links = re.findall(r'<a class="drill" href="(/accounts/([0-9A-Za-z]+)\?[^"]+)">', page.text)
    assert links and all(href.replace("&amp;", "&").endswith(query) for href, _ in links)
    href, code = links[0]
    ledger = web.get(href.replace("&amp;", "&"))
    api = web.get(f"/v1/reports/ledger/{code}?from=2026-01-01&to=2026-09-30&known_at=2026-09-01T00:00:00%2B00:00")
    assert ledger.status_code == 200 and digest_of(ledger.text) == api.json()["provenance"]["digest"]
    sheet = web.get("/reports/balance-sheet?as_of=2026-09-30")
    assert '<a class="drill" href="/accounts/' in sheet.text
    pnl = web.get("/reports/profit-and-loss?from=2026-07-01&to=2026-09-30")
    assert '<a class="drill" href="/accounts/' in pnl.text and "from=2026-07-01&amp;to=2026-09-30" in pnl.text


def test_a_paged_report_goes_on_from_a_cursor_as_the_api_does(web: TestClient) -> None:
    log_in(web, "ana")
    first = web.get("/v1/reports/ageing/receivables?as_of=2026-09-30&limit=1").json()
    cursor = first["next_cursor"]
    assert cursor  # the demo has more than one open receivable then
    query = urlencode({"as_of": "2026-09-30", "cursor": cursor})
    page = web.get(f"/reports/ageing/receivables?{query}")
    api = web.get(f"/v1/reports/ageing/receivables?{query}").json()
    assert page.status_code == 200 and digest_of(page.text) == api["provenance"]["digest"]
    assert digest_of(page.text) != first["provenance"]["digest"]
    assert 'rel="next"' not in page.text  # the rest fits in one page of 100


def test_the_trial_balance_is_valued_per_transaction_currency_or_in_the_functional_as_the_api_does(
    web: TestClient,
) -> None:
    log_in(web, "ana")
    for valuation in ("transaction", "functional"):
        query = urlencode({"as_of": "2026-09-30", "valuation": valuation})
        page = web.get(f"/reports/trial-balance?{query}")
        api = web.get(f"/v1/reports/trial-balance?{query}").json()
        assert page.status_code == 200 and digest_of(page.text) == api["provenance"]["digest"], valuation
        assert f'<option value="{valuation}" selected>' in page.text
        assert f"valuation={valuation}" in page.text  # the footer's link to the API's same answer
    assert web.get("/reports/trial-balance?valuation=guesswork").status_code == 422

"""The dashboard (issue 20, ADR 0048) over HTTP, on SQLite and PostgreSQL: every tile is the API's
answer for the same as_of and known_at — its figures and its digest — its charts are SVG a screen
reader can read, a sales person is sent to the pipeline, and a date the page cannot read is a 422."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from web_support import META, log_in, web_client

from api.system import Keel
from commands import messages as m

AS_OF = "2026-09-30"
YTD = {"from": "2026-01-01", "to": AS_OF}
# each tile: the API route and parameters the dashboard asks for as_of 2026-09-30
TILES = {
    "cash": ("/v1/reports/cash-flow", {**YTD, "by": "month"}),
    "forecast": ("/v1/reports/forecast-vs-actual", {"as_of": "2026-06-30", "to": AS_OF, "by": "month"}),
    "receivables": ("/v1/reports/ageing/receivables", {"as_of": AS_OF, "limit": "1"}),
    "profit": ("/v1/reports/profit-and-loss", {**YTD, "by": "month"}),
    "pipeline": ("/v1/reports/pipeline", {"as_of": AS_OF, "by": "stage"}),
    "margins": ("/v1/reports/margins", {**YTD, "by": "project"}),
    "utilisation": ("/v1/reports/utilisation", {"as_of": AS_OF, **YTD}),
    "follow-ups": ("/v1/reports/follow-ups", {"as_of": AS_OF}),
}


@pytest.fixture
def web(keel: Keel) -> Iterator[TestClient]:
    with web_client(keel) as client:
        yield client


def shown(html: str, element: str) -> str:
    found = re.search(rf'id="{re.escape(element)}"[^>]*>([^<]*)<', html)
    assert found, element
    return found[1]


def grouped(value: str) -> str:
    """An amount of the API (a decimal string) as the page spells it in en_GB."""
    return f"{Decimal(value):,.2f}"


@pytest.mark.parametrize("known_at", ["", "2026-08-04T18:00:00+00:00", "60"])
def test_the_dashboards_figures_and_digests_are_the_apis(web: TestClient, known_at: str) -> None:
    assert log_in(web, "ana").headers["location"] == "/"
    assert web.get("/", follow_redirects=False).headers["location"] == "/dashboard"
    later = {"known_at": known_at} if known_at else {}
    page = web.get(f"/dashboard?{urlencode({'as_of': AS_OF, **later})}")
    assert page.status_code == 200 and 'aria-current="page">Dashboard' in page.text
    html = page.text.replace("&amp;", "&")
    answers = {}
    for key, (path, params) in TILES.items():
        query = urlencode({**params, **later})
        api = web.get(f"{path}?{query}")
        assert api.status_code == 200, (key, api.text)
        answers[key] = api.json()
        assert shown(html, f"digest-{key}") == answers[key]["provenance"]["digest"], key
        assert f'href="{path}?{query}"' in html, key  # the same answer, one click away
    assert shown(html, "position") == str(answers["cash"]["provenance"]["position"])
    assert shown(html, "cash") == grouped(answers["cash"]["periods"][-1]["closing"])
    assert shown(html, "receivables") == grouped(answers["receivables"]["total"])
    weighted: dict[str, Decimal] = {}
    for row in answers["pipeline"]["rows"]:
        weighted[row["currency"]] = weighted.get(row["currency"], Decimal(0)) + Decimal(row["weighted"])
    assert weighted  # the demo has open deals
    for currency, value in weighted.items():
        assert shown(html, f"pipeline-{currency}") == grouped(str(value))
    overdue = sum(owner["overdue"] for owner in answers["follow-ups"]["owners"])
    assert shown(html, "follow-ups") == str(overdue)
    assert f'href="/reports/pipeline?{urlencode({"as_of": AS_OF, "by": "stage", **later})}"' in html
    assert f'href="/reports/ageing?{urlencode({"kind": "receivables", "as_of": AS_OF, **later})}"' in html


def test_a_past_known_at_shows_less_than_now(web: TestClient) -> None:
    log_in(web, "ana")
    now = web.get(f"/dashboard?as_of={AS_OF}").text
    then = web.get(f"/dashboard?as_of={AS_OF}&known_at=2026-08-04T18:00:00%2B00:00").text
    assert shown(now, "digest-cash") != shown(then, "digest-cash")  # the bank moved after 4 August
    assert 'value="2026-08-04T18:00:00+00:00"' in then  # the time controls keep what was asked


def test_the_charts_are_svg_with_titles_and_nothing_inline(web: TestClient) -> None:
    log_in(web, "ana")
    page = web.get(f"/dashboard?as_of={AS_OF}")
    for chart in ("chart-forecast", "chart-profit"):
        svg = re.search(rf'<svg id="{chart}"[^>]*>(.*?)</svg>', page.text, re.S)
        assert svg, chart
        assert 'role="img"' in svg[0] and 'aria-label="' in svg[0]
        bars = re.findall(r"<rect [^>]*>(.*?)</rect>", svg[1], re.S)
        assert bars and all(re.fullmatch(r"<title>[^<]+ EUR</title>", bar) for bar in bars)
    profit = web.get(f"/v1/reports/profit-and-loss?{urlencode({**YTD, 'by': 'month'})}").json()
    months = sorted({line["group"] for line in profit["income"] + profit["expenses"]})
    assert months and len(re.findall(r'<rect class="bar result', page.text)) == len(months)  # a bar a month
    assert " style=" not in page.text and "<style" not in page.text
    assert re.findall(r"<script[^>]*>(.*?)</script>", page.text, re.S) == ["", ""]
    assert "<script>alert(1)</script>" not in page.text  # Ana's name is text
    assert "Ana &lt;script&gt;alert(1)&lt;/script&gt; Lima" in page.text


def test_who_sees_the_dashboard(web: TestClient) -> None:
    log_in(web, "sam")  # sales reads the CRM, not the reports: the pipeline is theirs
    assert (
        web.get("/", follow_redirects=False).headers["location"] == "/pipeline"
    )  # the first screen of the menu sales sees
    sent = web.get("/dashboard", follow_redirects=False)
    assert (sent.status_code, sent.headers["location"]) == (303, "/pipeline")
    log_in(web, "ada")  # an admin reads neither
    refused = web.get("/dashboard")
    assert refused.status_code == 403 and "needs one of the roles" in refused.text
    assert web.get("/", follow_redirects=False).headers["location"] == "/admin"
    for login in ("oli", "ian"):  # the auditor and the analyst read every report
        log_in(web, login)
        assert web.get(f"/dashboard?as_of={AS_OF}").status_code == 200


def test_a_date_the_page_cannot_read_is_a_422_page(web: TestClient) -> None:
    log_in(web, "ana")
    bad = web.get("/dashboard?as_of=2026-13-01")
    assert bad.status_code == 422 and "as_of" in bad.text and bad.headers["content-type"].startswith("text/html")
    worse = web.get("/dashboard?known_at=yesterday")
    assert worse.status_code == 422 and "known_at" in worse.text


def test_a_script_in_a_name_the_dashboard_shows_is_text(web: TestClient, keel: Keel) -> None:
    log_in(web, "ana")
    deal = next(
        i for i in web.get(f"/v1/reports/follow-ups?as_of={AS_OF}").json()["open_items"] if i["about_kind"] == "deal"
    )
    keel.app.handle(
        m.ScheduleFollowUp(
            meta=META,
            about_kind="deal",
            about_id=UUID(deal["about_id"]),
            owner="<script>x()</script>",
            due=keel.app.today(),
        )
    )
    keel.engine.catch_up()
    page = web.get(f"/dashboard?as_of={keel.app.today() + timedelta(days=1)}")  # overdue the day after
    assert "<li>&lt;script&gt;x()&lt;/script&gt;: 1 overdue</li>" in page.text and "<script>x()" not in page.text

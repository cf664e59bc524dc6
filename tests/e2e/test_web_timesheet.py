"""The week timesheet (issue 20, ADR 0048) over HTTP, on SQLite and PostgreSQL: hours typed into the
grid are the API's time commands — the API's timesheet of that week then holds them, and the
grid's totals are the read model's; bad hours are refused beside their cell with 422 and nothing
is written; a stale page is the API's 412; roles and CSRF hold; names are text, never markup."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_support import ORIGIN, csrf_of, log_in, web_client

from api.demo.ids import demo_id
from api.system import Keel
from ledger.project_terms import project_id_for_deal

KITE = str(project_id_for_deal(demo_id("deal:kite")))  # the demo's active project (22 Sep - 18 Dec 2026)
WEEK, MONDAY = "2026-W41", "2026-10-05"


@pytest.fixture
def web(keel: Keel) -> Iterator[TestClient]:
    with web_client(keel) as client:
        log_in(client, "ana")
        yield client


def hidden(html: str) -> dict[str, str]:
    found = re.search(r'<form method="post" action="/timesheet" class="week-form">(.*?)</form>', html, re.S)
    assert found
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', found[1]))


def api_sheet(web: TestClient, person: str = "maria", monday: str = MONDAY) -> dict[str, Any]:
    found = web.get(f"/v1/timesheets/{person}/{monday}")
    return found.json() if found.status_code == 200 else {"entries": [], "version": 0, "total_hours": "0"}


def by_cell(sheet: dict[str, Any]) -> dict[tuple[str, str], Decimal]:
    cells: dict[tuple[str, str], Decimal] = {}
    for e in sheet["entries"]:
        key = (e["project_id"], e["day"])
        cells[key] = cells.get(key, Decimal(0)) + Decimal(e["hours"])
    return {k: v for k, v in cells.items() if v}


def test_hours_saved_in_the_grid_are_the_apis_timesheet(web: TestClient, keel: Keel) -> None:
    page = web.get(f"/timesheet?person=maria&week={WEEK}")
    assert page.status_code == 200 and 'aria-current="page">Timesheet' in page.text
    assert f'name="h.{KITE}.{MONDAY}"' in page.text and "Kite" in page.text
    assert 'rel="prev">← 2026-W40' in page.text and 'rel="next">2026-W42 →' in page.text
    projects = web.get("/v1/projects", params={"as_of": "2026-10-11", "status": "active"}).json()
    assert f'<code id="digest">{projects["provenance"]["digest"]}</code>' in page.text  # the rows' provenance
    form = {**hidden(page.text), f"h.{KITE}.2026-10-05": "7.5", f"h.{KITE}.2026-10-06": "6"}
    saved = web.post("/timesheet", data=form, headers=ORIGIN, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    sheet = api_sheet(web)
    assert by_cell(sheet) == {(KITE, "2026-10-05"): Decimal("7.5"), (KITE, "2026-10-06"): Decimal("6")}
    shown = web.get(saved.headers["location"])
    assert "Saved 2 change(s)." in shown.text and f'value="{sheet["version"]}"' in shown.text
    assert f'<td class="number" id="week-total">{Decimal(sheet["total_hours"]).normalize():f}</td>' in shown.text
    assert '<td class="number row-total">13.5</td>' in shown.text  # the row, from the read model
    assert re.findall(r'<td class="number day-total">([^<]*)</td>', shown.text)[:3] == ["7.5", "6", "0"]
    again = {**hidden(shown.text), f"h.{KITE}.2026-10-05": "8", f"h.{KITE}.2026-10-06": ""}  # correct, withdraw
    assert web.post("/timesheet", data=again, headers=ORIGIN, follow_redirects=False).status_code == 303
    assert by_cell(api_sheet(web)) == {(KITE, "2026-10-05"): Decimal("8")}
    stale = web.post(
        "/timesheet", data={**form, f"h.{KITE}.2026-10-07": "3"}, headers=ORIGIN
    )  # the first page's version
    assert stale.status_code == 412 and "changed after you opened the page" in stale.text
    assert by_cell(api_sheet(web)) == {(KITE, "2026-10-05"): Decimal("8")}
    ready = web.get(f"/timesheet?person=maria&week={WEEK}")
    submitted = web.post(
        "/timesheet/submit",
        data={"csrf": csrf_of(ready.text), "person": "maria", "week": WEEK},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert submitted.status_code == 303 and api_sheet(web)["status"] == "submitted"
    locked = web.get(f"/timesheet?person=maria&week={WEEK}")
    assert 'id="sheet-status">submitted' in locked.text and f'name="h.{KITE}' not in locked.text
    decision = {"csrf": csrf_of(locked.text), "person": "maria", "week": WEEK}
    no_reason = web.post("/timesheet/reject", data={**decision, "reason": ""}, headers=ORIGIN)
    assert no_reason.status_code == 422 and 'id="reject-reason-error"' in no_reason.text
    assert api_sheet(web)["status"] == "submitted"
    approved = web.post("/timesheet/approve", data=decision, headers=ORIGIN, follow_redirects=False)
    assert approved.status_code == 303 and api_sheet(web)["status"] == "approved"


@pytest.mark.parametrize(
    ("typed", "said"),
    [("-2", "cannot be negative"), ("25", "24 hours"), ("lots", "must be a number"), ("1.234", "must be a number")],
)
def test_bad_hours_are_refused_beside_their_cell_and_nothing_is_written(
    web: TestClient, keel: Keel, typed: str, said: str
) -> None:
    page = web.get(f"/timesheet?person=jon&week={WEEK}")
    form = {**hidden(page.text), f"h.{KITE}.2026-10-05": "4", f"h.{KITE}.2026-10-06": typed}
    refused = web.post("/timesheet", data=form, headers=ORIGIN)
    assert refused.status_code == 422 and "Nothing was saved" in refused.text
    cell = re.search(rf'name="h\.{KITE}\.2026-10-06" value="([^"]*)"(.*?)</td>', refused.text, re.S)
    assert cell and 'aria-invalid="true"' in cell[2] and said in cell[2] and 'class="field-error"' in cell[2]
    assert api_sheet(web, "jon")["entries"] == []  # not even the good cell


def test_roles_csrf_and_names_as_text(web: TestClient, keel: Keel) -> None:
    hired = web.post(
        "/v1/people",
        json={
            "handle": "zed",
            "name": "Zed <script>alert(3)</script>",
            "terms": {
                "effective": "2026-01-01",
                "role": "designer",
                "cost_center": "DESIGN",
                "weekly_capacity": "40",
                "cost_rate": "50",
                "bill_rate": "90",
            },
        },
    )
    assert hired.status_code == 201, hired.text
    keel.engine.catch_up()
    page = web.get(f"/timesheet?person=zed&week={WEEK}")
    assert "Zed &lt;script&gt;alert(3)&lt;/script&gt;" in page.text and "<script>alert(3)" not in page.text
    assert web.get("/timesheet?week=2026-W99").status_code == 422  # no such week
    form = {**hidden(page.text), f"h.{KITE}.2026-10-05": "2"}
    no_token = {k: v for k, v in form.items() if k != "csrf"}
    assert web.post("/timesheet", data=no_token, headers=ORIGIN).status_code == 403
    assert web.post("/timesheet", data={**form, "csrf": "forged"}, headers=ORIGIN).status_code == 403
    assert api_sheet(web, "zed")["entries"] == []
    log_in(web, "oli")  # an auditor reads timesheets, records no time
    read_only = web.get(f"/timesheet?person=zed&week={WEEK}")
    assert read_only.status_code == 200 and f'name="h.{KITE}' not in read_only.text
    refused = web.post("/timesheet", data={**form, "csrf": csrf_of(read_only.text)}, headers=ORIGIN)
    assert refused.status_code == 403 and "needs one of the roles" in refused.text
    log_in(web, "sam")  # sales: no timesheets at all
    assert web.get("/timesheet").status_code == 403
    sales_page = web.get("/approvals")
    refused = web.post("/timesheet", data={**form, "csrf": csrf_of(sales_page.text)}, headers=ORIGIN)
    assert refused.status_code == 403 and api_sheet(web, "zed")["entries"] == []

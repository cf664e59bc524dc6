"""The web app's first pages (issue 20, ADR 0048) over HTTP, on SQLite and PostgreSQL: a person logs
in with a password, sees the trial balance the API answers — the same digest for the same as_of
and known_at — and logs out; sessions, CSRF, roles, lockout and escaping hold."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from web_support import PASSWORD, csrf_of, log_in, web_client

from api.system import Keel
from api.web.sessions import FAILURES
from commands.access.users import find_user


@pytest.fixture
def web(keel: Keel) -> Iterator[TestClient]:
    with web_client(keel) as client:
        yield client


def test_a_person_logs_in_and_sees_the_trial_balance_the_api_answers(web: TestClient, keel: Keel) -> None:
    first = web.get("/reports/trial-balance?as_of=2026-09-30", follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (
        303,
        "/login?next=%2Freports%2Ftrial-balance%3Fas_of%3D2026-09-30",
    )
    done = log_in(web, "ANA", next_page="/reports/trial-balance?as_of=2026-09-30")
    assert done.status_code == 303 and done.headers["location"] == "/reports/trial-balance?as_of=2026-09-30"
    cookie = done.headers["set-cookie"]
    assert "keel_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    for known_at in ("", "60", "2026-08-04T18:00:00+00:00"):
        query = urlencode({"as_of": "2026-09-30", **({"known_at": known_at} if known_at else {})})
        shown = web.get(f"/reports/trial-balance?{query}")
        assert shown.status_code == 200
        api = web.get(f"/v1/reports/trial-balance?{query}").json()
        assert f'<code id="digest">{api["provenance"]["digest"]}</code>' in shown.text
        assert f'<strong id="position">{api["provenance"]["position"]}</strong>' in shown.text
        for row in api["rows"][:5]:  # the API's figures, grouped by thousands on the page
            assert row["account"] in shown.text
    for path, dates in (
        ("balance-sheet", {"as_of": "2026-09-30"}),
        ("receivables", {"as_of": "2026-08-31"}),
        ("profit-and-loss", {"from": "2026-07-01", "to": "2026-07-31"}),
    ):
        for known_at in ("", "2026-08-04T18:00:00+00:00"):
            query = urlencode({**dates, **({"known_at": known_at} if known_at else {})})
            shown = web.get(f"/reports/{path}?{query}")
            api = web.get(f"/v1/reports/{path}?{query}").json()
            assert shown.status_code == 200 and f'<code id="digest">{api["provenance"]["digest"]}</code>' in shown.text
            assert f'href="/v1/reports/{path}?{query}"' in shown.text.replace("&amp;", "&")  # the same answer's address
    year = web.get("/reports/profit-and-loss?to=2026-09-30")  # a page starts the period on 1 January
    assert 'name="from" type="date" value="2026-01-01"' in year.text
    page = web.get("/reports/trial-balance?as_of=2026-09-30")
    assert 'aria-current="page">Reports' in page.text
    assert "Content-Security-Policy" in page.headers and "script-src 'self'" in page.headers["content-security-policy"]
    assert (
        "<script>alert(1)</script>" not in page.text and "Ana &lt;script&gt;alert(1)&lt;/script&gt; Lima" in page.text
    )
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page.text, re.S)
    assert scripts == ["", ""] and " style=" not in page.text  # nothing inline for the CSP to allow
    assert re.findall(r'<script src="([^"]+)"', page.text) == ["/static/vendor/htmx/htmx.min.js", "/static/web/keel.js"]
    assert web.post("/logout", data={"csrf": "forged"}, headers={"Origin": "http://keel.test"}).status_code == 403
    out = web.post(
        "/logout", data={"csrf": csrf_of(page.text)}, headers={"Origin": "http://keel.test"}, follow_redirects=False
    )
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    web.cookies.set("keel_session", cookie.split("keel_session=")[1].split(";")[0])  # the old session id
    assert web.get("/reports/trial-balance", follow_redirects=False).status_code == 303


def test_roles_lockout_fixation_and_forged_forms(web: TestClient, keel: Keel) -> None:
    assert log_in(web, "sam").status_code == 303
    refused = web.get("/reports/trial-balance")
    assert refused.status_code == 403 and "needs one of the roles" in refused.text and "you have sales" in refused.text
    first = log_in(web, "ana").headers["set-cookie"]
    second = log_in(web, "ana").headers["set-cookie"]
    assert first.split(";")[0] != second.split(";")[0]  # a new session id at every login
    forged = web.post("/login", data={"login": "ana", "password": PASSWORD}, headers={"Origin": "http://evil.test"})
    assert forged.status_code == 403
    assert log_in(web, "nobody").status_code == 401
    for attempt in range(1, FAILURES + 1):
        wrong = log_in(web, "ana", "not the password")
        assert wrong.status_code == (401 if attempt < FAILURES else 403)
    assert "locked out" in wrong.text
    assert log_in(web, "ana").status_code == 403  # the right password, while locked out
    user = find_user(keel.app.unit_of_work(), "ana")
    assert user.locked_until is not None and user.can_log_in(user.locked_until) is None
    assert [type(e).__name__ for e in keel.app.events.get(user.id)][-1] == "LockedOut"

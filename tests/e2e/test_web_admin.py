"""The admin screen (issue 20, ADR 0048), on SQLite and PostgreSQL: an admin adds a person who can
then log in, disables and enables them, resets a password, changes roles; creates an API key whose
secret is shown once and authenticates the API, and revokes it. Nobody else gets the screen, a
forged form is refused, a too-short password is refused beside its field, and no secret is shown."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from web_support import ORIGIN, PASSWORD, csrf_of, log_in, web_client

from api.http import create_app
from api.system import Keel
from api.web.sessions import Sessions, now
from commands.access.users import find_user
from ledger.access import digest

NEW = "a new long passphrase"


@pytest.fixture
def web(keel: Keel) -> Iterator[TestClient]:
    with web_client(keel, demo=False) as client:
        yield client


def admin_page(web: TestClient) -> tuple[str, str]:
    assert log_in(web, "ada").status_code == 303
    page = web.get("/admin")
    assert page.status_code == 200
    return page.text, csrf_of(page.text)


def test_an_admin_adds_a_person_who_logs_in_until_disabled(web: TestClient, keel: Keel) -> None:
    html, csrf = admin_page(web)
    assert 'aria-current="page">Admin' in html and "$argon2" not in html
    person = {"csrf": csrf, "login": "Zoe", "name": "Zoe <script>alert(2)</script>", "password": NEW}
    added = web.post(
        "/admin/users", data={**person, "roles": ["sales", "analyst"]}, headers=ORIGIN, follow_redirects=False
    )
    assert (added.status_code, added.headers["location"]) == (303, "/admin")
    listed = web.get("/admin").text
    assert "Zoe &lt;script&gt;alert(2)&lt;/script&gt;" in listed and "<script>alert(2)" not in listed
    assert "$argon2" not in listed and find_user(keel.app.unit_of_work(), "zoe").roles == ["analyst", "sales"]
    zoe = TestClient(web.app, base_url="http://keel.test")  # another browser, the same server
    assert log_in(zoe, "zoe", NEW).status_code == 303
    assert zoe.get("/reports/trial-balance").status_code == 200  # the analyst's report

    # the same login again: refused beside the login, with the API's 409
    again = web.post("/admin/users", data={**person, "roles": ["sales"]}, headers=ORIGIN)
    assert again.status_code == 409 and 'id="f-login-error"' in again.text
    # a too-short password: refused beside its field, nothing written
    head = keel.app.head_position()
    short = web.post(
        "/admin/users", data={**person, "login": "yan", "password": "short", "roles": ["sales"]}, headers=ORIGIN
    )
    assert short.status_code == 422 and 'id="f-password-error"' in short.text and "at least 10 characters" in short.text
    assert 'value="yan"' in short.text and 'value="short"' not in short.text  # the password is never sent back
    no_roles = web.post("/admin/users", data={**person, "login": "yan"}, headers=ORIGIN)
    assert no_roles.status_code == 422 and 'id="add-roles-error"' in no_roles.text
    assert keel.app.head_position() == head

    disabled = web.post("/admin/users/zoe/disable", data={"csrf": csrf}, headers=ORIGIN, follow_redirects=False)
    assert disabled.status_code == 303
    assert zoe.get("/reports/trial-balance", follow_redirects=False).status_code == 303  # the session ended
    assert log_in(zoe, "zoe", NEW).status_code != 303
    assert "disabled since" in web.get("/admin").text
    assert web.post("/admin/users/zoe/enable", data={"csrf": csrf}, headers=ORIGIN).status_code == 200
    assert log_in(zoe, "zoe", NEW).status_code == 303

    head = keel.app.head_position()
    myself = web.post("/admin/users/ada/disable", data={"csrf": csrf}, headers=ORIGIN)
    assert myself.status_code == 403 and "cannot disable yourself" in myself.text  # no admin locks themselves out
    demoted = web.post("/admin/users/ada/roles", data={"csrf": csrf, "roles": ["accountant"]}, headers=ORIGIN)
    assert demoted.status_code == 403 and "admin role from yourself" in demoted.text
    assert keel.app.head_position() == head

    roles = web.post("/admin/users/zoe/roles", data={"csrf": csrf, "roles": ["accountant"]}, headers=ORIGIN)
    assert roles.status_code == 200 and find_user(keel.app.unit_of_work(), "zoe").roles == ["accountant"]
    same = web.post("/admin/users/zoe/roles", data={"csrf": csrf, "roles": ["accountant"]}, headers=ORIGIN)
    assert same.status_code == 409 and "has these roles already" in same.text
    bad = web.post("/admin/users/zoe/password", data={"csrf": csrf, "password": "tiny"}, headers=ORIGIN)
    assert bad.status_code == 422 and "at least 10 characters" in bad.text
    reset = web.post("/admin/users/zoe/password", data={"csrf": csrf, "password": PASSWORD}, headers=ORIGIN)
    assert reset.status_code == 200
    assert log_in(zoe, "zoe", NEW).status_code == 401 and log_in(zoe, "zoe", PASSWORD).status_code == 303


def test_a_key_is_shown_once_authenticates_the_api_and_is_revoked(web: TestClient, keel: Keel) -> None:
    _, csrf = admin_page(web)
    created = web.post("/admin/keys", data={"csrf": csrf, "name": "robot", "roles": ["analyst"]}, headers=ORIGIN)
    assert created.status_code == 200
    token = re.search(r'id="new-key"[^>]* value="(keel_[0-9a-f]{12}_[^"]+)"', created.text)
    assert token
    key_id = token[1][5:17]
    assert digest(token[1][18:]) not in created.text  # the digest Keel keeps is never shown
    assert token[1] not in web.get("/admin").text and f"keel_{key_id}_…" in web.get("/admin").text  # shown once
    keel.settings.auth = "keys"  # the API as it runs: a key is needed
    with TestClient(create_app(keel=keel), base_url="http://keel.test") as api:
        assert api.get("/v1/auth/whoami").status_code == 401
        me = api.get("/v1/auth/whoami", headers={"Authorization": f"Bearer {token[1]}"})
        assert me.status_code == 200 and me.json()["name"] == "robot" and me.json()["roles"] == ["analyst"]
        revoked = web.post(f"/admin/keys/{key_id}/revoke", data={"csrf": csrf, "reason": "left"}, headers=ORIGIN)
        assert revoked.status_code == 200 and "revoked" in revoked.text and "(left)" in revoked.text
        assert api.get("/v1/auth/whoami", headers={"Authorization": f"Bearer {token[1]}"}).status_code == 401
    again = web.post(f"/admin/keys/{key_id}/revoke", data={"csrf": csrf}, headers=ORIGIN)
    assert again.status_code == 409
    bad = web.post(
        "/admin/keys", data={"csrf": csrf, "name": "no spaces allowed", "roles": ["analyst"]}, headers=ORIGIN
    )
    assert bad.status_code == 422 and 'id="key-name-error"' in bad.text


def test_only_an_admin_gets_the_screen_and_forged_forms_are_refused(web: TestClient, keel: Keel) -> None:
    _, csrf = admin_page(web)
    head = keel.app.head_position()
    person = {"login": "eve", "password": NEW, "roles": ["admin"]}
    assert web.post("/admin/users", data=person, headers=ORIGIN).status_code == 403  # no CSRF token
    assert web.post("/admin/users", data={**person, "csrf": "forged"}, headers=ORIGIN).status_code == 403
    evil = {"Origin": "http://evil.test"}
    assert web.post("/admin/users", data={**person, "csrf": csrf}, headers=evil).status_code == 403
    for login in ("ana", "sam", "oli", "ian"):
        log_in(web, login)
        assert web.get("/admin").status_code == 403
        token = Sessions(keel.views).find(web.cookies["keel_session"], now()).csrf  # type: ignore[union-attr]
        posted = web.post("/admin/users", data={**person, "csrf": token}, headers=ORIGIN)
        assert posted.status_code == 403 and "needs one of the roles admin" in posted.text
        key = {"name": "eve", "roles": ["admin"], "csrf": token}
        assert web.post("/admin/keys", data=key, headers=ORIGIN).status_code == 403
        assert web.post("/admin/users/ada/disable", data={"csrf": token}, headers=ORIGIN).status_code == 403
    assert keel.app.head_position() == head

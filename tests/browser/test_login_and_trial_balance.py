"""The web app in a real browser (issue 20, ADR 0048): Debian's Chromium driven by Playwright, over a
Keel server on PostgreSQL with the demo. A person logs in, opens the trial balance, moves the
known-at control back to 4 August, and sees the API's figures and provenance digest; the page
loads nothing from outside Keel. The run saves the README's screenshots."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from api.demo import load_demo
from api.http import create_app
from api.passwords import hash_password
from api.settings import Settings
from api.system import Keel
from commands import messages as m
from ledger.events import Meta

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
PASSWORD = "a long passphrase"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, postgres_admin_url: str) -> Iterator[str]:
    """A Keel server on a PostgreSQL database of its own, with the demo quarter and a user."""
    import psycopg

    name = f"keel_browser_{int(time.time() * 1000) % 10**9}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
    settings = Settings(database_url=url, data_dir=tmp_path_factory.mktemp("keel"), auth="off", _env_file=None)  # type: ignore[call-arg]
    keel = Keel.start(settings, follow=False)
    load_demo(keel.app)
    keel.engine.catch_up()
    keel.app.handle(
        m.AddUser(
            meta=Meta("test:browser"),
            login="ana",
            roles=("accountant",),
            secret_argon2=hash_password(PASSWORD),
            name="Ana Lima",
        )
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(create_app(keel=keel), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    while not running.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(10)
        keel.close()
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def test_log_in_rewind_the_trial_balance_and_match_the_api(server: str, browser: Browser) -> None:
    page: Page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    page.goto(f"{server}/reports/trial-balance?as_of=2026-09-30")
    assert page.url.startswith(f"{server}/login")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "login.png"))
    page.get_by_label("Login").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server}/reports/trial-balance?as_of=2026-09-30")
    assert page.get_by_role("heading", name="Trial balance").is_visible()
    api = httpx.get(f"{server}/v1/reports/trial-balance", params={"as_of": "2026-09-30"}).json()
    assert page.locator("#digest").inner_text() == api["provenance"]["digest"]
    page.screenshot(path=str(SHOTS / "trial-balance.png"), full_page=True)
    page.get_by_label("Known at").fill("2026-08-04T18:00:00+00:00")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**known_at=2026-08-04T18*")
    then = httpx.get(
        f"{server}/v1/reports/trial-balance", params={"as_of": "2026-09-30", "known_at": "2026-08-04T18:00:00+00:00"}
    ).json()
    assert page.locator("#digest").inner_text() == then["provenance"]["digest"] != api["provenance"]["digest"]
    assert page.locator("#position").inner_text() == str(then["provenance"]["position"])
    first = then["rows"][0]
    assert page.get_by_role("cell", name=first["account"], exact=True).first.is_visible()
    assert outside == []  # every asset the page names is Keel's own: it works with the network unplugged
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{server}/login")

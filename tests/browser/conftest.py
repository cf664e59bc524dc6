"""The browser tests' Keel (issue 20, ADR 0048): one server per test process on a PostgreSQL
database of its own with the demo quarter, a user for each role, and Debian's Chromium.

Tests that change the books (move a deal, issue an invoice) share this server: they compare the
page with the API at the same moment, never with figures fixed in advance.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from browser_support import CHROMIUM, PASSWORD, PEOPLE
from playwright.sync_api import Browser, sync_playwright

from api.demo import load_demo
from api.http import create_app
from api.passwords import hash_password
from api.settings import Settings
from api.system import Keel
from commands import messages as m
from ledger.events import Meta


@pytest.fixture(scope="session")
def keel_server(tmp_path_factory: pytest.TempPathFactory, postgres_admin_url: str) -> Iterator[tuple[str, Keel]]:
    """A Keel server on a PostgreSQL database of its own, with the demo quarter and its people."""
    import psycopg

    name = f"keel_browser_{int(time.time() * 1000) % 10**9}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
    settings = Settings(database_url=url, data_dir=tmp_path_factory.mktemp("keel"), auth="off", _env_file=None)  # type: ignore[call-arg]
    keel = Keel.start(settings, follow=True)
    load_demo(keel.app)
    keel.engine.catch_up()
    secret = hash_password(PASSWORD)
    for login, (roles, person) in PEOPLE.items():
        keel.app.handle(
            m.AddUser(meta=Meta("test:browser"), login=login, roles=roles, secret_argon2=secret, name=person)
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
        yield f"http://127.0.0.1:{port}", keel
    finally:
        running.should_exit = True
        thread.join(10)
        keel.close()
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def server(keel_server: tuple[str, Keel]) -> str:
    return keel_server[0]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()

"""What the web app's HTTP tests share (tests/e2e/test_web_*.py): the demo with people of each
role, logging in, and the CSRF token of a page."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from fastapi.testclient import TestClient

from api.demo import load_demo
from api.http import create_app
from api.passwords import hash_password
from api.system import Keel
from commands import messages as m
from ledger.events import Meta

META = Meta("test:web")
PASSWORD = "a long passphrase"
SECRET = hash_password(PASSWORD)  # hashed once: Argon2 is slow on purpose
ORIGIN = {"Origin": "http://keel.test"}
PEOPLE: Mapping[str, tuple[tuple[str, ...], str]] = {
    "ana": (("accountant",), "Ana <script>alert(1)</script> Lima"),
    "sam": (("sales",), "Sam"),
    "ada": (("admin",), "Ada"),
    "oli": (("auditor",), "Oli"),
    "ian": (("analyst",), "Ian"),
}


@contextmanager
def web_client(keel: Keel, demo: bool = True) -> Iterator[TestClient]:
    """A client of Keel's app over ``keel`` (the demo loaded unless told), with one person per role."""
    if demo:
        load_demo(keel.app)
        keel.engine.catch_up()
    for login, (roles, name) in PEOPLE.items():
        keel.app.handle(m.AddUser(meta=META, login=login, roles=roles, secret_argon2=SECRET, name=name))
    with TestClient(create_app(keel=keel), base_url="http://keel.test") as client:
        yield client


def log_in(client: TestClient, login: str, password: str = PASSWORD, next_page: str = "/") -> object:
    return client.post(
        "/login",
        data={"login": login, "password": password, "next": next_page},
        headers=ORIGIN,
        follow_redirects=False,
    )


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found[1]

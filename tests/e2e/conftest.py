from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.http import create_app
from api.system import Keel


@pytest.fixture
def client(keel: Keel) -> Iterator[TestClient]:
    """The HTTP app over a fresh store, with projections following the log in the background."""
    keel.engine.start(poll_interval=0.05)
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def demo(keel: Keel) -> Iterator[tuple[Keel, TestClient]]:
    """The demo's books and the HTTP app over them, projections caught up by the test."""
    from api.demo import load_demo

    load_demo(keel.app)
    keel.engine.catch_up()
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as c:
        yield keel, c

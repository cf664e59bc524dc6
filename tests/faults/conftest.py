"""The fault suite: the real ``keel serve`` as a subprocess on PostgreSQL, killed, starved and cut
off from its database, with clients that keep going. Every wait is bounded: a test that cannot get
what it waits for fails, it does not hang."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from faults.keel_processes import Server


@pytest.fixture
def server(postgres_url: str, tmp_path: Path) -> Iterator[Server]:
    keel = Server(postgres_url, tmp_path / "keel")
    try:
        yield keel
    finally:
        keel.stop()

"""Strict numbering (ADR 0038): a book setting that refuses an invoice or credit note dated before
the last one issued in its series; off by default (ADR 0030), over HTTP and the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import ok

from api.http import create_app
from api.settings import Settings
from api.system import Keel
from commands.adapters.clock import SetClock

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")


@pytest.fixture
def client(keel: Keel) -> Iterator[TestClient]:
    keel.app.log_clock = SetClock(datetime(2026, 3, 31, 9, tzinfo=UTC))
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        yield client


def issue(client: TestClient, customer: str, day: str) -> Any:
    line = {"description": "Design", "quantity": "1", "unit_price": "100.00", "tax_rate": "24"}
    draft = ok(client.post("/v1/invoices", json={"customer_id": customer, "lines": [line], "on": "2026-03-01"}), 201)
    return client.post(f"/v1/invoices/{draft['id']}/issue", json={"on": day})


def test_with_strict_numbering_an_invoice_dated_before_the_last_one_is_refused(client: TestClient, keel: Keel) -> None:
    customer = ok(client.post("/v1/customers", json={"name": "Acme", "on": "2026-03-01"}), 201)["id"]
    ok(issue(client, customer, "2026-03-10"))
    ok(issue(client, customer, "2026-03-05"))  # off by default: a backdated invoice takes the next number
    ok(client.put("/v1/books/numbering", json={"strict": True}))
    assert client.put("/v1/books/numbering", json={"strict": True}).status_code == 409
    head = keel.app.head_position()
    late = issue(client, customer, "2026-03-08")
    assert late.status_code == 409, late.text
    # the latest date in the series, not the last number's (0002, backdated to 5 March)
    assert "INV-2026 has a number issued on 2026-03-10" in late.json()["detail"]
    assert keel.app.head_position() == head + 1  # only the draft was written
    ok(issue(client, customer, "2026-03-12"))
    ok(client.put("/v1/books/numbering", json={"strict": False}))
    ok(issue(client, customer, "2026-03-11"))


def test_the_cli_sets_strict_numbering(keel_settings: Settings) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
    environ["KEEL_DATA_DIR"] = str(keel_settings.data_dir)
    if keel_settings.database_url:
        environ["KEEL_DATABASE_URL"] = keel_settings.database_url

    def keel(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([KEEL, *args], capture_output=True, text=True, env=environ, timeout=120, check=False)

    done = keel("books", "set", "--strict-numbering")
    assert done.returncode == 0 and done.stdout.startswith("strict numbering on"), done.stderr
    again = keel("books", "set", "--strict-numbering")
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "already on" in again.stderr
    assert keel("books", "set", "--no-strict-numbering").returncode == 0

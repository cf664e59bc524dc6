"""Idempotency-Key against a real server: concurrent retries write once and answer alike."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from api.settings import Settings

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(keel_settings: Settings) -> Iterator[str]:
    """``keel serve`` on a fresh store, with authentication off: X-Keel-Actor names the client."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "KEEL_DATABASE_URL"}
    env["KEEL_DATA_DIR"] = str(keel_settings.data_dir)
    env["KEEL_AUTH"] = "off"
    if keel_settings.database_url:
        env["KEEL_DATABASE_URL"] = keel_settings.database_url
    proc = subprocess.Popen(
        [KEEL, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "keel serve did not start"
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_fifty_concurrent_identical_requests_write_once_and_answer_alike(server: str) -> None:
    head_before = httpx.get(f"{server}/v1/health").json()["head"]
    body = {"name": "Acme", "on": "2026-01-02"}
    headers = {"Idempotency-Key": "register-acme-1", "X-Keel-Actor": "crm-sync"}

    def send(_: int) -> tuple[int, dict[str, object]]:
        response = httpx.post(f"{server}/v1/customers", json=body, headers=headers, timeout=30)
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=25) as pool:
        answers = list(pool.map(send, range(50)))
    assert {status for status, _ in answers} == {201}
    assert len({str(sorted(a.items())) for _, a in answers}) == 1
    assert httpx.get(f"{server}/v1/health").json()["head"] == head_before + 1  # one Registered event


def test_a_key_reused_for_another_request_is_refused_and_keys_are_per_client(server: str) -> None:
    headers = {"Idempotency-Key": "k-2", "X-Keel-Actor": "crm-sync"}
    first = httpx.post(f"{server}/v1/customers", json={"name": "One"}, headers=headers)
    assert first.status_code == 201
    other = httpx.post(f"{server}/v1/customers", json={"name": "Two"}, headers=headers)
    assert other.status_code == 422 and other.json()["type"] == "urn:keel:problem:idempotency-key-reused"
    elsewhere = httpx.post(
        f"{server}/v1/customers",
        json={"name": "Two"},
        headers={"Idempotency-Key": "k-2", "X-Keel-Actor": "billing-sync"},
    )
    assert elsewhere.status_code == 201 and elsewhere.json()["id"] != first.json()["id"]


def test_a_refused_command_does_not_burn_its_key(server: str) -> None:
    headers = {"Idempotency-Key": "k-3"}
    bad = httpx.post(
        f"{server}/v1/invoices",
        json={
            "customer_id": "00000000-0000-0000-0000-000000000001",
            "lines": [{"description": "x", "quantity": "1", "unit_price": "1"}],
        },
        headers=headers,
    )
    assert bad.status_code == 404
    customer = httpx.post(f"{server}/v1/customers", json={"name": "Acme"}).json()["id"]
    good = httpx.post(
        f"{server}/v1/invoices",
        json={"customer_id": customer, "lines": [{"description": "x", "quantity": "1", "unit_price": "1"}]},
        headers=headers,
    )
    assert good.status_code == 201


def test_two_clients_with_the_same_if_match_one_wins_one_is_told_the_current_version(server: str) -> None:
    customer = httpx.post(f"{server}/v1/customers", json={"name": "Acme"}).json()["id"]

    def rename(name: str) -> httpx.Response:
        return httpx.post(
            f"{server}/v1/customers/{customer}/rename", json={"name": name}, headers={"If-Match": '"1"'}, timeout=30
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(rename, ["Acme One", "Acme Two"]))
    assert sorted(r.status_code for r in responses) == [200, 412]
    loser = next(r for r in responses if r.status_code == 412).json()
    assert loser["current_version"] == 2
    history = httpx.get(f"{server}/v1/aggregates/{customer}/history").json()
    assert [h["version"] for h in history] == [1, 2]

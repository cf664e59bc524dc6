"""Sixty clients waiting to read their own writes from read models that do not move: everyone else
is still answered at once, and the waiters are told 503 with Retry-After when their wait is up."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from faults.keel_processes import Server

pytestmark = [pytest.mark.postgres, pytest.mark.faults]
WAITERS = 60


def test_requests_waiting_for_a_position_starve_no_other_request(postgres_url: str, tmp_path: Path) -> None:
    # No projector runs (external, and none started): a wait for a new position cannot end.
    server = Server(postgres_url, tmp_path / "keel", projections="external", read_wait_seconds="4").start()
    try:
        position = httpx.post(f"{server.url}/v1/customers", json={"name": "Acme"}).json()["position"]

        def wait(_: int) -> httpx.Response:
            return httpx.get(f"{server.url}/v1/customers", params={"min_position": position}, timeout=30)

        with ThreadPoolExecutor(max_workers=WAITERS) as pool:
            waiters = [pool.submit(wait, i) for i in range(WAITERS)]
            time.sleep(1.0)  # every waiter has arrived and is waiting
            slowest = 0.0
            with httpx.Client(base_url=server.url, timeout=10) as other:
                for url in ("/v1/health", "/v1/reports/trial-balance", "/v1/projections") * 3:
                    started = time.perf_counter()
                    assert other.get(url).status_code == 200
                    slowest = max(slowest, time.perf_counter() - started)
            still_waiting = not any(w.done() for w in waiters)
            answers = [w.result() for w in waiters]
        assert slowest < 0.2, f"an unrelated request took {slowest * 1000:.0f} ms"
        assert still_waiting, "the waiters should have waited their whole read_wait_seconds"
        assert {a.status_code for a in answers} == {503}
        assert all(a.headers.get("Retry-After") for a in answers)
        assert answers[0].json()["type"] == "urn:keel:problem:read-model-behind"
    finally:
        server.stop()

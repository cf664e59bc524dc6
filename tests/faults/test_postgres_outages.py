"""The database goes away under load (every backend of Keel's database terminated, as a restart
does): clients are told 503 with Retry-After, never 500, and the server recovers by itself."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest
from faults.keel_processes import Server

pytestmark = [pytest.mark.postgres, pytest.mark.faults]


def terminate_backends(admin_url: str, database: str) -> int:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return len(rows)


def test_clients_get_503_with_retry_after_while_the_database_is_away_and_the_server_recovers(
    server: Server, postgres_url: str, postgres_admin_url: str
) -> None:
    server.start()
    database = postgres_url.rsplit("/", 1)[1]
    answers: Counter[int] = Counter()
    problems: list[str] = []
    stop = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(base_url=server.url, timeout=30) as api:
            i = 0
            while not stop.is_set():
                i += 1
                if n % 2:
                    response = api.post("/v1/customers", json={"name": f"c{n}-{i}"})
                else:
                    response = api.get("/v1/reports/trial-balance")
                answers[response.status_code] += 1
                if response.status_code >= 500 and (
                    response.status_code != 503 or "Retry-After" not in response.headers
                ):
                    problems.append(f"{response.status_code} {response.text[:300]}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        clients = [pool.submit(client, n) for n in range(4)]
        time.sleep(1.0)
        for _ in range(3):  # the restart, and the stragglers a pool reconnects with
            terminate_backends(postgres_admin_url, database)
            time.sleep(0.5)
        time.sleep(2.0)
        stop.set()
        for done in clients:
            done.result()
    assert problems == [], (answers, problems[:5])

    deadline = time.monotonic() + 20
    while True:  # recovered without a restart
        write = httpx.post(f"{server.url}/v1/customers", json={"name": "after"}, timeout=10)
        read = httpx.get(f"{server.url}/v1/reports/trial-balance", timeout=10)
        if write.status_code == 201 and read.status_code == 200:
            break
        assert time.monotonic() < deadline, (write.status_code, write.text, read.status_code, read.text)
        time.sleep(0.5)
    server.caught_up()

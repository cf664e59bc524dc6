"""PostgreSQL goes away under a running API (every backend of Keel's database terminated, as a
restart does, or the database refusing connections for a while): each request answers 2xx or an
honest 503 with Retry-After, never 500, and the same process serves again once the database is back
— its pools replace the dead connections and the projection follower resumes by itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from api.http import create_app
from api.settings import Settings
from api.system import Keel

pytestmark = pytest.mark.postgres


@pytest.fixture
def client(postgres_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=postgres_url, data_dir=tmp_path, auth="off", _env_file=None)  # type: ignore[call-arg]
    keel = Keel.start(settings, follow=False)
    keel.engine.start(poll_interval=0.05)
    try:
        with TestClient(create_app(keel=keel), raise_server_exceptions=False) as c:
            yield c
    finally:
        keel.close()


def allow_connections(postgres_admin_url: str, database: str, allowed: bool) -> None:
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}')


def terminate_backends(postgres_admin_url: str, database: str) -> None:
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        )


def burst(client: TestClient, rounds: int) -> list[httpx.Response]:
    """Writes (plain and idempotent) and reads of both stores: the read models and the log."""
    answers = []
    for i in range(rounds):
        answers.append(client.post("/v1/customers", json={"name": f"during {i}"}))
        answers.append(client.post("/v1/customers", json={"name": f"keyed {i}"}, headers={"Idempotency-Key": f"k{i}"}))
        answers.append(client.get("/v1/reports/trial-balance"))
        answers.append(client.get("/v1/customers"))
        answers.append(client.get("/v1/health"))
    return answers


def dishonest(answers: list[httpx.Response]) -> list[str]:
    """Every answer that is neither a success nor a 503 problem that says when to come back."""
    return [
        f"{r.request.method} {r.request.url.path}: {r.status_code} {r.headers.get('content-type')} {r.text[:200]}"
        for r in answers
        if not (
            r.is_success
            or (
                r.status_code == 503
                and r.headers.get("Retry-After") == "1"
                and r.headers["content-type"] == "application/problem+json"
                and r.json()["type"] == "urn:keel:problem:database-unavailable"
            )
        )
    ]


def serves_again(client: TestClient, within: float) -> None:
    """A write, then a read of its own write (the follower has folded it), succeed within ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        write = client.post("/v1/customers", json={"name": "after"})
        if write.status_code == 201:
            read = client.get(f"/v1/customers/{write.json()['id']}", params={"min_position": write.json()["position"]})
            if read.status_code == 200:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"not serving again within {within} s: {write.status_code} {write.text[:300]}")
        time.sleep(0.2)


def test_requests_right_after_every_connection_is_terminated_answer_503_or_succeed_and_then_succeed_again(
    client: TestClient, postgres_url: str, postgres_admin_url: str
) -> None:
    serves_again(client, within=5)
    assert client.get("/v1/reports/trial-balance").status_code == 200
    database = postgres_url.rsplit("/", 1)[1]

    terminate_backends(postgres_admin_url, database)
    answers = burst(client, rounds=6)

    assert dishonest(answers) == []
    serves_again(client, within=5)


@pytest.mark.slow
def test_while_the_database_refuses_connections_reads_answer_503_within_seconds_writes_503_and_it_serves_once_back(
    client: TestClient, postgres_url: str, postgres_admin_url: str
) -> None:
    serves_again(client, within=5)
    database = postgres_url.rsplit("/", 1)[1]

    allow_connections(postgres_admin_url, database, allowed=False)
    try:
        terminate_backends(postgres_admin_url, database)
        reads, slowest = [], 0.0
        for path in ["/v1/reports/trial-balance", "/v1/customers"] * 3:
            began = time.monotonic()
            reads.append(client.get(path))
            slowest = max(slowest, time.monotonic() - began)
        # The event store's library retries a lost connection ten times before giving up.
        write = client.post("/v1/customers", json={"name": "while away"})
    finally:
        allow_connections(postgres_admin_url, database, allowed=True)

    assert dishonest([*reads, write]) == []
    assert [r.status_code for r in [*reads, write]] == [503] * 7
    assert slowest < 3, "a read is told within seconds, not after the pool's full wait"
    serves_again(client, within=5)

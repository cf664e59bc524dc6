"""``keel serve --workers N``: N server processes on one port, the projections in a process of
their own beside them, and a client that passes the position it got back reads its own writes."""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from test_serve_cli import KEEL, environment, free_port, keel


@pytest.mark.postgres
def test_two_server_processes_answer_and_a_reader_sees_what_it_wrote(postgres_url: str, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = environment(tmp_path / "unused", database_url=postgres_url, auth="off")
    with log.open("wb") as output:
        server = subprocess.Popen(
            [KEEL, "serve", "--workers", "2", "--port", str(port)], env=env, stdout=output, stderr=output
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while log.read_text().count("Application startup complete") < 2:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)

        def register(n: int) -> int:
            with httpx.Client(timeout=30) as client:
                answer = client.post(f"{base}/v1/customers", json={"name": f"Worker client {n}", "on": "2026-03-02"})
                assert answer.status_code == 201, answer.text
                return int(answer.json()["position"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            positions = list(pool.map(register, range(40)))
        # The projections run in neither server process: the read waits for the position it names.
        listed = httpx.get(f"{base}/v1/customers", params={"min_position": max(positions), "limit": 100}, timeout=30)
        assert listed.status_code == 200, listed.text
        names = {c["name"] for c in listed.json()["items"]}
        assert {f"Worker client {n}" for n in range(40)} <= names
        assert log.read_text().count("Started server process") == 2
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "stopped" in log.read_text()  # the projector was stopped with the servers, not left behind


def test_workers_on_sqlite_are_refused_in_one_line(tmp_path: Path) -> None:
    done = keel(tmp_path / "books", "serve", "--workers", "2")
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "--workers needs PostgreSQL" in done.stderr, done.stderr


def test_a_read_replica_of_sqlite_is_refused_in_one_line(tmp_path: Path) -> None:
    done = keel(tmp_path / "books", "serve", read_replica_url="postgresql://postgres@127.0.0.1:5433/keel")
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "KEEL_READ_REPLICA_URL needs a PostgreSQL store" in done.stderr

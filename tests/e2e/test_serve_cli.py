"""``keel serve`` and ``keel keys`` name the store they work on: keys live in a store (the data
folder or the database), so a key made in another folder belongs to another store."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")


def environment(data_dir: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
    return env | {"KEEL_DATA_DIR": str(data_dir)} | {f"KEEL_{k.upper()}": v for k, v in settings.items()}


def keel(data_dir: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = environment(data_dir, **settings)
    return subprocess.run([KEEL, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(data_dir: Path, *args: str, **settings: str) -> Iterator[tuple[str, int]]:
    """``keel serve`` as a user starts it; yields its first line and the port it answers on."""
    log = data_dir.parent / f"serve-{time.monotonic_ns()}.out"
    with log.open("wb") as stdout:
        server = subprocess.Popen(
            [KEEL, "serve", *args], env=environment(data_dir, **settings), stdout=stdout, stderr=subprocess.DEVNULL
        )
    try:
        deadline = time.monotonic() + 60
        while not (first := log.read_text().partition("\n")[0]) or "http://" not in first:
            assert server.poll() is None, f"keel serve exited: {log.read_text()}"
            assert time.monotonic() < deadline, "keel serve printed no start line"
            time.sleep(0.1)
        port = int(first.rsplit(":", 1)[1].split("/", 1)[0])
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, f"keel serve exited: {log.read_text()}"
                assert time.monotonic() < deadline, "keel serve did not answer"
                time.sleep(0.1)
        yield first, port
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_serve_listens_on_keel_port_and_names_its_store_the_web_app_and_the_docs(tmp_path: Path) -> None:
    data, port = tmp_path / "books", free_port()
    with serving(data, port=str(port)) as (first, answering):
        assert first == f"Keel on sqlite ({data.resolve()}) — http://127.0.0.1:{port}/ (API docs at /docs)"
        assert answering == port
        home = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=True)  # the web app: its login page
        assert home.status_code == 200 and home.url.path == "/login" and "Log in to Keel" in home.text
        docs = httpx.get(f"http://127.0.0.1:{port}/docs")
        assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text


def test_the_port_option_wins_over_keel_port(tmp_path: Path) -> None:
    chosen = free_port()
    with serving(tmp_path / "books", "--port", str(chosen), "--host", "127.0.0.1", port="1") as (first, port):
        assert port == chosen and first.endswith(f"http://127.0.0.1:{chosen}/ (API docs at /docs)")


@pytest.mark.postgres
def test_serve_names_a_postgresql_store_by_host_port_and_database_never_its_password(
    tmp_path: Path, postgres_url: str
) -> None:
    with_password = postgres_url.replace("postgresql://postgres@", "postgresql://postgres:s3cret@")
    assert "s3cret" in with_password  # trust authentication ignores it; the start line must not show it
    database = postgres_url.rsplit("/", 1)[1]
    with serving(tmp_path / "unused", port=str(free_port()), database_url=with_password) as (first, _):
        assert first.startswith(f"Keel on postgresql (127.0.0.1:5432/{database}) — http://127.0.0.1:")
        assert "s3cret" not in first
    created = keel(
        tmp_path / "unused", "keys", "create", "--name", "pg", "--role", "analyst", database_url=postgres_url
    )
    assert created.returncode == 0 and f"written to postgresql (127.0.0.1:5432/{database})" in created.stderr


def test_a_key_belongs_to_the_store_it_was_written_to(tmp_path: Path) -> None:
    books, elsewhere = tmp_path / "books", tmp_path / "elsewhere" / ".keel"
    created = keel(books, "keys", "create", "--name", "ana", "--role", "analyst")
    assert created.returncode == 0, created.stderr
    assert f"written to sqlite ({books.resolve()})" in created.stderr and "not shown again" in created.stderr
    assert created.stdout.startswith("keel_") and str(books) not in created.stdout  # stdout is the key alone
    stray = keel(elsewhere, "keys", "create", "--name", "bob", "--role", "analyst")
    assert f"written to sqlite ({elsewhere.resolve()})" in stray.stderr

    table = keel(books, "keys", "list")
    assert table.returncode == 0 and "ana" in table.stdout and "bob" not in table.stdout
    assert table.stdout.rstrip().splitlines()[-1] == f"1 key in sqlite ({books.resolve()})"
    as_json = json.loads(keel(books, "keys", "list", "--format", "json").stdout)
    assert [r["name"] for r in as_json["rows"]] == ["ana"] and "sqlite" not in json.dumps(as_json)
    as_csv = keel(books, "keys", "list", "--format", "csv").stdout
    assert "sqlite" not in as_csv and len(as_csv.splitlines()) == 2

    with serving(books, port=str(free_port())) as (_, port):
        reports = f"http://127.0.0.1:{port}/v1/reports/trial-balance"
        own = httpx.get(reports, headers={"Authorization": f"Bearer {created.stdout.strip()}"})
        other = httpx.get(reports, headers={"Authorization": f"Bearer {stray.stdout.strip()}"})
        assert own.status_code == 200 and other.status_code == 401

"""Reports from a PostgreSQL streaming replica (``KEEL_READ_REPLICA_URL``, docs/scaling.md).

A replica of the cluster at 127.0.0.1:5432 is made with ``pg_basebackup`` and started on
127.0.0.1:5433, streaming from it. A report asked with the position of a write just made on the
primary returns that write; while the replica's replay is paused, the same request waits and
then answers 503 — the wait is on the replica, not on the primary.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.http import create_app
from api.settings import Settings
from api.system import Keel

PORT = 5433
REPLICATION_RULE = "host replication postgres 127.0.0.1/32 trust"


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _bin(admin: psycopg.Connection[tuple[object, ...]], tool: str) -> str:
    row = admin.execute("SHOW server_version_num").fetchone()
    assert row is not None
    found = Path(f"/usr/lib/postgresql/{int(str(row[0])) // 10000}/bin/{tool}")
    return str(found) if found.exists() else tool


def _allow_replication(admin: psycopg.Connection[tuple[object, ...]]) -> None:
    """The primary must let a replica connect for replication from 127.0.0.1 (a line of pg_hba.conf)."""
    rules = admin.execute("SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)").fetchone()
    if rules is not None and int(str(rules[0])) > 0:
        return
    row = admin.execute("SHOW hba_file").fetchone()
    assert row is not None
    hba = Path(str(row[0]))
    hba.write_text(f"{REPLICATION_RULE}\n{hba.read_text()}")
    admin.execute("SELECT pg_reload_conf()")


@pytest.fixture(scope="module")
def replica(postgres_admin_url: str) -> Iterator[str]:
    """The admin URL of a streaming replica of the primary on 127.0.0.1:5433."""
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", PORT)) != 0, f"something already listens on {PORT}"
    home = Path(tempfile.mkdtemp(prefix="keel-replica-"))
    data = home / "data"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        _allow_replication(admin)
        basebackup, pg_ctl = _bin(admin, "pg_basebackup"), _bin(admin, "pg_ctl")
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    backup = [basebackup, "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-D", str(data), "-R", "-X", "stream"]
    subprocess.run(
        _as_postgres([*backup, "-c", "fast"]),
        check=True,
        capture_output=True,
        timeout=300,
    )
    (data / "postgresql.conf").write_text("")  # Debian keeps the primary's in /etc: settings come as options
    (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    options = f"-c port={PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories={home} -c hot_standby=on"
    options += " -c shared_buffers=64MB -c logging_collector=off"
    started = subprocess.run(
        _as_postgres([pg_ctl, "-D", str(data), "-l", str(home / "replica.log"), "-o", options, "-w", "start"]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode == 0, started.stderr + (home / "replica.log").read_text()
    try:
        yield f"postgresql://postgres@127.0.0.1:{PORT}/postgres"
    finally:
        subprocess.run(
            _as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True, check=False
        )
        shutil.rmtree(home, ignore_errors=True)


def _folded_on_primary(url: str, position: int) -> None:
    deadline = time.monotonic() + 30
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            row = conn.execute("SELECT position FROM keel_tracking WHERE projection = 'customers'").fetchone()
            if row is not None and int(str(row[0])) >= position:
                return
            assert time.monotonic() < deadline, "the primary's projections did not fold the write"
            time.sleep(0.05)


def _on_replica(replica: str, database: str) -> str:
    url = replica.rsplit("/", 1)[0] + f"/{database}"
    deadline = time.monotonic() + 30
    while True:  # the database was made on the primary after the base backup: replayed since
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url
        except psycopg.OperationalError:
            assert time.monotonic() < deadline, f"{database} never reached the replica"
            time.sleep(0.2)


@pytest.mark.postgres
@pytest.mark.faults
def test_a_report_asked_of_the_replica_with_the_position_of_a_write_returns_it(
    postgres_url: str, replica: str, tmp_path: Path
) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    replica_url = _on_replica(replica, database)
    settings = Settings(
        database_url=postgres_url,
        read_replica_url=replica_url,
        data_dir=tmp_path,
        auth="off",
        read_wait_seconds=1.5,
        _env_file=None,  # type: ignore[call-arg]
    )
    keel = Keel.start(settings, follow=True)
    try:
        assert keel.reads is keel.replica
        with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
            written = client.post("/v1/customers", json={"name": "Replicated Ltd", "on": "2026-03-02"})
            assert written.status_code == 201, written.text
            asked = {"min_position": written.json()["position"], "name": "Replicated"}
            listed = client.get("/v1/customers", params=asked)
            assert listed.status_code == 200, listed.text
            assert [c["name"] for c in listed.json()["items"]] == ["Replicated Ltd"]
            report = client.get("/v1/reports/receivables", params={"min_position": written.json()["position"]})
            assert report.status_code == 200 and report.json()["provenance"]["position"] >= asked["min_position"]
            forecast = {"as_of": "2026-03-02", "to": "2026-06-30"}
            for gathered, more in (("/v1/reports/pipeline", {}), ("/v1/reports/cash-forecast", forecast)):
                # each reads in one snapshot exported to several connections: on a standby too
                answered = client.get(gathered, params={"min_position": asked["min_position"], **more})
                assert answered.status_code == 200, answered.text

            # The replica stops replaying: a write on the primary is folded there, not on the replica,
            # and a read that names it waits for the replica, then says it is behind.
            with psycopg.connect(replica_url, autocommit=True) as standby:
                standby.execute("SELECT pg_wal_replay_pause()")
                try:
                    later = client.post("/v1/customers", json={"name": "Paused Ltd", "on": "2026-03-02"})
                    position = later.json()["position"]
                    _folded_on_primary(postgres_url, position)
                    behind = client.get("/v1/customers", params={"min_position": position, "name": "Paused"})
                finally:
                    standby.execute("SELECT pg_wal_replay_resume()")
            assert behind.status_code == 503, behind.text
            caught_up = client.get("/v1/customers", params={"min_position": position, "name": "Paused"})
            assert [c["name"] for c in caught_up.json()["items"]] == ["Paused Ltd"]
    finally:
        keel.close()

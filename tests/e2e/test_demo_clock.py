"""`keel demo` records its quarter on the story's clock (ADR 0026), on SQLite and on PostgreSQL:
what `keel report` and the HTTP API say "known at 4 August" is what the log held that morning, and
the restatement of July names the bill that came late."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from folds import trial_balance_from_the_log

from api.http import create_app
from api.settings import Settings
from api.system import Keel

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
    return subprocess.run(
        [KEEL, *args], capture_output=True, text=True, env={**environ, **env}, timeout=180, check=False
    )


@pytest.fixture(scope="module", params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A store of each kind with the demo loaded by `keel demo`: its KEEL_* environment."""
    env = {"KEEL_DATA_DIR": str(tmp_path_factory.mktemp("demo-clock") / "data")}
    admin, name = "", ""
    if request.param == "postgres":
        admin, name = request.getfixturevalue("postgres_admin_url"), f"keel_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["KEEL_DATABASE_URL"] = f"{admin.rsplit('/', 1)[0]}/{name}"
    try:
        done = run(env, "demo")
        assert done.returncode == 0, done.stderr
        yield env
    finally:
        if name:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def keel(store: dict[str, str]) -> Iterator[Keel]:
    """The same store, opened in this process."""
    settings = Settings(
        data_dir=Path(store["KEEL_DATA_DIR"]),
        database_url=store.get("KEEL_DATABASE_URL"),
        auth="off",
        _env_file=None,
    )
    with Keel.start(settings, follow=False) as system:
        system.engine.catch_up()
        yield system


def report(store: dict[str, str], *args: str) -> dict[str, object]:
    done = run(store, "report", *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(done.stdout)
    return found


def test_july_known_at_4_august_is_what_the_log_held_that_morning(store: dict[str, str], keel: Keel) -> None:
    found = report(store, "trial-balance", "--as-of", "2026-07-31", "--known-at", "2026-08-04")
    rows = found["rows"]
    assert isinstance(rows, list) and rows and found["balanced"] is True
    balances = {(r["account"], r["currency"]): Decimal(r["debit"]) - Decimal(r["credit"]) for r in rows}
    folded = trial_balance_from_the_log(keel.app, date(2026, 7, 31), datetime(2026, 8, 4, tzinfo=UTC))
    assert {k: v for k, v in balances.items() if v} == folded
    assert folded[("5000", "EUR")] == Decimal("1800.00")  # before Copperline's bill came in


def test_the_restatement_of_july_names_the_late_bill_on_the_command_line(store: dict[str, str]) -> None:
    done = run(store, "report", "restatement", "--to", "2026-07-31", "--format", "json")
    if done.returncode == 2:  # the window's old flag
        done = run(store, "report", "restatement", "--end", "2026-07-31", "--format", "json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["restated"] is True and found["closed_at"] == "2026-08-04T09:00:00Z"
    (late,) = found["late_events"]
    assert late["memo"] == "Bill CL-2026-031 from Copperline Print" and late["effective_date"] == "2026-07-29"
    assert late["recorded_at"].startswith("2026-08-12T")
    assert {a["account"]: a["difference"] for a in found["accounts"]} == {
        "1200": "153.60",
        "2000": "-793.60",
        "5000": "640.00",
    }


def test_the_restatement_table_names_the_late_bill_in_its_notes(store: dict[str, str]) -> None:
    done = run(store, "report", "restatement", "--to", "2026-07-31")
    if done.returncode == 2:  # the window's old flag
        done = run(store, "report", "restatement", "--end", "2026-07-31")
    assert done.returncode == 0, done.stderr
    notes = " ".join(done.stdout.split())
    assert "late events:" in notes and ": Bill CL-2026-031 from Copperline Print —" in notes


def test_the_restatement_of_july_names_the_late_bill_over_http(keel: Keel) -> None:
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        answer = client.get("/v1/reports/restatement", params={"to": "2026-07-31"})
        if answer.status_code == 422:  # the window's old name
            answer = client.get("/v1/reports/restatement", params={"end": "2026-07-31"})
    assert answer.status_code == 200, answer.text
    (late,) = answer.json()["late_events"]
    assert late["memo"] == "Bill CL-2026-031 from Copperline Print"
    assert {a["account"] for a in answer.json()["accounts"] if a["explained_by"] == [late["position"]]} == {
        "1200",
        "2000",
        "5000",
    }


def test_the_demo_in_a_store_already_written_refuses_in_one_line(tmp_path: Path) -> None:
    env = {"KEEL_DATA_DIR": str(tmp_path / "data")}
    assert run(env, "keys", "create", "--name", "early", "--role", "admin").returncode == 0
    done = run(env, "demo")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "own clock" in done.stderr and "empty store" in done.stderr

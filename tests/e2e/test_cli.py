"""The ``keel`` command as a user runs it: through its installed entry point."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")


def keel(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "KEEL_DATABASE_URL"}
    environ.update({"KEEL_DATA_DIR": str(tmp_path / "data"), **(env or {})})
    return subprocess.run([KEEL, *args], capture_output=True, text=True, env=environ, timeout=120, check=False)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli")
    done = keel(path, "demo")
    assert done.returncode == 0, done.stderr
    assert "Loaded the demo" in done.stdout
    return path


def test_demo_is_idempotent(demo_dir: Path) -> None:
    again = keel(demo_dir, "demo")
    assert again.returncode == 0 and "already loaded" in again.stdout


def test_trial_balance_as_json_is_balanced(demo_dir: Path) -> None:
    done = keel(demo_dir, "report", "trial-balance", "--as-of", "2026-09-30", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["balanced"] is True and report["scope"]["as_of"] == "2026-09-30"
    assert {t["currency"] for t in report["totals"]} == {"EUR", "USD"}


def test_trial_balance_known_at_the_epoch_is_empty_csv(demo_dir: Path) -> None:
    done = keel(demo_dir, "report", "trial-balance", "--known-at", "1970-01-02T00:00:00+00:00", "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["account,name,currency,debit,credit"]


def test_receivables_table_names_the_customers(demo_dir: Path) -> None:
    done = keel(demo_dir, "report", "receivables", "--as-of", "2026-09-30")
    assert done.returncode == 0, done.stderr
    assert "Northwind Studio Ltd" in done.stdout and "12,956.00" in done.stdout


def test_projection_status_and_rebuild(demo_dir: Path) -> None:
    rebuilt = keel(demo_dir, "projections", "rebuild", "general_ledger")
    assert rebuilt.returncode == 0 and re.search(r"rebuilt general_ledger: \d+ events", rebuilt.stderr)
    status = keel(demo_dir, "projections", "status", "--format", "json")
    rows = json.loads(status.stdout)["rows"]
    assert {r["projection"] for r in rows} >= {"customers", "general_ledger", "invoices", "documents", "claims"}
    assert {r["lag"] for r in rows} == {"0"}


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("projections", "rebuild", "nope"), 1, "no projection named 'nope'"),
        (("report", "customer-360", "00000000-0000-0000-0000-000000000000"), 1, "no customer matches"),
        (("report", "customer-360", "nobody at all"), 1, "keel customers list"),
        (("report", "pipeline", "--by", "colour"), 1, "stage or owner"),
        (("report", "trial-balance", "--known-at", "yesterday"), 2, "must be an ISO 8601 moment or a log position"),
        (("report", "trial-balance", "--as-of", "31/09/2026"), 2, "--as-of"),
    ],
)
def test_bad_input_exits_non_zero_with_a_readable_line(
    demo_dir: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    done = keel(demo_dir, *args)
    assert done.returncode == code
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    done = keel(tmp_path, "projections", "status", env={"KEEL_DATABASE_URL": "mysql://nowhere/db"})
    assert done.returncode == 1
    assert "unsupported database URL" in done.stderr and "Traceback" not in done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_http_on_the_demo_data_to_key_holders(demo_dir: Path) -> None:
    created = keel(demo_dir, "keys", "create", "--name", "ana", "--role", "analyst")
    assert created.returncode == 0 and "not shown again" in created.stderr
    key = created.stdout.strip()
    assert re.fullmatch(r"keel_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", key)
    port = _free_port()
    env = {**os.environ, "KEEL_DATA_DIR": str(demo_dir / "data")}
    server = subprocess.Popen(
        [KEEL, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                anonymous = httpx.get(f"http://127.0.0.1:{port}/v1/reports/trial-balance", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "keel serve did not start"
                time.sleep(0.2)
        assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
        response = httpx.get(
            f"http://127.0.0.1:{port}/v1/reports/trial-balance?as_of=2026-09-30",
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 200 and response.json()["balanced"] is True
        listed = keel(demo_dir, "keys", "list", "--format", "json")
        assert [r["name"] for r in json.loads(listed.stdout)["rows"]] == ["ana"]
        revoked = keel(demo_dir, "keys", "revoke", key[5:17], "--reason", "left the company")
        assert revoked.returncode == 0
        after = httpx.get(
            f"http://127.0.0.1:{port}/v1/reports/trial-balance", headers={"Authorization": f"Bearer {key}"}
        )
        assert after.status_code == 401 and "revoked" in after.json()["detail"]
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("report", "profit-and-loss", "--from", "2026-07-01", "--to", "2026-09-30", "-f", "json"),
            '"result":"',
        ),
        (("report", "balance-sheet", "--as-of", "2026-09-30", "-f", "json"), '"balanced":true'),
        (("report", "ageing", "payables", "--as-of", "2026-09-30", "-f", "csv"), "Harbour Properties,HP-07/2026"),
        (
            ("report", "ledger", "1000", "--from", "2026-07-01", "--to", "2026-09-30", "-f", "json"),
            '"closing":"25572.00"',
        ),
        (("report", "tax-summary", "--from", "2026-07-01", "--to", "2026-09-30", "-f", "csv"), "VAT-24"),
        (("report", "trial-balance", "--functional", "--as-of", "2026-09-30", "-f", "json"), '"balanced":true'),
        (("export", "ledger"), "Assets:1100 Accounts receivable"),
        (("report", "pipeline", "--as-of", "2026-08-25", "-f", "csv"), "proposal,EUR,2,30900.00,15450.00"),
        (("report", "pipeline", "--as-of", "2026-09-30", "--by", "owner", "-f", "json"), '"won":1'),
        (("report", "conversion", "--as-of", "2026-09-30", "-f", "csv"), ",1,1,1,100.0"),
        (("report", "win-rate", "--from", "2026-07-01", "--to", "2026-09-30", "-f", "csv"), "1,1,50.0,69.0"),
        (("report", "follow-ups", "--as-of", "2026-09-30", "-f", "csv"), "bob,1,0,0"),
        (
            ("report", "margins", "--from", "2026-07-01", "--to", "2026-09-30", "-f", "csv"),
            ",EUR,0.00,1400.00,0.00,-1400.00,",
        ),
        (("report", "budget-burn", "--as-of", "2026-09-30", "-f", "csv"), "Kite Labs website relaunch,120,32"),
        (("report", "utilisation", "--from", "2026-09-21", "--to", "2026-09-27", "-f", "csv"), "jon,40.00,24.00"),
        (("report", "wip", "--as-of", "2026-09-30", "-f", "json"), '"rows":[]'),
        (("report", "work-in-progress", "--as-of", "2026-09-30", "-f", "csv"), "project,hours,currency,value"),
        (("report", "customer-360", "kite labs", "-f", "csv"), "Kite Labs website relaunch"),
        (("billing", "run", "--as-of", "2026-10-01"), "2 active projects, 1 with new drafts"),  # Helios retainer
        (("report", "customer-360", "9528ab88-6e29-506c-ab9f-a3e2c18e6287", "-f", "csv"), "Kite Labs website relaunch"),
    ],
)
def test_finance_reports_and_export_from_the_command_line(demo_dir: Path, args: tuple[str, ...], expected: str) -> None:
    done = keel(demo_dir, *args)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout


def test_a_bad_report_option_is_one_readable_line(demo_dir: Path) -> None:
    done = keel(demo_dir, "report", "ageing", "sideways")
    assert done.returncode == 1 and "receivables or payables" in done.stderr and "Traceback" not in done.stderr


def test_audit_verify_and_a_signed_digest(demo_dir: Path) -> None:
    verified = keel(demo_dir, "audit", "verify")
    assert verified.returncode == 0 and "chain verified" in verified.stdout
    digest = keel(demo_dir, "audit", "digest", env={"KEEL_AUDIT_KEY": "s3cret"})
    assert digest.returncode == 0 and set(json.loads(digest.stdout)) == {"position", "hash", "signed_at", "signature"}
    unsigned = keel(demo_dir, "audit", "digest")
    assert unsigned.returncode == 1 and "KEEL_AUDIT_KEY" in unsigned.stderr


def test_reports_take_a_log_position_as_known_at(demo_dir: Path) -> None:
    nothing = keel(demo_dir, "report", "trial-balance", "--known-at", "0", "--format", "json")
    assert nothing.returncode == 0 and json.loads(nothing.stdout)["rows"] == []
    early = keel(demo_dir, "report", "trial-balance", "--as-of", "2026-09-30", "--known-at", "3", "--format", "json")
    everything = keel(demo_dir, "report", "trial-balance", "--as-of", "2026-09-30", "--format", "json")
    assert early.returncode == 0 and json.loads(early.stdout)["rows"] != json.loads(everything.stdout)["rows"]
    beyond = keel(demo_dir, "report", "trial-balance", "--known-at", "999999999")
    assert beyond.returncode == 2 and "beyond the head of the log" in beyond.stderr


def test_a_read_model_is_rebuilt_beside_the_serving_one_compared_and_switched(demo_dir: Path) -> None:
    done = keel(demo_dir, "projections", "rebuild", "customers", "--diff", "--switch")
    assert done.returncode == 0, done.stderr
    assert "identical" in done.stdout and "switched: customers now serves generation" in done.stderr
    status = keel(demo_dir, "projections", "status", "--format", "json")
    assert {r["projection"]: r["lag"] for r in json.loads(status.stdout)["rows"]}["customers"] == "0"

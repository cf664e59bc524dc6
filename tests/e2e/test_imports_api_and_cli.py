"""Imports as a user meets them (ADR 0035): `keel import …` through its entry point, and
`POST /v1/imports/…` with a multipart upload, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from api.http import create_app
from api.settings import Settings
from api.system import Keel

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")
UNBALANCED = b"account,debit,credit,currency\n1000,120000.00,,EUR\n3000,,119500.00,EUR\n"
ITEMS = b"""kind,party,number,issue_date,due_date,currency,amount
invoice,Globex GmbH,RE-2025-0456,2025-11-15,2025-12-15,EUR,12000.00
bill,Pixel Illustration,PX-2025-99,2025-12-20,2026-01-19,EUR,2232.00
"""


def run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
    environ["KEEL_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        environ["KEEL_DATABASE_URL"] = settings.database_url
    return subprocess.run([KEEL, *args], capture_output=True, text=True, env=environ, timeout=120, check=False)


def position(settings: Settings) -> int:
    keel = Keel.start(settings, follow=False)
    try:
        return keel.app.head_position()
    finally:
        keel.close()


def test_unbalanced_opening_balances_exit_non_zero_name_the_difference_and_leave_the_log(
    keel_settings: Settings, tmp_path: Path
) -> None:
    assert run(keel_settings, "accounts", "add", "3900", "Opening balances", "--type", "equity").returncode == 0
    before = position(keel_settings)
    file = tmp_path / "opening.csv"
    file.write_bytes(UNBALANCED)
    done = run(keel_settings, "import", "opening-balances", str(file), "--date", "2026-01-01")
    assert done.returncode == 1
    assert "difference 500.00 EUR" in done.stderr and "opening.csv" in done.stderr
    assert position(keel_settings) == before
    items = tmp_path / "items.csv"
    items.write_bytes(ITEMS)
    done = run(keel_settings, "import", "open-items", str(items), "--against", "3900")
    assert done.returncode == 0, done.stderr
    assert "imported items.csv as open items" in done.stdout
    again = run(keel_settings, "import", "open-items", str(items), "--against", "3900")
    assert again.returncode == 1 and "already imported" in again.stderr and "--force" in again.stderr


def test_an_upload_refused_lists_every_problem_with_its_line(client: TestClient, keel: Keel) -> None:
    bad = b'account,debit,credit,currency\n1000,"1.200,00",,EUR\n9999,,5.00,EUR\n'
    answer = client.post(
        "/v1/imports/opening-balances", files={"file": ("old.csv", bad, "text/csv")}, data={"date": "2026-01-01"}
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["type"] == "urn:keel:problem:import-refused"
    assert [(e["file"], e["line"], e["field"]) for e in problem["errors"]] == [
        ("old.csv", 2, "debit"),
        ("old.csv", 3, "account"),
    ]
    assert keel.app.head_position() == 0


def test_an_upload_accepted_answers_its_record(client: TestClient, keel: Keel) -> None:
    client.post("/v1/accounts", json={"code": "3900", "name": "Opening balances", "type": "equity"})
    answer = client.post(
        "/v1/imports/open-items", files={"file": ("items.csv", ITEMS, "text/csv")}, data={"against": "3900"}
    )
    assert answer.status_code == 201, answer.text
    accepted = answer.json()
    assert (accepted["kind"], accepted["lines"], accepted["records"]) == ("open-items", 3, 2)
    record = client.get(f"/v1/imports/{accepted['id']}").json()
    assert record["status"] == "written" and record["runs"][0]["file_name"] == "items.csv"
    again = client.post(
        "/v1/imports/open-items", files={"file": ("i.csv", ITEMS, "text/csv")}, data={"against": "3900"}
    )
    assert again.status_code == 409
    forced = client.post(
        "/v1/imports/open-items",
        files={"file": ("i.csv", ITEMS, "text/csv")},
        data={"against": "3900", "force": "true"},
    )
    assert forced.status_code == 201, forced.text
    assert len(client.get(f"/v1/imports/{accepted['id']}").json()["runs"]) == 2


def test_an_upload_over_the_import_limit_is_refused(keel: Keel) -> None:
    keel.settings.import_max_bytes = 2048
    with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
        answer = client.post("/v1/imports/journal", files={"file": ("big.ledger", b";" * 5000, "text/plain")})
    assert answer.status_code == 413


DECLARED = b"""; Keel general ledger; functional currency EUR; chart services-eu

account Assets:1010 Bank 2  ; type:Asset, subtype:bank, parent:10
account Assets:4000 Not revenue  ; type:Asset

2026-01-05 * Capital
    Assets:1010 Bank 2  100.00 EUR
    Equity:3000 Share capital  -100.00 EUR
"""


def test_a_journal_declaring_an_account_of_another_type_is_refused_on_that_line(
    client: TestClient, keel: Keel, keel_settings: Settings, tmp_path: Path
) -> None:
    answer = client.post("/v1/imports/journal", files={"file": ("old.ledger", DECLARED, "text/plain")})
    assert answer.status_code == 422, answer.text
    errors = [(e["line"], e["field"]) for e in answer.json()["errors"]]
    assert errors == [(4, "type")] and keel.app.head_position() == 0
    file = tmp_path / "old.ledger"
    file.write_bytes(DECLARED.replace(b"account Assets:4000 Not revenue  ; type:Asset\n", b""))
    done = run(keel_settings, "import", "journal", str(file))
    assert done.returncode == 0, done.stderr
    listed = run(keel_settings, "accounts", "list", "--format", "csv")
    assert "1010,Bank 2,asset,bank,10,,yes" in listed.stdout.splitlines()

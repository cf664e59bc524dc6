"""Dunning levels, opt-outs and staff addresses over HTTP and the CLI: bad input is a 422 problem naming
the field (the CLI: exit 1 with one line naming the option) and nothing is written; good input is
read back by GET /v1/dunning/levels and `keel dunning levels list`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.system import Keel

KEEL = shutil.which("keel") or str(Path(sys.executable).with_name("keel"))
ADMIN = {"X-Keel-Actor": "admin"}
GOOD = [
    {"number": 1, "name": "Friendly reminder", "days_after_due": 3, "template": "friendly"},
    {"number": 2, "name": "Second notice", "days_after_due": 14, "template": "second", "fee": "15.00"},
    {"number": 3, "name": "Final notice", "days_after_due": 30, "template": "final"},
]


def levels(*changes: tuple[int, str, Any]) -> list[dict[str, Any]]:
    found = [dict(level) for level in GOOD]
    for index, key, value in changes:
        found[index][key] = value
    return found


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"levels": levels((0, "template", "shouting"))}, "template"),
        ({"levels": levels((1, "days_after_due", 2))}, "levels[1].days_after_due"),
        ({"levels": levels((2, "number", 4))}, "levels[2].number"),
        ({"levels": levels((1, "fee", "fifteen"))}, "fee"),
        ({"levels": levels((1, "fee", 15.5))}, "fee"),
        ({"levels": levels((0, "days_after_due", -1))}, "days_after_due"),
        ({"levels": []}, "levels"),
        ({"levels": GOOD, "grace_days": 1000}, "grace_days"),
        ({"levels": GOOD, "minimum_open": "-5"}, "minimum_open"),
        ({"levels": GOOD, "minimum_open": "999999999999999"}, "minimum_open"),
        ({"levels": GOOD, "minimum_open": "1.001"}, "minimum_open"),
        ({"levels": levels((1, "fee", "999999999999999"))}, "levels[1].fee"),
    ],
)
def test_invalid_levels_are_a_problem_naming_the_field_and_nothing_is_written(
    client: TestClient, keel: Keel, body: dict[str, Any], field: str
) -> None:
    head = keel.app.head_position()
    refused = client.put("/v1/dunning/levels", json=body, headers=ADMIN)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert field in refused.text
    assert keel.app.head_position() == head


def test_levels_opt_outs_and_addresses_are_recorded_and_read_back(client: TestClient, keel: Keel) -> None:
    ok = client.put("/v1/dunning/levels", json={"levels": GOOD, "minimum_open": "10", "grace_days": 7}, headers=ADMIN)
    assert ok.status_code == 200, ok.text
    customer = client.post("/v1/customers", json={"name": "Acme"}, headers=ADMIN).json()["id"]
    assert client.put(f"/v1/customers/{customer}/dunning", json={"reminded": False}, headers=ADMIN).status_code == 200
    unknown = client.put(
        "/v1/customers/00000000-0000-0000-0000-0000000000ff/dunning", json={"reminded": False}, headers=ADMIN
    )
    assert unknown.status_code == 404
    policy = client.get(f"/v1/dunning/levels?min_position={keel.app.head_position()}", headers=ADMIN).json()
    assert [(x["number"], x["days_after_due"], x["fee"]) for x in policy["levels"]] == [
        (1, 3, None),
        (2, 14, "15.00"),
        (3, 30, None),
    ]
    assert (policy["minimum_open"], policy["grace_days"], policy["opted_out"]) == ("10", 7, [customer])
    # the levels again, without the minimum and the grace: those stay as they were
    assert client.put("/v1/dunning/levels", json={"levels": GOOD[:2]}, headers=ADMIN).is_success
    policy = client.get(f"/v1/dunning/levels?min_position={keel.app.head_position()}", headers=ADMIN).json()
    assert (len(policy["levels"]), policy["minimum_open"], policy["grace_days"]) == (2, "10", 7)

    bad = client.put("/v1/reminders/addresses/maria", json={"email": "not an address"}, headers=ADMIN)
    assert bad.status_code == 422 and "email" in bad.text
    assert client.put("/v1/reminders/addresses/maria", json={"email": "maria@lumen.example"}, headers=ADMIN).is_success
    assert client.put("/v1/reminders/approval-wait", json={"days": 0}, headers=ADMIN).status_code == 422
    assert client.get("/v1/reports/reminders?kind=gossip", headers=ADMIN).status_code == 422
    assert client.get("/v1/reports/reminders", headers=ADMIN).json()["items"] == []


def keel_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "KEEL_DATABASE_URL"}
    environ["KEEL_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run([KEEL, *args], capture_output=True, text=True, env=environ, timeout=120, check=False)


def test_the_cli_refuses_a_bad_level_in_one_line_and_sets_good_ones(tmp_path: Path) -> None:
    for spec, line in (
        ("1:Friendly:3:shouting", "error: --level 1 (template): template: unknown template 'shouting'"),
        ("1:Friendly:three:friendly", "error: --level 1 (days after due): not a whole number: 'three'"),
        ("1:Friendly:3", "error: --level 1: expected NUMBER:NAME:DAYS:TEMPLATE[:FEE]"),
    ):
        done = keel_cli(tmp_path, "dunning", "levels", "set", "--level", spec)
        assert done.returncode == 1, done.stderr
        (said,) = done.stderr.strip().splitlines()
        assert said.startswith(line), said
    later = keel_cli(tmp_path, "dunning", "levels", "set", "--level", "1:A:14:friendly", "--level", "2:B:3:final")
    assert later.returncode == 1 and "levels[1].days_after_due" in later.stderr
    done = keel_cli(
        tmp_path, "dunning", "levels", "set", "--level", "1:Friendly:3:friendly", "--level", "2:Second:14:second:15.00"
    )
    assert done.returncode == 0, done.stderr
    listed = keel_cli(tmp_path, "dunning", "levels", "list", "--format", "json")
    assert '"fee": "15.00 EUR"' in listed.stdout


def test_the_cli_stops_and_resumes_a_customers_dunning_from_a_date(tmp_path: Path) -> None:
    assert keel_cli(tmp_path, "customers", "add", "Acme Oy", "--on", "2026-09-01").returncode == 0
    unsaid = keel_cli(tmp_path, "customers", "dunning", "acme")
    assert unsaid.returncode == 1 and unsaid.stderr.strip().splitlines() == [
        "error: --stop/--resume: say which: --stop (no more reminders) or --resume"
    ]
    stopped = keel_cli(tmp_path, "customers", "dunning", "acme", "--stop", "--on", "2026-10-01")
    assert stopped.returncode == 0 and "not reminded (opted out)" in stopped.stdout
    resumed = keel_cli(tmp_path, "customers", "dunning", "acme", "--resume")
    assert resumed.returncode == 0 and "is reminded of overdue invoices" in resumed.stdout

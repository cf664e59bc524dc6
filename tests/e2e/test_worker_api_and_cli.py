"""The worker over HTTP and on the command line: schedules as data (an invalid cron is a 4xx naming
the field, nothing written), the status, and the demo run twice and after a rebuild: the invoice
e-mails go out once."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from worker_support import smtp_server

from api.settings import Settings
from api.system import Keel

KEEL = shutil.which("keel") or str(Path(sys.executable).with_name("keel"))
ACTOR = {"X-Keel-Actor": "admin"}
KINDS = [
    "billing",
    "recurring",
    "invoice-mail",
    "sales-rules",
    "mailbox",
    "sequence",
    "dunning",
    "follow-up-reminders",
    "approval-reminders",
    "outbox",
    "webhooks",
]


def test_a_schedule_is_set_over_http_and_a_bad_one_is_refused_naming_the_field(client: TestClient, keel: Keel) -> None:
    listed = client.get("/v1/schedules", headers=ACTOR).json()
    assert [s["kind"] for s in listed] == KINDS
    assert not any(s["recorded"] for s in listed)

    head = keel.app.head_position()
    bad = client.put("/v1/schedules/billing", json={"cron": "0 25 * * *"}, headers=ACTOR)
    assert bad.status_code == 422
    assert "cron" in bad.text and "bad hour" in bad.text
    assert [e["location"] for e in bad.json()["errors"]] == ["body.cron"]
    zone = client.put("/v1/schedules/billing", json={"cron": "0 6 * * *", "timezone": "Mars/Olympus"}, headers=ACTOR)
    assert zone.status_code == 422 and [e["location"] for e in zone.json()["errors"]] == ["body.timezone"]
    assert client.put("/v1/schedules/nothing", json={"cron": "0 6 * * *"}, headers=ACTOR).status_code == 404
    assert keel.app.head_position() == head  # nothing written

    ok = client.put("/v1/schedules/billing", json={"cron": "0 6 1 * *", "timezone": "Europe/Berlin"}, headers=ACTOR)
    assert ok.status_code == 200, ok.text
    billing = next(s for s in client.get("/v1/schedules", headers=ACTOR).json() if s["kind"] == "billing")
    assert (billing["cron"], billing["timezone"], billing["recorded"]) == ("0 6 1 * *", "Europe/Berlin", True)

    status = client.get("/v1/worker/status", headers=ACTOR).json()
    assert [j["kind"] for j in status["jobs"]] == KINDS
    assert status["outbox"] == {
        "queued": 0,
        "failing": 0,
        "delivered": 0,
        "last_error": None,
        "oldest_queued_at": None,
        "smtp_configured": False,
    }


def test_a_billing_e_mail_address_is_checked(client: TestClient) -> None:
    customer = client.post("/v1/customers", json={"name": "Acme"}, headers=ACTOR).json()["id"]
    bad = client.post(f"/v1/customers/{customer}/billing-email", json={"email": "not an address"}, headers=ACTOR)
    assert bad.status_code == 422 and "email" in bad.text
    ok = client.post(f"/v1/customers/{customer}/billing-email", json={"email": "ap@acme.example"}, headers=ACTOR)
    assert ok.status_code == 200, ok.text


def run(tmp_path: Path, *args: str, port: int) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "KEEL_DATABASE_URL"}
    environ.update({"KEEL_DATA_DIR": str(tmp_path / "data"), "KEEL_SMTP_URL": f"smtp://127.0.0.1:{port}"})
    done = subprocess.run([KEEL, *args], capture_output=True, text=True, env=environ, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done


def settings_for(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=None, _env_file=None, auth="off")  # type: ignore[call-arg]


def done_by_kind(output: str) -> dict[str, int]:
    """``{kind: done}`` from ``keel worker --once`` ("dunning: 3 done, 0 skipped, 0 failed — …")."""
    found = re.findall(r"^([a-z-]+): (\d+) done, ", output, re.MULTILINE)
    return {kind: int(count) for kind, count in found}


def test_the_demo_worker_acts_once_and_never_again_after_a_rerun_or_a_rebuild_of_every_projection(
    tmp_path: Path,
) -> None:
    with smtp_server() as (inbox, port):
        run(tmp_path, "demo", port=port)
        first = done_by_kind(run(tmp_path, "worker", "--once", "--as-of", "2026-10-15", port=port).stdout)
        # Helios' retainer (September and October, billed in advance), Northwind's hosting (15-30
        # September prorated, October), Northwind's September invoice e-mailed, three dunning
        # reminders and two follow-ups (tests/e2e/test_dunning_demo.py): six e-mails sent.
        assert first == {
            "billing": 1,
            "recurring": 2,
            "invoice-mail": 1,
            "sales-rules": 0,
            "mailbox": 0,
            "sequence": 0,
            "dunning": 3,
            "follow-up-reminders": 2,
            "approval-reminders": 0,
            "outbox": 6,
            "webhooks": 0,
        }
        (mail,) = [m for m in inbox.received if str(m["X-Keel-Cause"]).startswith("invoice-mail")]
        assert mail["To"] == "accounts@northwind.example"
        assert mail.get_payload()[1].get_filename().startswith("invoice-")  # type: ignore[index, union-attr]

        again = done_by_kind(run(tmp_path, "worker", "--once", "--as-of", "2026-10-15", port=port).stdout)
        assert set(again.values()) == {0}
        with Keel.start(settings_for(tmp_path), follow=False) as keel:
            names, head = list(keel.engine.projections), keel.app.head_position()
        for name in names:
            run(tmp_path, "projections", "rebuild", name, port=port)
        rebuilt = done_by_kind(run(tmp_path, "worker", "--once", "--as-of", "2026-10-15", port=port).stdout)
        assert set(rebuilt.values()) == {0} and len(rebuilt) == len(first)
        with Keel.start(settings_for(tmp_path), follow=False) as keel:
            assert keel.app.head_position() == head  # nothing new in the log
        assert len(inbox.received) == 6

        status = run(tmp_path, "worker", "status", "--format", "json", port=port).stdout
        assert '"delivered": 6' in status or '"delivered": "6"' in status


def test_an_invalid_cron_on_the_command_line_is_one_line_and_exit_1(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "KEEL_DATABASE_URL"}
    environ["KEEL_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [KEEL, "schedules", "set", "outbox", "--cron", "*/0 * * *"],
        capture_output=True,
        text=True,
        env=environ,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: cron: five fields (minute hour day month weekday) expected, got '*/0 * * *'"
    ]

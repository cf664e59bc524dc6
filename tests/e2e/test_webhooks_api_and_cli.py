"""Webhooks over HTTP and on the command line: a URL of another scheme is a 422 naming ``url`` (the
CLI: exit 1, one line), nothing written; the secret is never read back; the delivery log and a
replay through both ways in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from webhook_support import receiver

from api.http import create_app
from api.settings import Settings
from api.system import Keel
from api.worker.scheduler import Worker

KEEL = shutil.which("keel") or str(Path(sys.executable).with_name("keel"))
ADMIN = {"X-Keel-Actor": "admin"}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_a_url_of_another_scheme_or_a_bad_pattern_is_refused_naming_the_field_and_nothing_is_written(
    client: TestClient, keel: Keel
) -> None:
    head = keel.app.head_position()
    for body, field in [
        ({"url": "ftp://files.example/in", "events": ["*"], "secret": SECRET}, "url"),
        ({"url": "javascript:alert(1)", "events": ["*"], "secret": SECRET}, "url"),
        ({"url": "https://erp.example/in", "events": ["invoice"], "secret": SECRET}, "events"),
        ({"url": "https://erp.example/in", "events": ["*"], "secret": "short"}, "secret"),
    ]:
        answer = client.post("/v1/webhooks", json=body, headers=ADMIN)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert [e["location"] for e in answer.json()["errors"]] == [f"body.{field}"]
    assert (
        "only http and https"
        in client.post(
            "/v1/webhooks", json={"url": "ftp://x.example/", "events": ["*"], "secret": SECRET}, headers=ADMIN
        ).text
    )
    assert keel.app.head_position() == head


def test_the_secret_is_never_read_back_and_deliveries_are_listed_and_replayed_over_http(
    client: TestClient, keel: Keel
) -> None:
    with receiver(SECRET) as endpoint:
        made = client.post(
            "/v1/webhooks", json={"url": endpoint.url, "events": ["customer.*"], "secret": SECRET}, headers=ADMIN
        )
        assert made.status_code == 201, made.text
        sub = made.json()["id"]
        client.post("/v1/customers", json={"name": "Acme"}, headers=ADMIN)
        Worker(keel).pass_once(None, ["webhooks"])
        assert len(endpoint.received) == 1

        position = keel.app.head_position()
        listed = client.get("/v1/webhooks", params={"min_position": position}, headers=ADMIN)
        assert [w["id"] for w in listed.json()] == [sub] and listed.json()[0]["enabled"] is True
        history = client.get(f"/v1/aggregates/{sub}/history", headers=ADMIN)
        state = client.get(f"/v1/aggregates/{sub}", headers=ADMIN)
        for answer in (made, listed, history, state):
            assert SECRET not in answer.text and SECRET[6:] not in answer.text

        log = client.get("/v1/webhooks/deliveries", params={"min_position": position}, headers=ADMIN).json()
        (item,) = log["items"]
        assert (item["status"], item["attempts"], item["event_type"]) == ("delivered", 1, "customer.registered")
        replay = client.post(f"/v1/webhooks/deliveries/{item['id']}/replay", headers=ADMIN)
        assert replay.status_code == 202, replay.text
        Worker(keel).pass_once(None, ["webhooks"])
        detail = client.get(
            f"/v1/webhooks/deliveries/{item['id']}", params={"min_position": keel.app.head_position()}, headers=ADMIN
        ).json()
        assert [a["status_code"] for a in detail["attempt_log"]] == [200, 200]
        assert len(endpoint.received) == 2
        missing = client.post("/v1/webhooks/deliveries/00000000-0000-0000-0000-000000000000/replay", headers=ADMIN)
        assert missing.status_code == 404


def keel_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("KEEL_DATABASE_URL", "KEEL_WEBHOOK_SECRET")}
    environ["KEEL_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run([KEEL, *args], capture_output=True, text=True, env=environ, timeout=120, check=False)


def test_the_cli_adds_lists_delivers_and_replays_and_refuses_a_bad_url_in_one_line(tmp_path: Path) -> None:
    bad = keel_cli(tmp_path, "webhooks", "add", "ftp://files.example/in", "--events", "*", "--secret", SECRET)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "url: only http and https" in bad.stderr

    with receiver(SECRET) as endpoint:
        added = keel_cli(tmp_path, "webhooks", "add", endpoint.url, "--events", "customer.*", "--secret", SECRET)
        assert added.returncode == 0, added.stderr
        assert keel_cli(tmp_path, "customers", "add", "Acme Oy").returncode == 0
        worked = keel_cli(tmp_path, "worker", "--once", "--kind", "webhooks")
        assert worked.returncode == 0, worked.stderr
        assert len(endpoint.received) == 1

        listed = keel_cli(tmp_path, "webhooks", "list", "--format", "json")
        assert endpoint.url in listed.stdout and SECRET not in listed.stdout
        log = keel_cli(tmp_path, "webhooks", "deliveries", "--format", "json")
        assert "customer.registered" in log.stdout and "delivered" in log.stdout
        assert "customer.registered" not in keel_cli(tmp_path, "webhooks", "deliveries", "--failed").stdout
        delivery = json.loads(log.stdout)["items"][0]["id"]
        table = keel_cli(tmp_path, "webhooks", "deliveries").stdout
        assert delivery[:8] in table and delivery not in table  # a table shows the first 8 digits
        assert keel_cli(tmp_path, "webhooks", "replay", delivery[:8]).returncode == 0  # and they are enough
        assert keel_cli(tmp_path, "worker", "--once", "--kind", "webhooks").returncode == 0
        assert len(endpoint.received) == 2
        nothing = keel_cli(tmp_path, "webhooks", "replay", "not-an-id")
        assert nothing.returncode == 1 and nothing.stderr.count("\n") == 1

    # One query path: the CLI's JSON is the very bytes the API sends.
    printed = keel_cli(tmp_path, "webhooks", "deliveries", "--format", "json").stdout
    settings = Settings(data_dir=tmp_path / "data", database_url=None, auth="off", _env_file=None)  # type: ignore[call-arg]
    with Keel.start(settings, follow=False) as keel, TestClient(create_app(keel=keel)) as client:
        keel.engine.catch_up()
        assert client.get("/v1/webhooks/deliveries", headers=ADMIN).content + b"\n" == printed.encode()

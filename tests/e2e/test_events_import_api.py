"""``POST /v1/imports/events``: the log of one store appended to another over HTTP (ADR 0057)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from api.demo import load_demo
from api.settings import Settings
from api.system import Keel
from commands.event_import import export_lines


def test_an_events_file_is_appended_once_and_a_bad_line_is_named(
    keel: Keel, client: TestClient, tmp_path: Path
) -> None:
    source = Keel.start(Settings(data_dir=tmp_path / "source", auth="off", _env_file=None), follow=False)  # type: ignore[call-arg]
    try:
        load_demo(source.app)
        body = b"".join(export_lines(source.app))
    finally:
        source.close()

    bad = body.replace(b'"version":1,', b'"version":7,', 1)
    refused = client.post("/v1/imports/events", files={"file": ("bad.ndjson", bad)})
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["lines_in"] == 0 and "nothing of lines 1-" in problem["detail"]
    assert problem["errors"][0] == {
        "file": "bad.ndjson",
        "line": 1,
        "field": "version",
        "message": problem["errors"][0]["message"],
    }
    assert problem["errors"][0]["message"].startswith("expected 1 for aggregate")
    assert keel.app.head_position() == 0

    done = client.post("/v1/imports/events", files={"file": ("demo.ndjson", body)})
    assert done.status_code == 201, done.text
    answer = done.json()
    assert answer["events"] == body.count(b"\n") == answer["lines"] and answer["resumed_after"] == 0
    again = client.post("/v1/imports/events", files={"file": ("demo.ndjson", body)})
    assert again.status_code == 409, again.text

    listed = client.get("/v1/customers", params={"min_position": answer["position"], "limit": 100})
    names = {c["name"] for c in listed.json()["items"]}
    registered = [json.loads(line) for line in body.splitlines() if b'"keel.customer.Registered.v1"' in line]
    assert len(names) == len(registered) and "Northwind Studio Ltd" in names  # renamed in the story


def test_keel_export_events_then_keel_import_events_into_another_store(tmp_path: Path) -> None:
    from test_serve_cli import keel as run

    source, target = tmp_path / "source", tmp_path / "target"
    assert run(source, "demo").returncode == 0
    exported = run(source, "export", "events")
    assert exported.returncode == 0 and exported.stdout.count("\n") >= 150
    events = tmp_path / "demo.ndjson"
    events.write_text(exported.stdout)

    done = run(target, "import", "events", str(events), "--chunk", "50")
    assert done.returncode == 0, done.stderr
    assert f"imported {exported.stdout.count(chr(10))} events of demo.ndjson" in done.stdout + done.stderr
    again = run(target, "import", "events", str(events))
    assert again.returncode == 1 and "imported to their end already" in again.stderr
    assert again.stderr.strip().count("\n") == 0

    balances = [run(d, "report", "trial-balance", "--as-of", "2026-09-30", "--format", "csv") for d in (source, target)]
    assert balances[0].stdout == balances[1].stdout and balances[0].returncode == 0

"""Imports in the background (ADR 0039): with `Prefer: respond-async` an upload answers 202 at
once with where to watch it, and the progress it reports ends written (with what the import
wrote) or refused (with the problem a synchronous import answers), on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from api.system import Keel

ASYNC = {"Prefer": "respond-async"}


def items(count: int) -> bytes:
    rows = [
        f"invoice,Customer {n % 40},INV-{n:05d},2025-12-{1 + n % 28:02d},2026-01-31,EUR,{100 + n}.50"
        for n in range(count)
    ]
    return ("kind,party,number,issue_date,due_date,currency,amount\n" + "\n".join(rows) + "\n").encode()


def finished(client: TestClient, where: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for _ in range(600):
        seen = client.get(where).json()
        if seen["status"] in ("written", "refused", "failed"):
            return seen
        assert seen["status"] in ("queued", "reading", "checking", "writing"), seen
        time.sleep(0.05)
    raise AssertionError(f"the import did not finish: {seen}")


def test_an_import_in_the_background_answers_at_once_and_ends_written(client: TestClient, keel: Keel) -> None:
    client.post("/v1/accounts", json={"code": "3900", "name": "Opening balances", "type": "equity"})
    data = items(3_000)
    answer = client.post(
        "/v1/imports/open-items",
        files={"file": ("items.csv", data, "text/csv")},
        data={"against": "3900"},
        headers=ASYNC,
    )
    assert answer.status_code == 202, answer.text
    assert answer.headers["Preference-Applied"] == "respond-async"
    started = answer.json()
    assert answer.headers["Location"] == f"/v1/imports/{started['id']}/progress"
    assert started["lines"] == 3_001 and started["kind"] == "open-items" and started["result"] is None
    done = finished(client, answer.headers["Location"])
    assert done["status"] == "written", done
    assert done["problem"] is None and done["finished_at"] is not None
    assert done["result"]["records"] == 3_000 and done["result"]["id"] == started["id"]
    record = client.get(f"/v1/imports/{started['id']}").json()
    assert record["status"] == "written" and record["runs"][0]["records"] == 3_000
    # The same bytes again are refused at once, as a synchronous import is, and nothing starts.
    again = client.post(
        "/v1/imports/open-items",
        files={"file": ("items.csv", data, "text/csv")},
        data={"against": "3900"},
        headers=ASYNC,
    )
    assert again.status_code == 409 and "already imported" in again.json()["detail"]


def test_a_file_refused_in_the_background_keeps_its_problems_and_writes_nothing(client: TestClient, keel: Keel) -> None:
    client.post("/v1/accounts", json={"code": "3900", "name": "Opening balances", "type": "equity"})
    before = keel.app.head_position()
    bad = items(500) + b"invoice,Customer 1,INV-BAD,2025-12-01,2025-11-01,EUR,10.00\n"
    answer = client.post(
        "/v1/imports/open-items", files={"file": ("bad.csv", bad, "text/csv")}, data={"against": "3900"}, headers=ASYNC
    )
    assert answer.status_code == 202, answer.text
    done = finished(client, answer.headers["Location"])
    assert done["status"] == "refused" and done["result"] is None
    problem = done["problem"]
    assert problem["type"] == "urn:keel:problem:import-refused" and problem["status"] == 422
    assert [(e["line"], e["field"]) for e in problem["errors"]] == [(502, "due_date")]
    assert keel.app.head_position() == before
    assert client.get(f"/v1/imports/{done['id']}").status_code == 404


def test_progress_of_an_import_nobody_started_is_not_found(client: TestClient) -> None:
    answer = client.get("/v1/imports/00000000-0000-0000-0000-000000000000/progress")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("application/problem+json")


def test_an_import_reports_each_phase_to_the_end(keel: Keel) -> None:
    from api.imports.csv_files import open_items
    from api.imports.files import ImportFile
    from commands.messages import AddAccount
    from commands.progress import listening
    from ledger.events import Meta

    keel.app.handle(AddAccount(meta=Meta("test"), code="3900", name="Opening balances", type="equity"))
    seen: dict[str, tuple[int, int | None]] = {}
    with listening(lambda phase, done, total: seen.__setitem__(phase, (done, total))):
        file = ImportFile("items.csv", items(4_500))
        keel.app.handle(open_items(file, Meta("test"), "3900"))
    assert seen == {"reading": (4_501, 4_501), "checking": (4_500, 4_500), "writing": (4_500, 4_500)}
